/// When a sender wants an acknowledgement (HL7 table 0155, MSH-15 and MSH-16).
public enum HL7AcknowledgementCondition: String, Sendable, Hashable, Codable {
    /// `AL`: always.
    case always = "AL"
    /// `NE`: never.
    case never = "NE"
    /// `ER`: only when the message was not accepted.
    case onError = "ER"
    /// `SU`: only when it was.
    case onSuccess = "SU"

    /// Whether an acknowledgement is wanted for this outcome.
    public func applies(to disposition: HL7Outcome.Disposition) -> Bool {
        switch self {
        case .always: true
        case .never: false
        case .onError: disposition != .accepted
        case .onSuccess: disposition == .accepted
        }
    }
}

/// Original or enhanced acknowledgement mode, as MSH-15 and MSH-16 ask.
public enum HL7AcknowledgementMode: Sendable, Hashable {
    /// Both fields empty: one application acknowledgement, `AA`/`AE`/`AR`.
    case original
    /// Either field valued: an accept (commit) acknowledgement `CA`/`CE`/`CR` when MSH-15's condition holds, and
    /// an application acknowledgement `AA`/`AE`/`AR` when MSH-16's does. An empty field in this mode asks for
    /// nothing, and a value outside table 0155 is read as `AL` so that a sender that asked for something is answered.
    case enhanced(accept: HL7AcknowledgementCondition, application: HL7AcknowledgementCondition)

    /// The mode a header asks for; original when there is no header.
    public init(header: HL7Header?) {
        guard let header, !(header.acceptAcknowledgementType.isEmpty && header.applicationAcknowledgementType.isEmpty) else {
            self = .original
            return
        }
        func condition(_ value: String) -> HL7AcknowledgementCondition {
            value.isEmpty ? .never : HL7AcknowledgementCondition(rawValue: value) ?? .always
        }
        self = .enhanced(accept: condition(header.acceptAcknowledgementType),
                         application: condition(header.applicationAcknowledgementType))
    }
}
