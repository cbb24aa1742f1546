import Foundation
import HTTPTypes
import Hummingbird
import Logging
import InfusionCore
import InfusionStore

/// Alert lists and acknowledgements.
enum AlertRoutes {
    static func add(to router: Router<InfusionRequestContext>, state: ServerState) {
        router.get("/v1/alerts") { request, context in
            var alertState: AlertState?
            if let text = request.uri.queryParameters.get("state") {
                guard let parsed = AlertState(rawValue: text) else {
                    throw Problem.badQuery("state", text, allowed: "active, acknowledged or resolved")
                }
                alertState = parsed
            }
            var sessionId: UUID?
            if let text = request.uri.queryParameters.get("session") {
                guard let parsed = UUID(uuidString: text) else { throw Problem.badQuery("session", text, allowed: "a session id (UUID)") }
                sessionId = parsed
            }
            let alerts = try await state.store.alerts(state: alertState, sessionId: sessionId)
            var detail = ReadAudit.digest(of: alerts.map { String($0.id) })
            detail["state"] = .string(alertState?.rawValue ?? "open")
            detail["sessions"] = .number(Double(Set(alerts.map(\.sessionId)).count))
            try await ReadAudit.record("alert.list", request: request, context: context, state: state,
                                       entity: AuditEntity(type: "alerts", id: sessionId?.uuidString), detail: detail)
            return try JSONResponse.make(AlertList(alerts: alerts))
        }

        router.post("/v1/alerts/:id/ack") { request, context in
            let text = context.parameters.get("id") ?? ""
            guard let id = Int64(text) else { throw Problem.alertNotFound(text) }
            let body = try await request.decodeJSON(AcknowledgeRequest.self, limit: state.maxBodyBytes)
            try RequestText.check(body)
            try RequestValidation.validate(body)
            let alert = try await state.store.acknowledge(alertId: id, request: body, actor: await context.actor(person: body.by), now: state.clock())
            context.logger.notice("alert acknowledged", metadata: ["infusion.alert.id": "\(id)", "infusion.alert.state": "\(alert.state.rawValue)"])
            return try JSONResponse.make(alert)
        }
    }
}
