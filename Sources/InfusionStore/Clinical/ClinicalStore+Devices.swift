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

    /// Stores a message on arrival, before anything it says is stored, and commits it; returns the row already
    /// stored under the same key instead when there is one (a resend, or a different message reusing the key), with
    /// `inserted` false.
    public func recordDeviceMessageArrival(_ message: ReceivedDeviceMessage) async throws -> (message: ReceivedDeviceMessage, inserted: Bool) {
        try await committer.write { db in
            let existing = try Row.fetchOne(db, sql: """
                SELECT * FROM hl7_messages WHERE sending_application = ? AND sending_facility = ? AND control_id = ?
                """, arguments: [message.sendingApplication, message.sendingFacility, message.controlId]).map(Self.receivedMessage)
            if let existing { return (existing, false) }
            try db.execute(sql: """
                INSERT INTO hl7_messages (sending_application, sending_facility, control_id, sha256, raw_text, message_type, station,
                                          peer, received_at, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'received')
                """, arguments: [message.sendingApplication, message.sendingFacility, message.controlId, message.sha256, message.rawText,
                                 message.messageType, message.station, message.peer, Rows.time(message.receivedAt)])
            return (message, true)
        }
    }

    /// Closes a message: stores the acknowledgement and what the message led to, and appends its audit record, in
    /// one transaction. The listener writes the acknowledgement to the sender only after this returns.
    public func recordDeviceMessageAnswer(
        _ message: ReceivedDeviceMessage, answer: ReceivedDeviceMessage.Answer, outcome: JSONValue, action: String,
        auditOutcome: String, actor: AuditActor, detail: JSONValue, now: Date
    ) async throws {
        _ = try await committer.write { db in
            try db.execute(sql: """
                UPDATE hl7_messages SET status = 'answered', ack_code = ?, ack_text = ?, ack_charset = ?, answered_at = ?, outcome = ?
                WHERE sending_application = ? AND sending_facility = ? AND control_id = ?
                """, arguments: [answer.code, answer.text, answer.characterSet, Rows.time(now), try Rows.json(outcome),
                                 message.sendingApplication, message.sendingFacility, message.controlId])
            try AuditLog.append(db, action: action, outcome: auditOutcome, actor: actor,
                                entity: AuditEntity(type: "hl7Message", id: Self.entityId(message)), detail: detail, at: now)
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
