import Foundation
import HTTPTypes
import Hummingbird
import Logging
import InfusionCore
import InfusionStore

/// Sessions, observations, actions, the event log and the chart series.
enum SessionRoutes {
    static func add(to router: Router<InfusionRequestContext>, state: ServerState) {
        router.post("/v1/sessions") { request, context in
            let body = try await request.decodeJSON(StartSessionRequest.self, limit: state.maxBodyBytes)
            try RequestText.check(body)
            try RequestValidation.validate(body)
            let session = try await state.store.startSession(
                body, ruleSet: state.ruleSet, actor: await context.actor(person: body.recordedBy), now: state.clock())
            context.logger.notice("session started", metadata: ["infusion.session.id": "\(session.id)", "infusion.drug": "\(session.drug.rawValue)"])
            return try JSONResponse.make(session, status: .created, headers: [.location: "/v1/sessions/\(session.id.uuidString)"])
        }

        router.get("/v1/sessions") { request, context in
            let filter = request.uri.queryParameters.get("state") ?? "open"
            guard ["open", "closed", "all"].contains(filter) else {
                throw Problem.badQuery("state", filter, allowed: "open, closed or all")
            }
            let sessions = try await state.store.sessions(state: filter)
            try await ReadAudit.record("session.list", request: request, context: context, state: state, entity: AuditEntity(type: "sessions"), detail: [
                "state": .string(String(filter)), "sessionIds": .array(sessions.map { .string($0.id.uuidString) }),
            ])
            return try JSONResponse.make(SessionList(sessions: sessions))
        }

        router.get("/v1/sessions/:id") { request, context in
            let id = try context.uuidParameter("id", notFound: Problem.sessionNotFound)
            let detail = try await state.store.sessionDetail(id: id, ruleSet: state.ruleSet, now: state.clock())
            try await ReadAudit.record("session.read", request: request, context: context, state: state,
                                       entity: AuditEntity(type: "session", id: id.uuidString, patientId: detail.session.patientId), detail: [:])
            return try JSONResponse.make(detail)
        }

        router.get("/v1/sessions/:id/events") { request, context in
            let id = try context.uuidParameter("id", notFound: Problem.sessionNotFound)
            let events = try await state.store.events(sessionId: id)
            try await ReadAudit.record("session.events.read", request: request, context: context, state: state,
                                       entity: AuditEntity(type: "session", id: id.uuidString, patientId: ReadAudit.patientId(in: events)),
                                       detail: ["events": .number(Double(events.events.count))])
            return try JSONResponse.make(events)
        }

        // The chart's data: the same delivery plan and predictor as the detail, with the board's limit lines.
        router.get("/v1/sessions/:id/series") { request, context in
            let id = try context.uuidParameter("id", notFound: Problem.sessionNotFound)
            let ruleSet = state.ruleSet
            let session = try await state.store.sessionDetail(id: id, ruleSet: nil, now: nil).session
            let series = try await state.store.sessionSeries(id: id, ruleSet: ruleSet, until: state.clock())
            try await ReadAudit.record("session.series.read", request: request, context: context, state: state,
                                       entity: AuditEntity(type: "session", id: id.uuidString, patientId: session.patientId),
                                       detail: ["points": .number(Double(series.points.count))])
            return try JSONResponse.make(SessionTrend(series: series, limits: BoardLimits.of(session: session, profile: ruleSet.profiles[session.drug])))
        }

        router.post("/v1/sessions/:id/observations") { request, context in
            let id = try context.uuidParameter("id", notFound: Problem.sessionNotFound)
            let body = try await request.decodeJSON(ObservationRequest.self, limit: state.maxBodyBytes)
            let now = state.clock()
            try RequestText.check(body)
            try RequestValidation.validate(body, now: now)
            let answer = try await state.store.recordObservationAnswer(
                sessionId: id, request: body, ruleSet: state.ruleSet, actor: await context.actor(person: body.recordedBy), now: now)
            if !answer.replayed { log(answer.response, context: context) }
            return JSONResponse.make(json: answer.json, status: answer.replayed ? .ok : .created,
                                     headers: answer.replayed ? [HTTPField.Name("Idempotent-Replay")!: "true"] : [:])
        }

        router.post("/v1/sessions/:id/actions") { request, context in
            let id = try context.uuidParameter("id", notFound: Problem.sessionNotFound)
            let body = try await request.decodeJSON(ActionRequest.self, limit: state.maxBodyBytes)
            try AccessRules.authorize(action: body.action, context: context)
            try RequestText.check(body)
            try RequestValidation.validate(body)
            let (response, replayed) = try await state.store.recordAction(
                sessionId: id, request: body, ruleSet: state.ruleSet, actor: await context.actor(person: body.by), now: state.clock())
            context.logger.notice("session action", metadata: [
                "infusion.session.id": "\(id)", "infusion.action": "\(body.action.rawValue)",
                "infusion.session.state": "\(response.session.state.rawValue)",
            ])
            return try JSONResponse.make(response, status: replayed ? .ok : .created,
                                         headers: replayed ? [HTTPField.Name("Idempotent-Replay")!: "true"] : [:])
        }
    }

    private static func log(_ response: EventResponse, context: InfusionRequestContext) {
        for decision in response.decisions {
            context.logger.notice("rule fired", metadata: [
                "infusion.session.id": "\(response.session.id)", "infusion.rule": "\(decision.ruleId)",
                "infusion.action": "\(decision.action.rawValue)", "infusion.priority": "\(decision.priority.rawValue)",
            ])
        }
    }
}
