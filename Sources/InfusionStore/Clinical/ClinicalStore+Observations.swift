import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    func unresolvedAlerts(_ db: Database, sessionId: UUID) throws -> [Alert] {
        try AlertRecord.unresolved.filter(AlertRecord.Columns.sessionId == sessionId.uuidString).order(AlertRecord.Columns.id)
            .fetchAll(db).map(\.alert)
    }

    func loadAlert(_ db: Database, id: Int64) throws -> Alert {
        guard let record = try AlertRecord.fetchOne(db, key: id) else { throw SessionStep.alertNotFound(id) }
        return record.alert
    }
}
