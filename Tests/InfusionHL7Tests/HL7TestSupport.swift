import Foundation
@testable import InfusionHL7

/// Builds message bytes from segments, each ended by CR as HL7 requires.
func hl7(_ segments: String...) -> [UInt8] { hl7(segments) }

/// Builds message bytes from segments, each ended by CR.
func hl7(_ segments: [String]) -> [UInt8] { Array(segments.map { $0 + "\r" }.joined().utf8) }

/// An MSH for tests, with the fields that vary as parameters.
func msh(
    type: String = "ORU^R01^ORU_R01", control: String = "MSG1", processing: String = "P", version: String = "2.6",
    accept: String = "", application: String = "", charset: String = "", time: String = "20240301101500+0000"
) -> String {
    var fields = ["MSH", "^~\\&", "MON^0123456789ABCDEF^EUI-64", "ICU", "RECV", "HOSP", time, "", type, control, processing, version,
                  "", "", accept, application, "", charset]
    while fields.last == "" { fields.removeLast() }
    return fields.joined(separator: "|")
}

/// A fixture's bytes, exactly as stored (segments end with CR).
func fixture(_ name: String) throws -> [UInt8] {
    guard let url = Bundle.module.url(forResource: name, withExtension: "hl7", subdirectory: "Fixtures") else {
        throw FixtureMissing(name: name)
    }
    return Array(try Data(contentsOf: url))
}

struct FixtureMissing: Error {
    var name: String
}

/// Parses or fails the test with the parser's problem.
func parsed(_ bytes: [UInt8]) throws -> HL7Message {
    try HL7Parser.parse(bytes)
}

/// The parser's refusal, or nil when it parsed.
func refusal(_ bytes: [UInt8]) -> HL7ParseError? {
    do {
        _ = try HL7Parser.parse(bytes)
        return nil
    } catch {
        return error
    }
}
