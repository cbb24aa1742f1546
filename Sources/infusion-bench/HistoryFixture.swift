import Foundation
import GRDB
import InfusionCore
import InfusionStore

/// Writes a long clinical history straight into a new database, for the restart scenario: closed sessions, each
/// with its start event and observations, and the audit records the daemon writes for them (`session.start`,
/// `observation.accept`, `session.state`), appended with the store's own `AuditLog.append`, so the hash chain and
/// the Merkle tree are exactly what the daemon would have written and `infusionctl audit verify --db` passes.
///
/// Much faster than posting through the daemon (no rules, no socket, 10,000 events per transaction); the rows are
/// shaped like real ones (the body is the request's JSON, the stored answer carries the session document), but no
/// observation here led to a decision or an alert.
struct HistoryFixture {
    let path: String
    let events: Int
    /// Events per closed session: its start and the observations after it.
    var eventsPerSession = 50
    var eventsPerTransaction = 10_000

    /// Writes the history; returns how many sessions it made.
    @discardableResult
    func write(progress: Progress) throws -> Int {
        let database = try ClinicalDatabase(path: path)
        let ruleSet = try BenchProfile.ruleSet()
        let profile = try ruleSet.profile(for: .lidocaine)
        let sessionCount = (events + eventsPerSession - 1) / eventsPerSession
        // One event a minute, ending a day ago: a ward's history over the past couple of years, in time order.
        let start = Date().addingTimeInterval(-86_400 - Double(events) * 60)
        let clock = ContinuousClock()
        let began = clock.now
        var written = 0
        var session = 0
        while session < sessionCount {
            let target = min(events, written + eventsPerTransaction)
            try database.writer.write { db in
                while written < target, session < sessionCount {
                    let count = min(eventsPerSession, events - written)
                    try writeSession(db, index: session, events: count, profile: profile, ruleSetHash: ruleSet.hash,
                                     at: start.addingTimeInterval(Double(written) * 60))
                    written += count
                    session += 1
                }
            }
            progress.note("history fixture: \(written)/\(events) events in \(session) closed sessions (\(Int(seconds(clock.now - began))) s)")
        }
        return sessionCount
    }

    private func writeSession(_ db: Database, index: Int, events: Int, profile: RuleProfile, ruleSetHash: String, at start: Date) throws {
        let request = Workload.start(100_000 + index)
        var (session, _) = try SessionFactory.start(request, profile: profile, ruleSetHash: ruleSetHash, id: UUID(), now: start)
        let end = start.addingTimeInterval(Double(events) * 60)
        session.state = .closed
        session.lastObservationAt = events > 1 ? end.addingTimeInterval(-60) : nil
        session.pumpConfirmedStoppedAt = end
        session.endedAt = end
        session.closedAt = end
        let sessionJSON = String(decoding: try WireJSON.encode(session), as: UTF8.self)
        try db.execute(
            sql: "INSERT INTO sessions (id, patient_id, drug, state, started_at, updated_at, rule_set_hash, document) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [session.id.uuidString, session.patientId, session.drug.rawValue, session.state.rawValue,
                        WireJSON.formatTimestamp(start), WireJSON.formatTimestamp(end), ruleSetHash, sessionJSON])
        let entity = AuditEntity(type: "session", id: session.id.uuidString, patientId: session.patientId)
        let nurse = AuditActor(person: "nurse-\(100 + index % 40)", role: "station", uid: 1001, gid: 1001, pid: Int32(4000 + index % 97))
        try AuditLog.append(db, action: "session.start", actor: nurse, entity: entity, detail: [
            "drug": .string(session.drug.rawValue), "dosingWeight": .string(session.dosingWeight.rawValue),
            "dosingWeightKg": .number(session.dosingWeightKg), "ruleSetHash": .string(ruleSetHash),
            "override": .null, "flags": .null, "contraindicationOverride": .null,
        ], at: start)
        try insertEvent(db, id: UUID(), session: session, sessionJSON: sessionJSON, sequence: 1, kind: .start, at: start,
                        recordedBy: request.recordedBy, body: request)
        let workload = Workload(symptomPercent: 0)
        for sequence in 2...max(2, events) where sequence <= events {
            let at = start.addingTimeInterval(Double(sequence - 1) * 60)
            var observation = workload.observation(sequence, station: index)
            observation.observedAt = at
            try insertEvent(db, id: observation.eventId, session: session, sessionJSON: sessionJSON, sequence: Int64(sequence),
                            kind: .observation, at: at, recordedBy: observation.recordedBy, body: observation)
            try AuditLog.append(db, action: "observation.accept", actor: nurse, entity: entity, detail: [
                "eventId": .string(observation.eventId.uuidString), "sequence": .number(Double(sequence)),
                "observedAt": .string(WireJSON.formatTimestamp(at)), "decisions": [],
            ], at: at)
        }
        try AuditLog.append(db, action: "session.state", actor: nurse, entity: entity, detail: [
            "from": "ended", "to": "closed",
        ], at: end)
    }

    private func insertEvent(
        _ db: Database, id: UUID, session: Session, sessionJSON: String, sequence: Int64, kind: ClinicalEventKind, at: Date,
        recordedBy: String, body: some Encodable
    ) throws {
        // The request is encoded once; the event and the stored answer are spliced around it in the shape
        // WireJSON writes them (sorted keys), which keeps the fixture's JSON work to one encoding per event.
        let bodyJSON = String(decoding: try WireJSON.encode(body), as: UTF8.self)
        let time = WireJSON.formatTimestamp(at)
        let eventJSON = #"{"body":"# + bodyJSON + #","id":""# + id.uuidString + #"","kind":""# + kind.rawValue
            + #"","occurredAt":""# + time + #"","recordedAt":""# + time + #"","recordedBy":""# + recordedBy
            + #"","sequence":"# + String(sequence) + #","sessionId":""# + session.id.uuidString + #""}"#
        let response = #"{"alerts":[],"decisions":[],"event":"# + eventJSON + #","session":"# + sessionJSON + "}"
        // The history columns as the daemon writes them: the fixture's events decide nothing, so none stopped.
        let ruleEntry = (body as? ObservationRequest).map { SessionSnapshot.isRuleEntry($0, decisions: []) } ?? true
        try db.execute(
            sql: "INSERT INTO events (id, session_id, sequence, kind, recorded_at, occurred_at, recorded_by, body, response, state_after, rule_entry, stopped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            arguments: [id.uuidString, session.id.uuidString, sequence, kind.rawValue, time, time, recordedBy, bodyJSON, response,
                        session.state.rawValue, ruleEntry])
    }
}
