import Foundation

/// The whole pure path from a frame's bytes to a report and its acknowledgement, so the daemon's listener does
/// only I/O and binding: ``read(_:options:)`` then, after the transaction committed (or failed),
/// ``Result/acknowledgement(adding:responder:controlId:at:)``.
public enum PCDIntake {
    /// A frame read: a report, or the parser's refusal.
    public enum Result: Sendable, Hashable {
        /// Parsed and mapped.
        case read(HL7Message, PCDReport)
        /// Refused by the parser; nothing to store.
        case refused(HL7ParseError)

        /// The outcome before the daemon adds its own problems.
        public var outcome: HL7Outcome {
            switch self {
            case .read(_, let report): report.outcome
            case .refused(let error): error.outcome
            }
        }

        /// The idempotency key (MSH-3, MSH-4, MSH-10) as sent, when the header could be read.
        public var idempotencyKey: PCDMessageKey? {
            let header: HL7Header? = switch self {
            case .read(let message, _): message.header
            case .refused(let error): error.header
            }
            guard let header else { return nil }
            return PCDMessageKey(sendingApplication: header.sendingApplication.encoded(with: .standard),
                                 sendingFacility: header.sendingFacility.encoded(with: .standard), controlId: header.controlId)
        }

        /// The acknowledgement, with the daemon's problems added (unknown patient 204, duplicate 205, database 207);
        /// nil when the sender's MSH-15/MSH-16 ask for none in this case.
        public func acknowledgement(
            adding problems: [HL7Problem] = [], responder: HL7Responder, controlId: String, at time: Date
        ) -> HL7Acknowledgement? {
            switch self {
            case .read(let message, let report):
                HL7Acknowledgement.acknowledging(message, outcome: report.outcome.adding(problems), responder: responder,
                                                 controlId: controlId, at: time)
            case .refused(let error):
                HL7Acknowledgement.build(header: error.header, delimiters: error.delimiters ?? .standard,
                                         characterSet: error.characterSet ?? .ascii, outcome: error.outcome.adding(problems),
                                         responder: responder, controlId: controlId, at: time)
            }
        }
    }

    /// Parses and maps one message (the bytes between the MLLP framing).
    public static func read(_ bytes: some Collection<UInt8>, options: PCDReader.Options) -> Result {
        do {
            let message = try HL7Parser.parse(bytes)
            return .read(message, PCDReader.read(message, options: options))
        } catch {
            return .refused(error)
        }
    }

    /// The answer to a frame the framer dropped for its size: `AE` (resending it unchanged cannot succeed) naming
    /// MSH-10 when the header in its first bytes can be read, else `AR` with an empty MSA-2.
    public static func oversizeAcknowledgement(
        head: [UInt8], length: Int, limit: Int, responder: HL7Responder, controlId: String, at time: Date
    ) -> HL7Acknowledgement? {
        let text = "The message is \(length) bytes, more than this receiver's limit of \(limit) bytes (hl7.maxMessageBytes); split it or raise the limit."
        let partial = HL7Parser.partialHeader(head)
        let problem = HL7Problem(.dataTypeError, at: partial == nil ? nil : HL7Location(segment: "MSH"), text)
        let outcome = partial == nil ? HL7Outcome(.rejected, problems: [problem]) : HL7Outcome(problems: [problem])
        let characterSet = partial.flatMap { HL7CharacterSet(msh18: $0.header.characterSet) } ?? .ascii
        return HL7Acknowledgement.build(header: partial?.header, delimiters: partial?.delimiters ?? .standard,
                                        characterSet: characterSet, outcome: outcome, responder: responder,
                                        controlId: controlId, at: time)
    }
}

/// The idempotency key of a message (HL7 notes): MSH-3, MSH-4 and MSH-10 together, since senders reuse MSH-10.
public struct PCDMessageKey: Sendable, Hashable, Codable {
    /// MSH-3, re-encoded with standard delimiters.
    public var sendingApplication: String
    /// MSH-4, re-encoded with standard delimiters.
    public var sendingFacility: String
    /// MSH-10.
    public var controlId: String

    public init(sendingApplication: String, sendingFacility: String, controlId: String) {
        self.sendingApplication = sendingApplication
        self.sendingFacility = sendingFacility
        self.controlId = controlId
    }
}
