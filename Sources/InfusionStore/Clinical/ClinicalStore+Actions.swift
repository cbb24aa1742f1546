import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    // MARK: Alerts

    /// Alerts filtered by state and session, newest first; `state` nil means active and acknowledged.
    public func alerts(state: AlertState?, sessionId: UUID?) async throws -> [Alert] {
        try await writer.read { db in
            var request = AlertRecord.all()
            if let state {
                request = request.filter(AlertRecord.Columns.state == state.rawValue)
            } else {
                request = request.filter(sql: OpenStateFilters.alerts)
            }
            if let sessionId {
                request = request.filter(AlertRecord.Columns.sessionId == sessionId.uuidString)
            }
            // Highest priority first (the core's order), then newest.
            return try request.order(AlertRecord.Columns.id.desc).fetchAll(db).map(\.alert)
                .enumerated().sorted { ($0.element.priority, $1.offset) > ($1.element.priority, $0.offset) }.map(\.element)
        }
    }
}
