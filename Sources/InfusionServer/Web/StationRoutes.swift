import Foundation
import Hummingbird
import InfusionCore
import InfusionStore

/// The web socket's own read routes: `GET /v1/station` (who is signed in, the forms' choices) and `GET /v1/board`
/// (the open sessions worst first, with every figure a tile shows computed here).
enum StationRoutes {
    static func add(to router: Router<InfusionRequestContext>, state: ServerState, access: WebAccess) {
        router.get("/v1/station") { _, context in
            try JSONResponse.make(StationFacts(identity: context.web, access: access, heartbeatSeconds: heartbeatSeconds(state)))
        }

        router.get("/v1/board") { request, context in
            let board = try await board(state: state, access: access)
            try await ReadAudit.record("board.read", request: request, context: context, state: state, entity: AuditEntity(type: "sessions"), detail: [
                "sessionIds": .array(board.tiles.map { .string($0.detail.session.id.uuidString) }),
            ])
            return try JSONResponse.make(board)
        }
    }

    static func heartbeatSeconds(_ state: ServerState) -> Double {
        let interval = state.alertBus.heartbeatInterval.components
        return Double(interval.seconds) + Double(interval.attoseconds) / 1e18
    }

    /// The board now: every open session's detail in ``WardOrder``, its label, its limits and the ward's counts.
    static func board(state: ServerState, access: WebAccess) async throws -> WardBoard {
        let now = state.clock()
        let ruleSet = state.ruleSet
        var details: [SessionDetail] = []
        for session in try await state.store.sessions(state: "open") {
            details.append(try await state.store.sessionDetail(id: session.id, ruleSet: ruleSet, now: now))
        }
        let tiles = WardOrder.sorted(details).map { detail in
            var detail = detail
            detail.openAlerts = WardOrder.alertsWorstFirst(detail.openAlerts)
            return BoardTile(
                detail: detail,
                patientLabel: PatientLabel.label(patientId: detail.session.patientId, bed: detail.session.bed,
                                                 initials: detail.session.patientInitials,
                                                 masked: access.patientDisplay == .bedAndInitials),
                worstPriority: WardOrder.highest(detail.openAlerts, state: .active) ?? WardOrder.highest(detail.openAlerts, state: .acknowledged),
                overdue: (detail.schedule?.overdueSeconds ?? 0) > 0,
                limits: BoardLimits.of(session: detail.session, profile: ruleSet.profiles[detail.session.drug]))
        }
        let open = details.flatMap(\.openAlerts)
        var counts = Dictionary(uniqueKeysWithValues: AlertPriority.allCases.map { ($0.rawValue, 0) })
        for alert in open where alert.state == .active { counts[alert.priority.rawValue, default: 0] += 1 }
        return WardBoard(asOf: now, tiles: tiles, activeByPriority: counts,
                         acknowledged: open.filter { $0.state == .acknowledged }.count, heartbeatSeconds: heartbeatSeconds(state))
    }
}
