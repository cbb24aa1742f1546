import Foundation
import InfusionCore

/// The hook commands the daemon can run (`hooks.onAlert`, `hooks.onStop` in its configuration).
public enum HookName: String, Codable, Sendable, Hashable, CaseIterable {
    /// Told about every alert change; receives an ``AlertHookEvent``.
    case onAlert
    /// Told about every stop or pause; receives a ``SessionStopHookEvent``.
    case onStop
}

/// One notice waiting in the hook outbox: written with the change it announces, deleted once delivered or given up.
public struct HookNotice: Sendable, Hashable {
    /// The outbox row; each hook's notices are delivered in this order.
    public var id: Int64
    public var hook: HookName
    /// Stable across retries and restarts (`alert-event-<id>`, `stop-<audit seq>`), for the receiver to deduplicate on.
    public var deliveryId: String
    /// The JSON document the hook receives on standard input (it carries `deliveryId` too).
    public var payload: String
    /// Failed runs so far.
    public var attempts: Int
    public var createdAt: Date

    public init(id: Int64, hook: HookName, deliveryId: String, payload: String, attempts: Int, createdAt: Date) {
        self.id = id
        self.hook = hook
        self.deliveryId = deliveryId
        self.payload = payload
        self.attempts = attempts
        self.createdAt = createdAt
    }
}

/// What an `onAlert` hook receives on standard input: the ``AlertEvent`` (as the alert stream sends it) plus the
/// delivery id, so it decodes as an `AlertEvent` as well.
public struct AlertHookEvent: Codable, Sendable, Hashable {
    /// `alert-event-<id>`: the same on every retry and after a restart.
    public var deliveryId: String
    /// The alert event's id (the stream's `id:`).
    public var id: Int64
    public var kind: AlertEventKind
    public var at: Date
    /// The alert as it stood after the change.
    public var alert: Alert

    public init(deliveryId: String, event: AlertEvent) {
        self.deliveryId = deliveryId
        self.id = event.id
        self.kind = event.kind
        self.at = event.at
        self.alert = event.alert
    }
}

/// What an `onStop` hook receives on standard input when a session is stopped or paused, so a pump gateway can
/// act on it. Written in the transaction of the `session.state` audit record it comes from.
public struct SessionStopHookEvent: Codable, Sendable, Hashable {
    /// `stop-<auditSeq>`: the same on every retry and after a restart.
    public var deliveryId: String
    /// `session.stopped` or `session.paused`.
    public var kind: String
    /// The `session.state` audit record of the change.
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

    public init(deliveryId: String, kind: String, auditSeq: Int64, at: String, sessionId: String?, patientId: String?,
                from: String, to: String, by: String?) {
        self.deliveryId = deliveryId
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
