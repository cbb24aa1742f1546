import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// Takes an online backup (see ``ClinicalDatabase/backup(to:)``) and records who took it, with the copy's
    /// size, hash and last audit seq, in the audit trail.
    public func backup(to path: String, actor: AuditActor, now: Date) async throws -> BackupSummary {
        let summary = try await database.backup(to: path)
        do {
            _ = try await committer.write { db in
                try AuditLog.append(db, action: "database.backup", actor: actor, entity: AuditEntity(type: "database"), detail: [
                    "bytes": .number(Double(summary.bytes)), "sha256": .string(summary.sha256),
                    "auditSeq": .number(Double(summary.auditSeq)), "schemaVersion": .number(Double(summary.schemaVersion)),
                ], at: now)
            }
        } catch {
            // An unrecorded backup must not leave the building.
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        return summary
    }
}
