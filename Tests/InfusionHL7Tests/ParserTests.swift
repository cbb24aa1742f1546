import Foundation
import Testing
@testable import InfusionHL7

@Suite struct ParserTests {
    @Test func fieldsComponentsRepetitionsAndSubcomponents() throws {
        let message = try parsed(hl7(msh(), "PID|||A1^^^Auth&1.2.3&ISO^MR~B2^^^Other^PI||Doe^Jane", "OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.1|97"))
        let pid = try #require(message.segment("PID"))
        let ids = pid[field: 3]
        #expect(ids.repetitions.count == 2)
        #expect(ids.repetitions[0][component: 1] == "A1")
        #expect(ids.repetitions[0].components[3].subcomponents == ["Auth", "1.2.3", "ISO"])
        #expect(ids.repetitions[0][component: 5] == "MR")
        #expect(ids.repetitions[1][component: 4] == "Other")
        #expect(pid[field: 5].components.map(\.value) == ["Doe", "Jane"])
        #expect(message.segments("OBX").count == 1)
        #expect(message.segments("OBX")[0][field: 3][component: 2] == "MDC_PULS_OXIM_SAT_O2")
    }

    @Test func mshFieldsAreCountedAsTheStandardCountsThem() throws {
        let message = try parsed(hl7(msh(control: "C42")))
        let header = message.segments[0]
        #expect(header[field: 1].value == "|")
        #expect(header[field: 2].value == "^~\\&")
        #expect(header[field: 3][component: 2] == "0123456789ABCDEF")
        #expect(header[field: 10].value == "C42")
        #expect(message.header.controlId == "C42")
        #expect(message.header.triggerEvent == "R01")
    }

