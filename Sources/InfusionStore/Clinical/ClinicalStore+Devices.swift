import Foundation
import GRDB
import InfusionCore

/// A message a device listener received, as `hl7_messages` (migration 0007) keeps it.
public struct ReceivedDeviceMessage: Sendable, Hashable {
    /// MSH-3 as sent (re-encoded with standard delimiters).
    public var sendingApplication: String
    /// MSH-4 as sent.
    public var sendingFacility: String
    /// MSH-10.
    public var controlId: String
    /// Lower-case hex SHA-256 of the message bytes.
    public var sha256: String
    /// The message text as the device sent it.
    public var rawText: String
    /// MSH-9, e.g. `ORU^R01`.
    public var messageType: String
    /// The station identity of the sender's allow-list entry.
    public var station: String
    /// The peer it came from (`10.1.2.3:41234`, `unix`).
    public var peer: String
    /// When it arrived (the receipt time stored with every reading it carried).
    public var receivedAt: Date
    /// The acknowledgement sent, once answered: MSA-1, the text and its character set (MSH-18 value).
    public var answer: Answer?

    /// The acknowledgement of an answered message; `text` nil when the sender asked for none.
    public struct Answer: Sendable, Hashable {
        public var code: String?
        public var text: String?
        public var characterSet: String?

        public init(code: String?, text: String?, characterSet: String?) {
            self.code = code
            self.text = text
            self.characterSet = characterSet
        }
    }

    public init(
        sendingApplication: String, sendingFacility: String, controlId: String, sha256: String, rawText: String,
        messageType: String, station: String, peer: String, receivedAt: Date, answer: Answer? = nil
    ) {
        self.sendingApplication = sendingApplication
        self.sendingFacility = sendingFacility
        self.controlId = controlId
        self.sha256 = sha256
        self.rawText = rawText
        self.messageType = messageType
        self.station = station
        self.peer = peer
        self.receivedAt = receivedAt
        self.answer = answer
    }
}

/// One device reading a message asks to record on one session.
public struct DeviceReadingRequest: Sendable {
    public var sessionId: UUID
    public var request: ObservationRequest
    public var body: EncodedBody

    public init(sessionId: UUID, request: ObservationRequest) throws {
        self.sessionId = sessionId
        self.request = request
        body = try EncodedBody(request)
    }
}

/// What became of one ``DeviceReadingRequest`` in its message's transaction.
public enum DeviceReadingResult: Sendable {
    /// Recorded now, or (`replayed`) recorded before under the same event id and body.
    case recorded(replayed: Bool)
    /// The session refused it as it would refuse a station's observation (closed, before its start, a conflicting
    /// event id, an implausible value): nothing of it was stored, the message's other readings stand.
    case refused(any Error)
}

/// How a message is closed: its acknowledgement, what it led to and its audit record.
public struct DeviceMessageClosing: Sendable {
    public var answer: ReceivedDeviceMessage.Answer
    public var outcome: JSONValue
    public var action: String
    public var auditOutcome: String
    public var actor: AuditActor
    public var detail: JSONValue

    public init(answer: ReceivedDeviceMessage.Answer, outcome: JSONValue, action: String, auditOutcome: String, actor: AuditActor,
                detail: JSONValue) {
        self.answer = answer
        self.outcome = outcome
        self.action = action
        self.auditOutcome = auditOutcome
        self.actor = actor
        self.detail = detail
    }
}

/// What recording a message did.
public enum DeviceMessageCommit<Value: Sendable>: Sendable {
    /// The message, its readings and its answer committed together; `value` is what the closing built beside it.
    case answered(Value)
    /// Another receipt of the same key committed first (a resend, or other bytes under a used key): nothing was
    /// stored; answer from the row.
    case alreadyStored(ReceivedDeviceMessage)
}

/// What the device listener reads and writes besides the clinical steps: open sessions by patient, and the
/// received-message table that makes a resend idempotent and keeps what each device said.
extension ClinicalStore {
    /// The open (not closed) sessions of a patient, oldest first.
    public func openSessions(patientId: String) async throws -> [Session] {
        try await writer.read { db in
            try SessionRecord.fetchAll(db, sql: "SELECT * FROM sessions WHERE patient_id = ? AND \(OpenStateFilters.sessions) ORDER BY started_at, id",
                                       arguments: [patientId]).map { try $0.session() }
        }
    }

    /// Every open session bound to a bed or device (``DeviceBinding``), oldest first: what a monitor message that
    /// names no open session's patient may bind to.
    public func openBoundSessions() async throws -> [Session] {
        try await writer.read { db in
            try SessionRecord.fetchAll(db, sql: "SELECT * FROM sessions WHERE \(OpenStateFilters.sessions) AND json_type(document, '$.binding') IS NOT NULL ORDER BY started_at, id")
                .map { try $0.session() }.filter { $0.binding != nil }
        }
    }

