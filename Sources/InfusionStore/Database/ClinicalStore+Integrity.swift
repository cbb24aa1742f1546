import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// Closes writes because the database failed its integrity check, then records `database.integrityFailed`
    /// (outcome `failure`, SQLite's first findings) as the one write allowed after the close.
    ///
    /// Writes close first, so nothing else commits once the damage is known, even if the record cannot be written
    /// (the damage may be in the audit trail itself): then this throws and the caller logs it.
    public func closeWrites(for damage: DatabaseDamagedError, checkDuration: Duration, now: Date) async throws -> AuditEntry {
        committer.refuseWrites(WritesRefused(.damaged(damage)))
        let seconds = Double(checkDuration.components.seconds) + Double(checkDuration.components.attoseconds) / 1e18
        return try await committer.write(evenWhenRefused: true) { db in
            try AuditLog.append(db, action: "database.integrityFailed", outcome: "failure", actor: .daemon,
                                entity: AuditEntity(type: "database"), detail: [
                                    "check": "PRAGMA quick_check",
                                    "findings": .array(damage.findings.map(JSONValue.string)),
                                    "checkSeconds": .number((seconds * 1000).rounded() / 1000),
                                    "writesRefused": true,
                                ], at: now)
        }
    }
}
