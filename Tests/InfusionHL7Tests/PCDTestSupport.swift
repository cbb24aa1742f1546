import Foundation
@testable import InfusionHL7

/// 2024-03-01 10:16:00 UTC: one minute after the OBR-7 the PCD tests use.
let pcdReceivedAt = Date(timeIntervalSince1970: 1_709_288_160)

/// An OBX row with the fields a PCD test varies.
func obx(
    _ sequence: Int = 1, type: String = "NM", code: String = "150456^MDC_PULS_OXIM_SAT_O2^MDC", hierarchy: String = "1.1.1.1",
    value: String = "97", unit: String = "262688^MDC_DIM_PERCENT^MDC", flags: String = "", status: String = "R",
    time: String = "", device: String = ""
) -> String {
    var fields = ["OBX", String(sequence), type, code, hierarchy, value, unit, "", flags, "", "", status, "", "", time, "", "", "", device]
    while fields.last == "" { fields.removeLast() }
    return fields.joined(separator: "|")
}

/// The segments before the OBX rows of an ORU^R01 in the PCD tests.
func pcdHead(type: String = "ORU^R01^ORU_R01", processing: String = "P", obrTime: String = "20240301101500+0000") -> [String] {
    [msh(type: type, processing: processing), "PID|||P100^^^HOSP^MR", "PV1||I|ICU^3^1", "OBR|1|||182777000^monitoring of patient^SCT|||\(obrTime)"]
}

/// Parses and maps segments; a parse failure fails the test.
func pcdReport(_ segments: [String], zone: TimeZone? = nil, receivedAt: Date = pcdReceivedAt, processing: Set<String> = ["P"]) throws -> PCDReport {
    PCDReader.read(try HL7Parser.parse(hl7(segments)),
                   options: PCDReader.Options(timeZone: zone, acceptedProcessingIds: processing, receivedAt: receivedAt))
}

/// Maps one OBX row under the standard head.
func pcdRow(_ row: String, zone: TimeZone? = nil, receivedAt: Date = pcdReceivedAt) throws -> PCDReport {
    try pcdReport(pcdHead() + [row], zone: zone, receivedAt: receivedAt)
}

extension PCDReport {
    /// The only problem's code, severity and location, for table tests.
    var onlyProblem: HL7Problem? { problems.count == 1 ? problems[0] : nil }
}