    /// The message stored under a key, if any.
    public func receivedDeviceMessage(sendingApplication: String, sendingFacility: String, controlId: String) async throws -> ReceivedDeviceMessage? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: """
                SELECT * FROM hl7_messages WHERE sending_application = ? AND sending_facility = ? AND control_id = ?
                """, arguments: [sendingApplication, sendingFacility, controlId]).map(Self.receivedMessage)
        }
    }

    /// Records a whole message in ONE transaction: its row (key, bytes, receipt), each reading through the clinical
    /// step in a savepoint of its own (a reading the session refuses is undone alone), then the acknowledgement and
    /// the audit record that `close` builds from the readings' results. Returns once that transaction committed, so
    /// the listener answers only what is durable; a failure stores nothing and the sender's resend starts afresh.
    public func recordDeviceMessage<Value: Sendable>(
        _ message: ReceivedDeviceMessage, readings: [DeviceReadingRequest], ruleSet: RuleSet, actor: AuditActor, now: Date,
        close: @escaping @Sendable ([DeviceReadingResult]) -> (closing: DeviceMessageClosing, value: Value)
    ) async throws -> DeviceMessageCommit<Value> {
        try await committer.write { db in
            let existing = try Row.fetchOne(db, sql: """
                SELECT * FROM hl7_messages WHERE sending_application = ? AND sending_facility = ? AND control_id = ?
                """, arguments: [message.sendingApplication, message.sendingFacility, message.controlId]).map(Self.receivedMessage)
            if let existing, existing.answer != nil || existing.sha256 != message.sha256 { return .alreadyStored(existing) }
            if existing == nil {
                try db.execute(sql: """
                    INSERT INTO hl7_messages (sending_application, sending_facility, control_id, sha256, raw_text, message_type, station,
                                              peer, received_at, status)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'received')
                    """, arguments: [message.sendingApplication, message.sendingFacility, message.controlId, message.sha256,
                                     message.rawText, message.messageType, message.station, message.peer, Rows.time(message.receivedAt)])
            }
            var results: [DeviceReadingResult] = []
            for reading in readings {
                do {
                    try db.inSavepoint {
                        if try self.replay(db, eventId: reading.request.eventId, sessionId: reading.sessionId, body: reading.body) != nil {
                            results.append(.recorded(replayed: true))
                        } else {
                            _ = try self.runStep(.deviceReading(reading.request), sessionId: reading.sessionId, ruleSet: ruleSet,
                                                 actor: actor, now: now, db: db, body: reading.body)
                            results.append(.recorded(replayed: false))
                        }
                        return .commit
                    }
                } catch let refusal as DomainError {
                    results.append(.refused(refusal))
                } catch let early as RequestValidation.ObservationBeforeStart {
                    results.append(.refused(early))
                }
            }
            let (closing, value) = close(results)
            try db.execute(sql: """
                UPDATE hl7_messages SET status = 'answered', ack_code = ?, ack_text = ?, ack_charset = ?, answered_at = ?, outcome = ?
                WHERE sending_application = ? AND sending_facility = ? AND control_id = ?
                """, arguments: [closing.answer.code, closing.answer.text, closing.answer.characterSet, Rows.time(now),
                                 try Rows.json(closing.outcome), message.sendingApplication, message.sendingFacility, message.controlId])
            try AuditLog.append(db, action: closing.action, outcome: closing.auditOutcome, actor: closing.actor,
                                entity: AuditEntity(type: "hl7Message", id: Self.entityId(message)), detail: closing.detail, at: now)
            return .answered(value)
        }
    }

    /// Audits a message that is not stored (an unknown sender, an unreadable header, a key reused with other bytes,
    /// a resend answered again).
    public func recordDeviceMessageEvent(
        _ action: String, outcome: String, actor: AuditActor, entityId: String?, detail: JSONValue, now: Date
    ) async throws {
        _ = try await committer.write { db in
            try AuditLog.append(db, action: action, outcome: outcome, actor: actor, entity: AuditEntity(type: "hl7Message", id: entityId),
                                detail: detail, at: now)
        }
    }

    /// How a message is named in the audit trail: its key.
    public static func entityId(_ message: ReceivedDeviceMessage) -> String {
        "\(message.sendingApplication)|\(message.sendingFacility)|\(message.controlId)"
    }

    private static func receivedMessage(_ row: Row) throws -> ReceivedDeviceMessage {
        let status: String = row["status"]
        return ReceivedDeviceMessage(
            sendingApplication: row["sending_application"], sendingFacility: row["sending_facility"], controlId: row["control_id"],
            sha256: row["sha256"], rawText: row["raw_text"], messageType: row["message_type"], station: row["station"],
            peer: row["peer"], receivedAt: try Rows.requiredDate(row, "received_at"),
            answer: status == "answered"
                ? ReceivedDeviceMessage.Answer(code: row["ack_code"], text: row["ack_text"], characterSet: row["ack_charset"]) : nil)
    }
}
