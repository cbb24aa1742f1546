/// A message the parser refused, with the one problem that stopped it and as much of the header as could be read,
/// so that the refusal can still be acknowledged (`MSA-2` = MSH-10 when MSH was readable).
public struct HL7ParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, with its table 0357 code and ERR-2 location.
    public var problem: HL7Problem
    /// The header, when MSH itself could be read; nil means "MSH unparseable".
    public var header: HL7Header?
    /// The message's delimiters, when MSH-1 and MSH-2 could be read.
    public var delimiters: HL7Delimiters?
    /// The character set to answer in, when MSH-18 named one this receiver knows.
    public var characterSet: HL7CharacterSet?

    public init(_ problem: HL7Problem, header: HL7Header? = nil, delimiters: HL7Delimiters? = nil, characterSet: HL7CharacterSet? = nil) {
        self.problem = problem
        self.header = header
        self.delimiters = delimiters
        self.characterSet = characterSet
    }

    /// How the refusal is acknowledged: `AR` when MSH could not be read or the message is of a version this
    /// receiver does not take (a resend cannot be matched to anything, or may go elsewhere), `AE` for content.
    public var outcome: HL7Outcome {
        header == nil ? HL7Outcome(.rejected, problems: [problem]) : HL7Outcome(problems: [problem])
    }

    public var description: String { "HL7 message refused: \(problem)" }
}
