import Foundation
import Testing
@testable import InfusionHL7

@Suite struct AcknowledgementTests {
    let responder = HL7Responder(application: "INFUSIOND", facility: "WARD7")
    let time = Date(timeIntervalSince1970: 1_709_288_100) // 2024-03-01 10:15:00 UTC
    let ackHeader = "MSH|^~\\&|INFUSIOND|WARD7|MON^0123456789ABCDEF^EUI-64|ICU|20240301101500+0000||ACK^R01^ACK|ACK1|P|2.6"

    func ack(_ bytes: [UInt8], _ outcome: HL7Outcome = .accepted) throws -> HL7Acknowledgement? {
        HL7Acknowledgement.acknowledging(try parsed(bytes), outcome: outcome, responder: responder, controlId: "ACK1", at: time)
    }

    @Test func originalModeAcceptedBytes() throws {
        let reply = try #require(try ack(hl7(msh())))
        #expect(reply.code == "AA")
        #expect(reply.text == ackHeader + "\rMSA|AA|MSG1\r")
        #expect(reply.framed == [0x0B] + Array(reply.text.utf8) + [0x1C, 0x0D])
    }

    @Test func originalModeErrorWithEscapedErrText() throws {
        let problem = HL7Problem(.dataTypeError, at: HL7Location(segment: "OBX", sequence: 3, field: 5), "bad | value ^ & ~ \\ here\r")
        let reply = try #require(try ack(hl7(msh()), HL7Outcome(problems: [problem])))
        #expect(reply.text == ackHeader + "\rMSA|AE|MSG1\r"
            + "ERR||OBX^3^5|102^Data type error^HL70357|E||||bad \\F\\ value \\S\\ \\T\\ \\R\\ \\E\\ here\\X0D\\\r")
    }

    @Test func warningsRideOnAnAccept() throws {
        let warning = HL7Problem.warning(at: HL7Location(segment: "OBX", sequence: 8, field: 3), "skipped")
        let reply = try #require(try ack(hl7(msh()), HL7Outcome(problems: [warning])))
        #expect(reply.code == "AA")
        #expect(reply.text.hasSuffix("MSA|AA|MSG1\rERR||OBX^8^3|0^Message accepted^HL70357|W||||skipped\r"))
    }

    @Test func rejectionCopiesProcessingAndVersionAndCharacterSet() throws {
        let reply = try #require(try ack(hl7(msh(processing: "T", version: "2.8", charset: "UNICODE UTF-8")),
                                         HL7Outcome(problems: [HL7Problem(.applicationInternalError, at: nil, "database unavailable")])))
        #expect(reply.code == "AR")
        #expect(reply.text == "MSH|^~\\&|INFUSIOND|WARD7|MON^0123456789ABCDEF^EUI-64|ICU|20240301101500+0000||ACK^R01^ACK|ACK1|T|2.8||||||UNICODE UTF-8\r"
            + "MSA|AR|MSG1\rERR|||207^Application internal error^HL70357|E||||database unavailable\r")
    }

    @Test(arguments: [
        // (MSH-15, MSH-16, disposition, expected MSA-1 or nil for no acknowledgement)
        ("AL", "NE", HL7Outcome.Disposition.accepted, "CA" as String?), ("AL", "NE", .error, "CE"), ("AL", "NE", .rejected, "CR"),
        ("NE", "AL", .accepted, "AA"), ("NE", "AL", .error, "AE"), ("NE", "AL", .rejected, "AR"),
        ("AL", "AL", .accepted, "CA"),
        ("NE", "NE", .accepted, nil), ("NE", "NE", .error, nil),
        ("ER", "NE", .accepted, nil), ("ER", "NE", .error, "CE"),
        ("SU", "NE", .accepted, "CA"), ("SU", "NE", .rejected, nil),
        ("NE", "ER", .accepted, nil), ("NE", "ER", .rejected, "AR"), ("NE", "SU", .accepted, "AA"),
        ("AL", "", .accepted, "CA"), ("", "AL", .error, "AE"), ("", "", .error, "AE"), ("XX", "", .accepted, "CA"),
    ])
    func modes(accept: String, application: String, disposition: HL7Outcome.Disposition, expected: String?) throws {
        let reply = try ack(hl7(msh(accept: accept, application: application)), HL7Outcome(disposition))
        #expect(reply?.code == expected)
        if let reply {
            let enhanced = !(accept.isEmpty && application.isEmpty)
            // An acknowledgement never asks to be acknowledged.
            #expect(reply.text.contains("|P|2.6|||NE|NE\r") == enhanced)
        }
    }

    @Test func enhancedAcceptBytes() throws {
        let reply = try #require(try ack(hl7(msh(accept: "AL", application: "NE"))))
        #expect(reply.text == ackHeader + "|||NE|NE\rMSA|CA|MSG1\r")
    }

    @Test func unreadableMessageIsRejectedWithEmptyMSA2() throws {
        let error = try #require(refusal(Array("garbage".utf8)))
        let reply = try #require(HL7Acknowledgement.acknowledging(error, responder: responder, controlId: "ACK1", at: time))
        #expect(reply.text == "MSH|^~\\&|INFUSIOND|WARD7|||20240301101500+0000||ACK^^ACK|ACK1|P|2.6\rMSA|AR\r"
            + "ERR||MSH^1|100^Segment sequence error^HL70357|E||||The message does not start with an MSH segment.\r")
    }

    @Test func parseRefusalWithHeaderNamesTheControlId() throws {
        let error = try #require(refusal(hl7(msh(version: "2.9"))))
        let reply = try #require(HL7Acknowledgement.acknowledging(error, responder: responder, controlId: "ACK1", at: time))
        #expect(reply.code == "AR")
        #expect(reply.text.contains("\rMSA|AR|MSG1\rERR||MSH^1^12|203^Unsupported version id^HL70357|E||||"))
    }

    @Test func legacyVersionsAlsoGetERR1AndMSA3() throws {
        let problem = HL7Problem(.dataTypeError, at: HL7Location(segment: "OBX", sequence: 3, field: 5), "not a number")
        let reply = try #require(try ack(hl7(msh(version: "2.4")), HL7Outcome(problems: [problem])))
        #expect(reply.text.hasSuffix("MSA|AE|MSG1|not a number\r"
            + "ERR|OBX^3^5^102&Data type error&HL70357|OBX^3^5|102^Data type error^HL70357|E||||not a number\r"))
    }

    @Test func messageDelimitersAreUsedInTheReply() throws {
        let message = try parsed(Array("MSH#$*!%#MON$X#ICU#####ORU$R01#M1#P#2.5\r".utf8))
        let reply = try #require(HL7Acknowledgement.acknowledging(message, outcome: HL7Outcome(problems: [
            HL7Problem(.dataTypeError, at: HL7Location(segment: "OBX", sequence: 1, field: 5), "a#b$c")]),
            responder: responder, controlId: "A1", at: time))
        #expect(reply.text == "MSH#$*!%#INFUSIOND#WARD7#MON$X#ICU#20240301101500+0000##ACK$R01$ACK#A1#P#2.5\rMSA#AE#M1\r"
            + "ERR##OBX$1$5#102$Data type error$HL70357#E####a!F!b!S!c\r")
        // What goes out can be read back by the same parser.
        #expect(try HL7Parser.parse(reply.bytes).segment("MSA")?[field: 2].value == "M1")
    }

    @Test func replyIsEncodedInTheMessageCharacterSet() throws {
        let problem = HL7Problem(.dataTypeError, at: nil, "é")
        let latin = try #require(try ack(hl7(msh(charset: "8859/1")), HL7Outcome(problems: [problem])))
        #expect(latin.bytes.suffix(2) == [0xE9, 0x0D])
        let utf8 = try #require(try ack(hl7(msh(charset: "UNICODE UTF-8")), HL7Outcome(problems: [problem])))
        #expect(utf8.bytes.suffix(3) == [0xC3, 0xA9, 0x0D])
        let ascii = try #require(try ack(hl7(msh()), HL7Outcome(problems: [problem])))
        #expect(ascii.bytes.suffix(2) == [UInt8(ascii: "?"), 0x0D])
    }

    @Test(arguments: [
        (HL7ErrorCode.unknownKeyIdentifier, HL7Outcome.Disposition.error, "AE"),
        (.duplicateKeyIdentifier, .error, "AE"),
        (.applicationInternalError, .rejected, "AR"),
    ])
    func daemonProblemsReJudgeTheOutcome(code: HL7ErrorCode, disposition: HL7Outcome.Disposition, msa: String) throws {
        let result = PCDIntake.read(try fixture("ihe-pcd01-oru-r01"), options: PCDReader.Options(receivedAt: time))
        #expect(result.outcome.disposition == .accepted)
        let reply = try #require(result.acknowledgement(adding: [HL7Problem(code, at: nil, "x")], responder: responder,
                                                        controlId: "A", at: time))
        // The fixture asks for an accept acknowledgement (MSH-15 AL): the C form of the same answer.
        #expect(reply.code == "C" + msa.dropFirst())
        #expect(reply.text.contains("|\(code.rawValue)^\(code.text)^HL70357|E|"))
        #expect(result.outcome.adding([HL7Problem(code, at: nil, "x")]).disposition == disposition)
    }

    @Test func anAddedWarningNeverImprovesAnError() {
        let error = HL7Outcome(.rejected, problems: [HL7Problem(.segmentSequenceError, at: nil, "unreadable")])
        #expect(error.adding([.warning(at: nil, "w")]).disposition == .rejected)
    }

    @Test func oversizeFramesAreAnswered() throws {
        let head = Array((msh(control: "BIG1") + "\rOBX|1|NM|").utf8)
        let reply = try #require(PCDIntake.oversizeAcknowledgement(head: head, length: 2_000_000, limit: 1_048_576,
                                                                   responder: responder, controlId: "A", at: time))
        #expect(reply.code == "AE")
        #expect(reply.text.contains("MSA|AE|BIG1\r"))
        let blind = try #require(PCDIntake.oversizeAcknowledgement(head: Array("xx".utf8), length: 9, limit: 8,
                                                                    responder: responder, controlId: "A", at: time))
        #expect(blind.code == "AR")
        #expect(blind.text.contains("\rMSA|AR\r"))
    }

    @Test func idempotencyKeyIsSenderAndControlId() throws {
        let result = PCDIntake.read(hl7(msh(control: "K1")), options: PCDReader.Options(receivedAt: time))
        #expect(result.idempotencyKey == PCDMessageKey(sendingApplication: "MON^0123456789ABCDEF^EUI-64", sendingFacility: "ICU", controlId: "K1"))
        #expect(PCDIntake.read(Array("x".utf8), options: PCDReader.Options(receivedAt: time)).idempotencyKey == nil)
    }
}

