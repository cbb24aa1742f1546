/// An HL7 table 0357 "message error condition code", as carried in ERR-3 of an acknowledgement.
public enum HL7ErrorCode: Int, Sendable, Hashable, CaseIterable, Codable {
    /// Message accepted; also the code of a warning on an accepted message.
    case accepted = 0
    /// A segment is missing, out of order or not a segment at all.
    case segmentSequenceError = 100
    /// A required field, component or segment is empty.
    case requiredFieldMissing = 101
    /// A value does not fit its data type (an NM that is not a number, a time without an offset).
    case dataTypeError = 102
    /// A coded value is not in the table it is drawn from (a unit, a code/reference id pair).
    case tableValueNotFound = 103
    /// MSH-9 names a message type this receiver does not take.
    case unsupportedMessageType = 200
    /// MSH-9 names a trigger event this receiver does not take.
    case unsupportedEventCode = 201
    /// MSH-11 names a processing id this receiver does not take.
    case unsupportedProcessingId = 202
    /// MSH-12 names a version outside 2.3–2.8.
    case unsupportedVersionId = 203
    /// The message names a key (patient, bed) the receiver does not know.
    case unknownKeyIdentifier = 204
    /// The message reuses a key (MSH-3, MSH-4, MSH-10) with different content.
    case duplicateKeyIdentifier = 205
    /// The record the message addresses is locked.
    case applicationRecordLocked = 206
    /// The receiver could not process the message (database down, disk full, shutting down).
    case applicationInternalError = 207

    /// The table's text for the code, sent in ERR-3.2.
    public var text: String {
        switch self {
        case .accepted: "Message accepted"
        case .segmentSequenceError: "Segment sequence error"
        case .requiredFieldMissing: "Required field missing"
        case .dataTypeError: "Data type error"
        case .tableValueNotFound: "Table value not found"
        case .unsupportedMessageType: "Unsupported message type"
        case .unsupportedEventCode: "Unsupported event code"
        case .unsupportedProcessingId: "Unsupported processing id"
        case .unsupportedVersionId: "Unsupported version id"
        case .unknownKeyIdentifier: "Unknown key identifier"
        case .duplicateKeyIdentifier: "Duplicate key identifier"
        case .applicationRecordLocked: "Application record locked"
        case .applicationInternalError: "Application internal error"
        }
    }

    /// Whether the condition means "not processed, a resend may succeed" (`AR`/`CR`) rather than "content wrong"
    /// (`AE`/`CE`), as in the acknowledgement table of the HL7 notes.
    public var rejectsMessage: Bool {
        switch self {
        case .unsupportedMessageType, .unsupportedEventCode, .unsupportedProcessingId, .unsupportedVersionId,
             .applicationRecordLocked, .applicationInternalError: true
        default: false
        }
    }
}

/// ERR-4 severity (HL7 table 0516).
public enum HL7Severity: String, Sendable, Hashable, Codable {
    /// The message or a part of it was not processed.
    case error = "E"
    /// Processed, but something was skipped or doubtful.
    case warning = "W"
    /// Processed; for the sender's information.
    case information = "I"
}
