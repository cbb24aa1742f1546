import Foundation
import InfusionClient
import InfusionCore

extension Render {
    /// Audit records as a table: sequence, time, action, outcome, who and what about.
    static func audit(_ entries: [AuditEntry]) -> TextTable {
        var table = TextTable(columns: [
            .init("SEQ", alignment: .right), .init("TIME"), .init("ACTION"), .init("OUTCOME"), .init("ACTOR"),
            .init("ENTITY"),
        ])
        for entry in entries {
            let record = entry.record
            table.append([
                String(record.seq), WireJSON.parseTimestamp(record.time).map(time) ?? record.time, record.action,
                record.outcome, record.actor.person ?? record.actor.role ?? "-", entity(record.entity),
            ])
        }
        return table
    }

    /// An audit entity in a few characters, e.g. `session 3f2a1b2c` or `alert 7`.
    static func entity(_ entity: AuditEntity?) -> String {
        guard let entity else { return "-" }
        guard let id = entity.id else { return entity.type }
        return entity.type + " " + (UUID(uuidString: id).map { DisplayFormat.shortID($0) } ?? id)
    }

    /// The outcome of walking the audit chain.
    static func verification(_ result: AuditVerification) -> String {
        if result.ok {
            let checkpoints = result.checkpointsChecked.map { ", \($0) signed checkpoint\($0 == 1 ? "" : "s") matched" } ?? ""
            let root = result.rootHash.map { ", Merkle root \($0)" } ?? ""
            return "OK: the audit chain verifies: \(result.recordsChecked) records checked, last seq \(result.lastSeq), "
                + "last hash \(result.lastHash)\(checkpoints)\(root)."
        }
        let culprit = result.firstBadSeq.map { "record \($0)" } ?? "a record"
        let kind = result.failure.map { " [\($0.rawValue)]" } ?? ""
        return "FAILED\(kind): \(culprit) does not verify: \(result.problem ?? "no reason given"). "
            + "\(result.recordsChecked) records checked. Keep the database and the exports as they are and tell "
            + "the people responsible for the audit trail."
    }
}
