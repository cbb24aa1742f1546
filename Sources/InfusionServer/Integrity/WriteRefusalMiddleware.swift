import Foundation
import HTTPTypes
import Hummingbird
import InfusionCore
import InfusionStore

/// Once the store refuses writes (the database failed its integrity check), answers every state-changing request
/// (`POST`, `PUT`, `PATCH`, `DELETE` under `/v1/`, except the replay, which reads only) with `503
/// database.damaged` before its route runs: the same answer whatever the body, and no half-done work such as a
/// reload that swaps the rules in memory and then cannot record it. Reads go through.
struct WriteRefusalMiddleware: RouterMiddleware {
    typealias Context = InfusionRequestContext

    let store: ClinicalStore

    /// `POST` routes that change nothing (their access-table rows).
    static let readOnlyRoutes: Set<String> = ["POST /v1/sessions/:id/replay", "POST /v1/sessions/preview"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let refusal = store.writeRefusal, Self.changesState(method: request.method, path: request.uri.path) {
            throw refusal
        }
        return try await next(request, context)
    }

    /// Whether a request would change the clinical record or the daemon's state.
    static func changesState(method: HTTPRequest.Method, path: String) -> Bool {
        guard [.post, .put, .patch, .delete].contains(method), path.hasPrefix("/v1/") else { return false }
        guard let rule = AccessRules.rule(method: method.rawValue, path: path) else { return true }
        return !readOnlyRoutes.contains("\(rule.method) \(rule.path)")
    }
}

extension WritesRefused {
    /// What a client is told: `503 database.damaged`, that nothing was stored, and how the operator restores.
    var problem: Problem {
        switch reason {
        case .damaged(let damage):
            Problem(status: 503, code: "database.damaged", title: "Database damaged: not stored",
                    detail: "The daemon's database failed its integrity check (PRAGMA quick_check: \(damage.findings.joined(separator: "; "))), so the daemon stores nothing more and this request was not stored; reads still work. Keep the record on paper and tell the operator, then send the same request again (same eventId) once the database is restored. For the operator: \(damage.restoreDirections)")
        }
    }
}
