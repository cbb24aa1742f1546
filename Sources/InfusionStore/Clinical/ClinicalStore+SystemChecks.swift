import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// The sessions whose dose, duration and predicted level can still change: running or paused.
    func deliveringSessionIds() async throws -> [UUID] {
        try await writer.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM sessions WHERE state IN ('running', 'paused') ORDER BY started_at")
                .compactMap(UUID.init(uuidString:))
        }
    }
}