@Suite struct AcknowledgementDelimiterTests {
    @Test func punctuationDelimitersThatAppearInOurOwnValuesAreEscaped() throws {
        // '+' as the field separator and '.' as the component separator (so the sender escapes the dot of its
        // version): the reply's time and version must not split either.
        let message = try HL7Parser.parse(Array("MSH+.~\\&+MON+ICU+++20240301++ORU.R01+M1+P+2\\S\\5\r".utf8))
        let reply = try #require(HL7Acknowledgement.acknowledging(message, outcome: .accepted, responder: HL7Responder(application: "A", facility: "F"),
                                                                  controlId: "C1", at: Date(timeIntervalSince1970: 0)))
        let back = try HL7Parser.parse(reply.bytes)
        #expect(back.header.version == "2.5")
        #expect(back.header.dateTime == "19700101000000+0000")
        #expect(back.segment("MSA")?[field: 2].value == "M1")
    }
}

@Suite struct AcknowledgementHeaderTests {
    let responder = HL7Responder(application: "A", facility: "F")

    /// The reply to a refusal must not repeat what made the message unreadable: it has to parse itself.
    @Test(arguments: [
        (msh(version: "2.9"), "2.8", "P", ""),
        (msh(version: "2.4"), "2.4", "P", ""),
        (msh(processing: "X"), "2.6", "P", ""),
        (msh(processing: "T"), "2.6", "T", ""),
        (msh(charset: "ISO IR87"), "2.6", "P", ""),
        (msh(charset: "ASCII"), "2.6", "P", "ASCII"),
        (msh(charset: "8859/1"), "2.6", "P", "8859/1"),
    ])
    func replyHeaderStaysReadable(header: String, version: String, processing: String, charset: String) throws {
        let result = PCDIntake.read(hl7(header, "PID|||P1", "OBR|1|||x|||20240301101500+0000"), options: PCDReader.Options(receivedAt: Date()))
        let reply = try #require(result.acknowledgement(responder: responder, controlId: "C", at: Date(timeIntervalSince1970: 0)))
        let back = try HL7Parser.parse(reply.bytes)
        #expect(back.header.version == version)
        #expect(back.header.processingId == processing)
        #expect(back.header.characterSet == charset)
    }
}
