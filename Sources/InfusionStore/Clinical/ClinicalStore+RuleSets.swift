import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// Why a rule set came into force.
    public enum RuleSetLoadReason: String, Sendable {
        case start, reload
    }

    /// Stores a rule set's profile texts under its hash (once) and records that it came into force at `now`.
    public func recordRuleSetLoad(_ ruleSet: RuleSet, reason: RuleSetLoadReason, now: Date) async throws {
        try await committer.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO rule_sets (hash, files, stored_at) VALUES (?, ?, ?)",
                           arguments: [ruleSet.hash, try Rows.json(ruleSet.sources), Rows.time(now)])
            try db.execute(sql: "INSERT INTO rule_set_loads (hash, loaded_at, reason) VALUES (?, ?, ?)",
                           arguments: [ruleSet.hash, Rows.time(now), reason.rawValue])
        }
    }

    /// The profile texts stored for a rule-set hash, or nil when that hash was never stored.
    public func ruleSetSources(hash: String) async throws -> [ProfileSource]? {
        try await writer.read { db in
            guard let files = try String.fetchOne(db, sql: "SELECT files FROM rule_sets WHERE hash = ?", arguments: [hash]) else {
                return nil
            }
            return try Rows.decode([ProfileSource].self, files)
        }
    }

    /// When each rule set came into force, oldest first.
    public func ruleSetLoads() async throws -> [(hash: String, at: Date)] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT hash, loaded_at FROM rule_set_loads ORDER BY id").map { row in
                (row["hash"], Rows.date(row["loaded_at"]) ?? .distantPast)
            }
        }
    }
}

extension ClinicalStore {
    /// Records a reload attempt: for new rules, stores their texts and that they came into force, with the audit
    /// record, in one transaction; for refused files, only the audit record with the reason.
    public func recordReload(_ result: ReloadResult, ruleSet: RuleSet?, trigger: String, actor: AuditActor, now: Date) async throws {
        try await committer.write { db in
            if result.outcome == .reloaded, let ruleSet {
                try db.execute(sql: "INSERT OR IGNORE INTO rule_sets (hash, files, stored_at) VALUES (?, ?, ?)",
                               arguments: [ruleSet.hash, try Rows.json(ruleSet.sources), Rows.time(now)])
                try db.execute(sql: "INSERT INTO rule_set_loads (hash, loaded_at, reason) VALUES (?, ?, 'reload')",
                               arguments: [ruleSet.hash, Rows.time(now)])
            }
            try AuditLog.append(
                db, action: "config.reload", outcome: result.outcome == .refused ? "refused" : "success", actor: actor,
                entity: AuditEntity(type: "daemon"), detail: [
                    "trigger": .string(trigger), "result": .string(result.outcome.rawValue),
                    "previousHash": .string(result.previousHash), "ruleSetHash": .string(result.ruleSetHash),
                    "problem": result.problem.map(JSONValue.string) ?? .null,
                    "profiles": .array((ruleSet?.sources ?? []).map { .string($0.name) }),
                ], at: now)
        }
    }
}
