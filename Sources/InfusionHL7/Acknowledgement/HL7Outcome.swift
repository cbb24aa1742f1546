/// What happened to a message, in the terms an acknowledgement reports: accepted (with any warnings), refused for
/// its content, or not processed; and the problems, one ERR segment each.
public struct HL7Outcome: Sendable, Hashable {
    /// The three answers HL7 has for a message.
    public enum Disposition: String, Sendable, Hashable, Codable {
        /// Processed and committed (`AA`/`CA`).
        case accepted
        /// Content wrong; a resend unchanged will fail again (`AE`/`CE`).
        case error
        /// Not processed; a resend may succeed (`AR`/`CR`).
        case rejected
    }

    /// The answer.
    public var disposition: Disposition
    /// The problems, errors and warnings alike, in the order found.
    public var problems: [HL7Problem]

    /// An outcome with an explicit answer, for the cases the problems alone do not decide (an unreadable MSH is
    /// `AR` with code 100, while a segment out of order is `AE` with the same code).
    public init(_ disposition: Disposition, problems: [HL7Problem] = []) {
        self.disposition = disposition
        self.problems = problems
    }

    /// The outcome the problems imply: any code that means "not processed" rejects, any other error is a content
    /// error, and warnings or information alone leave the message accepted.
    public init(problems: [HL7Problem]) {
        let errors = problems.filter { $0.severity == .error }
        let disposition: Disposition = if errors.contains(where: \.code.rejectsMessage) {
            .rejected
        } else if !errors.isEmpty {
            .error
        } else {
            .accepted
        }
        self.init(disposition, problems: problems)
    }

    /// Accepted with no problems.
    public static let accepted = HL7Outcome(.accepted)

    /// This outcome with more problems, re-judged (e.g. the daemon adding `204` for an unknown patient, or `207`
    /// when the database refused the write).
    public func adding(_ more: [HL7Problem]) -> HL7Outcome {
        let combined = HL7Outcome(problems: problems + more)
        let order: [Disposition] = [.accepted, .error, .rejected]
        let worse = order.firstIndex(of: combined.disposition)! >= order.firstIndex(of: disposition)! ? combined.disposition : disposition
        return HL7Outcome(worse, problems: problems + more)
    }
}
