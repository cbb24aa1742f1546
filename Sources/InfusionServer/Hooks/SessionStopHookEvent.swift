import Foundation

/// What an `onStop` hook receives on standard input when a session is stopped or paused, so a pump gateway can
/// act on it. Taken from the audit trail's `session.state` record, after it committed.
public struct SessionStopHookEvent: Codable, Sendable, Hashable {
    /// `session.stopped` or `session.paused`.
    public var kind: String
    /// The audit record this event was taken from.
    public var auditSeq: Int64
    /// When the change was recorded (RFC 3339 UTC).
    public var at: String
    public var sessionId: String?
    public var patientId: String?
    /// The state before and after: `running` → `paused`, `paused` → `stopped`, …
    public var from: String
    public var to: String
    /// Who caused it (a person, or `infusiond` when a rule or timer did).
    public var by: String?

    public init(kind: String, auditSeq: Int64, at: String, sessionId: String?, patientId: String?, from: String, to: String, by: String?) {
        self.kind = kind
        self.auditSeq = auditSeq
        self.at = at
        self.sessionId = sessionId
        self.patientId = patientId
        self.from = from
        self.to = to
        self.by = by
    }
}
