import Foundation

/// What kind of clinical event a log entry is.
public enum ClinicalEventKind: String, Codable, Sendable {
    case start, observation, action, decision
    /// A check the daemon's schedule timer made (overdue observation, stale feed) that led to decisions.
    case timer
    /// A rule evaluation the daemon made on its own: time-driven (dose cap, duration, predicted level) or because a
    /// rule stopped another session of the same patient (X01). The body is a ``SystemEvent``.
    case system
}

/// One entry in a session's append-only clinical log.
public struct ClinicalEvent: Codable, Sendable, Hashable, Identifiable {
    /// The client's `eventId` for observations and idempotent actions, otherwise a server-made id.
    public var id: UUID
    public var sessionId: UUID
    /// Order within the session, from 1.
    public var sequence: Int64
    public var kind: ClinicalEventKind
    /// When the daemon accepted it.
    public var recordedAt: Date
    /// When it happened at the bedside (observations) or was ordered (actions).
    public var occurredAt: Date
    public var recordedBy: String
    /// The request as the station or clinician sent it.
    public var body: JSONValue

    public init(
        id: UUID, sessionId: UUID, sequence: Int64, kind: ClinicalEventKind, recordedAt: Date, occurredAt: Date,
        recordedBy: String, body: JSONValue
    ) {
        self.id = id
        self.sessionId = sessionId
        self.sequence = sequence
        self.kind = kind
        self.recordedAt = recordedAt
        self.occurredAt = occurredAt
        self.recordedBy = recordedBy
        self.body = body
    }
}

/// A session with the details `GET /v1/sessions/{id}` adds.
public struct SessionDetail: Codable, Sendable, Hashable {
    public var session: Session
    public var openAlerts: [Alert]
    public var lastObservation: ClinicalEvent?
    public var recentDecisions: [StoredDecision]
    /// The dose delivered so far (mg, mg/kg), computed when read from the session's events.
    public var delivered: DeliveredDose?
    /// The predicted plasma level now with its upper band, the steady state of the programmed rate and the model.
    public var prediction: PlasmaPrediction?
    /// Where the session stands on its observation schedule: phase, next observation due, how late it is.
    public var schedule: ScheduleStatus?

    public init(session: Session, openAlerts: [Alert], lastObservation: ClinicalEvent?, recentDecisions: [StoredDecision]) {
        self.session = session
        self.openAlerts = openAlerts
        self.lastObservation = lastObservation
        self.recentDecisions = recentDecisions
    }
}

/// A decision as stored: the rule's verdict plus the event it was about and the rule-set it came from.
public struct StoredDecision: Codable, Sendable, Hashable {
    public var id: Int64
    public var sessionId: UUID
    public var eventId: UUID
    public var decidedAt: Date
    public var ruleSetHash: String
    public var decision: Decision

    public init(id: Int64, sessionId: UUID, eventId: UUID, decidedAt: Date, ruleSetHash: String, decision: Decision) {
        self.id = id
        self.sessionId = sessionId
        self.eventId = eventId
        self.decidedAt = decidedAt
        self.ruleSetHash = ruleSetHash
        self.decision = decision
    }
}

/// The answer to an observation or action: the stored event, the decisions taken and the session after them.
public struct EventResponse: Codable, Sendable, Hashable {
    public var event: ClinicalEvent
    public var decisions: [Decision]
    public var session: Session
    /// Alerts raised or changed by this event.
    public var alerts: [Alert]

    public init(event: ClinicalEvent, decisions: [Decision], session: Session, alerts: [Alert]) {
        self.event = event
        self.decisions = decisions
        self.session = session
        self.alerts = alerts
    }
}

/// `GET /v1/sessions`.
public struct SessionList: Codable, Sendable, Hashable {
    public var sessions: [Session]
    public init(sessions: [Session]) { self.sessions = sessions }
}

/// `GET /v1/sessions/{id}/events`.
public struct EventList: Codable, Sendable, Hashable {
    public var events: [ClinicalEvent]
    public var decisions: [StoredDecision]
    public init(events: [ClinicalEvent], decisions: [StoredDecision]) {
        self.events = events
        self.decisions = decisions
    }
}

/// `GET /v1/alerts`.
public struct AlertList: Codable, Sendable, Hashable {
    public var alerts: [Alert]
    public init(alerts: [Alert]) { self.alerts = alerts }
}

/// `GET /v1/health`.
public struct Health: Codable, Sendable, Hashable {
    public var status: String
    public var version: String
    public var startedAt: Date
    public var uptimeSeconds: Double
    public var database: String
    public var schemaVersion: Int
    public var ruleSetHash: String
    public var openSessions: Int
    public var activeAlerts: Int
    public var auditRecords: Int64
    /// Changes on every restore of the database (and only then): a client that sees it change resends the
    /// observations it sent recently, by `eventId`, so none acknowledged before a lost host stays lost.
    public var storeEpoch: String?
    /// The continuous replica, when a replicator is configured.
    public var replication: ReplicationHealth?
    /// Alarms about the daemon itself (e.g. `replication.lag`), when any holds.
    public var systemAlerts: [SystemAlert]?

    public init(
        status: String, version: String, startedAt: Date, uptimeSeconds: Double, database: String, schemaVersion: Int,
        ruleSetHash: String, openSessions: Int, activeAlerts: Int, auditRecords: Int64, storeEpoch: String? = nil,
        replication: ReplicationHealth? = nil, systemAlerts: [SystemAlert]? = nil
    ) {
        self.storeEpoch = storeEpoch
        self.replication = replication
        self.systemAlerts = systemAlerts
        self.status = status
        self.version = version
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.database = database
        self.schemaVersion = schemaVersion
        self.ruleSetHash = ruleSetHash
        self.openSessions = openSessions
        self.activeAlerts = activeAlerts
        self.auditRecords = auditRecords
    }
}

/// An RFC 9457 problem document with a stable machine-readable `code`.
public struct Problem: Codable, Sendable, Hashable, Error {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    public var code: String
    /// The request field at fault, when there is one.
    public var field: String?
    /// Extra facts, e.g. the limit that was breached.
    public var limits: [String: JSONValue]?

    public init(status: Int, code: String, title: String, detail: String, field: String? = nil, limits: [String: JSONValue]? = nil) {
        self.type = "https://infusiond.invalid/problems/\(code)"
        self.title = title
        self.status = status
        self.detail = detail
        self.code = code
        self.field = field
        self.limits = limits
    }
}
