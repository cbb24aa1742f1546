import Foundation
import HTTPTypes
import Hummingbird
import InfusionCore
import InfusionStore

/// Audits reads (IHE Basic Audit Log Patterns): who read which sessions, events or audit records.
///
/// The reader is the peer process (uid, gid, pid, roles) and, where the client names one, the person: the
/// `X-Infusion-Person` header or the `by` query parameter. The record commits before the data is sent, so a read
/// that cannot be audited is refused rather than served unrecorded — except while storage fails (disk full, I/O
/// error): then the ward must still see what is running, so the read is served and its record is kept in memory
/// and written with its original time once writes succeed (`DeferredReadAudit`).
enum ReadAudit {
    /// The header a client names the reading person with.
    static let personHeader = HTTPField.Name("X-Infusion-Person")!

    /// The person named by `by` or `X-Infusion-Person`, checked like any staff identifier.
    static func person(_ request: Request) throws -> String? {
        let query = request.uri.queryParameters.get("by")
        guard let value = query ?? request.headers[personHeader], !value.isEmpty else { return nil }
        guard value.count <= 128, !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw Problem(status: 400, code: "request.badPerson", title: "Bad person identifier",
                          detail: "The reading person (by= or X-Infusion-Person) must be a staff identifier of at most 128 characters without control characters.",
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
        var detail = detail
        detail["route"] = .string("\(request.method.rawValue) \(request.uri.path)")
        if let query = request.uri.query, !query.isEmpty { detail["query"] = .string(query) }
        let now = state.clock()
        do {
            try await state.store.recordRead(action, actor: actor, entity: entity, detail: .object(detail), now: now)
        } catch where StorageFault(error) != nil {
            state.deferredReads.keep(action: action, actor: actor, entity: entity, detail: .object(detail), time: now,
                                     logger: context.logger)
            return
        }
        if state.deferredReads.count > 0 {
            await state.deferredReads.flush(to: state.store, now: now, logger: context.logger)
        }
    }

    /// The patient of a session's event log, from its start event.
    static func patientId(in events: EventList) -> String? {
        guard let start = events.events.first(where: { $0.kind == .start }), case .object(let body) = start.body else { return nil }
        return body["patientId"]?.stringValue
    }
}