    @Test func delimitersAreReadFromMSH1AndMSH2NotAssumed() throws {
        let text = "MSH#$*!%#MON$X$EUI-64#ICU#####ORU$R01#M1#P#2.5\rPID###A|B$C*D!E%F\r"
        let message = try parsed(Array(text.utf8))
        #expect(message.delimiters == HL7Delimiters(field: UInt8(ascii: "#"), component: UInt8(ascii: "$"), repetition: UInt8(ascii: "*"),
                                                    escape: UInt8(ascii: "!"), subcomponent: UInt8(ascii: "%")))
        let field = message.segment("PID")![field: 3]
        // '|', '^', '&' are plain text here; '*' repeats, '$' splits components, '%' subcomponents.
        #expect(field.repetitions.count == 2)
        #expect(field.repetitions[0][component: 1] == "A|B")
        #expect(field.repetitions[0][component: 2] == "C")
        #expect(field.repetitions[1].components[0].subcomponents == ["D!E", "F"])
    }

    @Test(arguments: [
        ("\\F\\", "|"), ("\\S\\", "^"), ("\\T\\", "&"), ("\\R\\", "~"), ("\\E\\", "\\"),
        ("a\\F\\b\\S\\c", "a|b^c"), ("\\X0D\\", "\r"), ("\\X0a\\", "\n"), ("\\X414243\\", "ABC"),
        // Formatting, highlighting, character-set, local and unknown sequences are kept as written.
        ("line\\.br\\next", "line\\.br\\next"), ("\\H\\bold\\N\\", "\\H\\bold\\N\\"), ("\\Zlocal\\", "\\Zlocal\\"),
        ("\\C2842\\", "\\C2842\\"), ("\\Q\\", "\\Q\\"),
        // Not sequences at all: a lone escape, odd or non-hex digits.
        ("a\\b", "a\\b"), ("\\X4\\", "\\X4\\"), ("\\XZZ\\", "\\XZZ\\"), ("\\\\", "\\\\"),
    ])
    func escapeSequences(sent: String, read: String) throws {
        let message = try parsed(hl7(msh(), "NTE|1||\(sent)"))
        #expect(message.segment("NTE")![field: 3].value == read)
    }

    @Test func escapeCharacterIsTheDeclaredOne() throws {
        let message = try parsed(Array("MSH|^~#&|A||||||ORU^R01|M1|P|2.5\rNTE|1||x#F#y\\F\\z\r".utf8))
        #expect(message.segment("NTE")![field: 3].value == "x|y\\F\\z")
    }

    @Test func truncationCharacterOfV27IsUnescaped() throws {
        let message = try parsed(Array("MSH|^~\\&#|A||||||ORU^R01|M1|P|2.7\rNTE|1||a#b\\P\\c\r".utf8))
        #expect(message.delimiters.truncation == UInt8(ascii: "#"))
        #expect(message.segment("NTE")![field: 3].value == "a#b#c")
    }

    @Test func hexEscapesAreBytesOfTheDeclaredCharacterSet() throws {
        let utf8 = try parsed(hl7(msh(charset: "UNICODE UTF-8"), "NTE|1||caf\\XC3A9\\"))
        #expect(utf8.segment("NTE")![field: 3].value == "café")
        let latin1 = try parsed(hl7(msh(charset: "8859/1"), "NTE|1||caf\\XE9\\"))
        #expect(latin1.segment("NTE")![field: 3].value == "café")
    }

    @Test func missingAndEmptyFields() throws {
        let message = try parsed(hl7(msh(), "OBX|1||150456^^MDC||\"\"|||"))
        let obx = try #require(message.segment("OBX"))
        #expect(obx[field: 2].isEmpty)
        #expect(obx[field: 3][component: 2] == "")
        #expect(obx[field: 3][component: 9] == "")
        #expect(obx[field: 5].isNull)
        #expect(obx[field: 6].isEmpty)
        #expect(obx[field: 99].isEmpty)
        #expect(obx[field: 99].value == "")
        #expect(obx[field: 0].isEmpty)
    }

    @Test func crlfIsToleratedAndEmptyLinesSkipped() throws {
        let cr = try parsed(hl7(msh(), "PID|||A1", "OBR|1"))
        let crlf = try parsed(Array((msh() + "\r\nPID|||A1\r\n\r\nOBR|1\r\n").utf8))
        #expect(crlf.segments.map(\.id) == ["MSH", "PID", "OBR"])
        #expect(crlf.segments == cr.segments)
    }

    @Test func bareLineFeedIsRefusedAsSegmentError() throws {
        let error = try #require(refusal(Array((msh() + "\nPID|||A1\n").utf8)))
        #expect(error.problem.code == .segmentSequenceError)
        #expect(error.header?.controlId == "MSG1")
        #expect(error.outcome.disposition == .error)
    }

    @Test(arguments: [
        ("", [UInt8(ascii: "A")], "A"),
        ("ASCII", [UInt8(ascii: "A")], "A"),
        ("8859/1", [0xE9], "é"),
        ("UNICODE UTF-8", [0xC3, 0xA9], "é"),
    ])
    func characterSets(msh18: String, bytes: [UInt8], read: String) throws {
        let message = try parsed(Array((msh(charset: msh18) + "\rNTE|1||").utf8) + bytes + [0x0D])
        #expect(message.segment("NTE")![field: 3].value == read)
        #expect(message.characterSet == HL7CharacterSet(msh18: msh18))
    }

    @Test(arguments: [
        ("ISO IR87", [UInt8(ascii: "A")], HL7ErrorCode.tableValueNotFound, 18),
        ("UNICODE", [UInt8(ascii: "A")], .tableValueNotFound, 18),
        ("8859/15", [UInt8(ascii: "A")], .tableValueNotFound, 18),
        ("", [0xE9], .dataTypeError, 3),
        ("ASCII", [0xC3, 0xA9], .dataTypeError, 3),
        ("UNICODE UTF-8", [0xC3, 0x28], .dataTypeError, 3),
    ])
    func characterSetRefusals(msh18: String, bytes: [UInt8], code: HL7ErrorCode, field: Int) throws {
        let error = try #require(refusal(Array((msh(charset: msh18) + "\rNTE|1||").utf8) + bytes + [0x0D]))
        #expect(error.problem.code == code)
        #expect(error.problem.location?.field == field)
        #expect(error.header?.controlId == "MSG1")
        #expect(error.outcome.disposition == .error)
    }

    @Test(arguments: [
        "", "PID|||A1", "MSH", "MSH|", "MSH|^~\\|A", "MSH|^~\\&&|A", "MSHA^~\\&|", "MSH|^~\\&X|A", " MSH|^~\\&|A",
        "MSH|^~ &|A", "MSH\r|^~\\&|A",
    ])
    func unreadableMSHIsRejectedWithoutHeader(text: String) throws {
        let error = try #require(refusal(Array(text.utf8)))
        #expect(error.header == nil)
        #expect(error.problem.code == .segmentSequenceError)
        #expect(error.outcome.disposition == .rejected)
    }

    @Test(arguments: ["2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.2"])
    func supportedVersions(version: String) throws {
        #expect(try parsed(hl7(msh(version: version))).header.version == version)
    }

    @Test(arguments: ["2.2", "2.9", "3.0", "2", "2.x", "v2.5"])
    func unsupportedVersionsAreRejected(version: String) throws {
        let error = try #require(refusal(hl7(msh(version: version))))
        #expect(error.problem.code == .unsupportedVersionId)
        #expect(error.problem.location == HL7Location(segment: "MSH", field: 12))
        #expect(error.outcome.disposition == .rejected)
    }

    @Test(arguments: [(9, "type"), (10, "control"), (12, "version")])
    func requiredMSHFields(field: Int, name: String) throws {
        let header = switch name {
        case "type": msh(type: "")
        case "control": msh(control: "")
        default: msh(version: "")
        }
        let error = try #require(refusal(hl7(header)))
        #expect(error.problem.code == .requiredFieldMissing)
        #expect(error.problem.location?.field == field)
        #expect(error.outcome.disposition == .error)
    }

    @Test(arguments: ["obx|1", "OB|1", "1BX|1", "OBXX|1", "OBX^1"])
    func segmentIdsMustBeThreeCapitalsOrDigits(segment: String) throws {
        let error = try #require(refusal(hl7(msh(), segment)))
        #expect(error.problem.code == .segmentSequenceError)
        #expect(error.header != nil)
    }

    @Test func secondMSHIsRefused() throws {
        let error = try #require(refusal(hl7(msh(), "PID|||A", msh(control: "M2"))))
        #expect(error.problem.code == .segmentSequenceError)
        #expect(error.problem.location == HL7Location(segment: "MSH", sequence: 2))
    }

    @Test func segmentSequencesCountEachId() throws {
        let message = try parsed(hl7(msh(), "OBR|1", "OBX|1", "NTE|1", "OBX|2", "OBX|3"))
        #expect(message.segments("OBX").map(\.sequence) == [1, 2, 3])
        #expect(message.segments("OBX")[2].location.description == "OBX^3")
        #expect(message.segments("OBX")[2].location(field: 5).description == "OBX^3^5")
    }

    @Test func fieldsEncodeBackWithEscapes() throws {
        let message = try parsed(hl7(msh(), "NTE|1||a\\F\\b^c\\S\\d~e&f"))
        #expect(message.segment("NTE")![field: 3].encoded(with: .standard) == "a\\F\\b^c\\S\\d~e&f")
    }

    @Test func partialHeaderReadsTheFirstSegmentOnly() throws {
        let head = Array((msh(control: "BIG1") + "\rOBX|1|NM|").utf8)
        let partial = try #require(HL7Parser.partialHeader(head))
        #expect(partial.header.controlId == "BIG1")
        #expect(HL7Parser.partialHeader(Array("garbage".utf8)) == nil)
    }

    @Test func fixturesParse() throws {
        for name in ["ge-b40-oru-r01", "ihe-pcd01-oru-r01", "pcd04-vt-alarm"] {
            let message = try parsed(try fixture(name))
            #expect(message.characterSet == .utf8)
            #expect(!message.segments("OBX").isEmpty)
        }
    }
}
