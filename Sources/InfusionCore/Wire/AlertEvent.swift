import Foundation

/// What happened to an alert.
public enum AlertEventKind: String, Codable, Sendable, CaseIterable {
    /// A rule raised it.
    case raised
    /// Its priority or escalation level rose, or it sounded again (a worse decision, an escalation timer, or an
    /// acknowledged high alert re-sounding).
    case escalated
    /// Someone acknowledged it.
    case acknowledged
    /// Its condition cleared, its stop was confirmed, or its session closed.
    case resolved
}

/// One change to an alert, as `GET /v1/alerts/stream` sends it and alert hooks receive it.
public struct AlertEvent: Codable, Sendable, Hashable, Identifiable {
    /// Increasing across the daemon's life and restarts; the stream's `id:` and `Last-Event-ID`.
    public var id: Int64
    public var kind: AlertEventKind
    /// When the change was recorded.
    public var at: Date
    /// The alert as it stood after the change.
    public var alert: Alert

    public init(id: Int64, kind: AlertEventKind, at: Date, alert: Alert) {
        self.id = id
        self.kind = kind
        self.at = at
        self.alert = alert
    }
}
