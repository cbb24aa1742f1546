import Foundation
import HTTPTypes
import Hummingbird
import InfusionCore
import InfusionStore
import Logging

/// Audits reads (IHE Basic Audit Log Patterns): who read which sessions, events or audit records.
///
/// The reader is the peer process (uid, gid, pid, roles) and, where the client names one, the person: the
/// `X-Infusion-Person` header or the `by` query parameter. The record commits before the data is sent, so a read
/// that cannot be audited is refused rather than served unrecorded — except while storage fails (disk full, I/O
/// error) or writes are closed on a damaged database: then the ward must still see what is running, so the read is
/// served and its record is kept (in the spool beside the database) and written with its original time once writes
/// succeed, on this database or on the one restored in its place (`DeferredReadAudit`).
enum ReadAudit {
    /// The header a client names the reading person with.
    static let personHeader = HTTPField.Name("X-Infusion-Person")!

    /// The person named by `by` or `X-Infusion-Person`, checked like any staff identifier.
    static func person(_ request: Request) throws -> String? {
        let query = request.uri.queryParameters.get("by")
        guard let value = query ?? request.headers[personHeader], !value.isEmpty else { return nil }
        if let violation = TextRules.violation(in: value, kind: .identifier) {
            let reason = RequestText.problem(violation, field: query == nil ? "X-Infusion-Person" : "by", kind: .identifier).detail
            throw Problem(status: 400, code: "request.badPerson", title: "Bad person identifier",
                          detail: "The reading person (by= or X-Infusion-Person) must be a staff identifier of at most \(TextRules.identifierMaxBytes) bytes without control, formatting or bidirectional characters: \(reason)",
                          field: query == nil ? "X-Infusion-Person" : "by")
        }
        return value
    }

    /// Records one read before its answer is sent.
    static func record(
        _ action: String, request: Request, context: InfusionRequestContext, state: ServerState,
        entity: AuditEntity?, detail: [String: JSONValue]
    ) async throws {
        let actor = await context.actor(person: try person(request))
        try await store(action, actor: actor, entity: entity, detail: detail.merging(routeDetail(request)) { own, _ in own },
                        state: state, logger: context.logger)
    }

    /// The route and query of a read, for its record.
    static func routeDetail(_ request: Request) -> [String: JSONValue] {
        var detail: [String: JSONValue] = ["route": .string("\(request.method.rawValue) \(request.uri.path)")]
        if let query = request.uri.query, !query.isEmpty { detail["query"] = .string(query) }
        return detail
    }

    /// Commits a read's record, or while storage fails keeps it for later (see the type's description).
    static func store(
        _ action: String, actor: AuditActor, entity: AuditEntity?, detail: [String: JSONValue], state: ServerState, logger: Logger
    ) async throws {
        let now = state.clock()
        do {
            try await state.store.recordRead(action, actor: actor, entity: entity, detail: .object(detail), now: now)
        } catch where StorageFault(error) != nil || error is WritesRefused {
            try state.deferredReads.keep(action: action, actor: actor, entity: entity, detail: .object(detail), time: now,
                                         logger: logger)
            return
        }
        if state.deferredReads.count > 0 {
            await state.deferredReads.flush(to: state.store, now: now, logger: logger)
        }
    }

    /// How a read of many items is recorded without listing each: their number and the SHA-256 (hex) of their
    /// ids in the order sent, each followed by a line feed. An auditor who rebuilds the list from the database can
    /// check it against the digest; the record stays small however many alerts a ward has.
    static func digest(of ids: [String]) -> [String: JSONValue] {
        var text = ""
        for id in ids { text += id + "\n" }
        return ["count": .number(Double(ids.count)), "idsSha256": .string(AuditLog.hexSHA256(Data(text.utf8)))]
    }

    /// The patient of a session's event log, from its start event.
    static func patientId(in events: EventList) -> String? {
        guard let start = events.events.first(where: { $0.kind == .start }), case .object(let body) = start.body else { return nil }
        return body["patientId"]?.stringValue
    }
}
