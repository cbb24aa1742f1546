import GRDB
@testable import InfusionStore
import Testing

/// The rules' history query must stay answerable from indexes: if it scanned the session's events it would parse
/// every stored observation body on every request, and ingest would slow down as sessions grow.
@Suite("Rule history query plan")
struct HistoryQueryPlanTests {
    @Test("each part of the history query searches an index; no body of a plain observation is read", arguments: [false, true])
    func usesIndexes(withWindow: Bool) throws {
        let database = try ClinicalDatabase()
        let plan = try database.writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + ClinicalStore.historySQL(withWindow: withWindow),
                             arguments: withWindow ? ["s", 10, "2026-01-01T00:00:00.000Z"] : ["s", 10])
                .map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("USING INDEX events_rule_history") }, "\(plan)")
        #expect(plan.contains { $0.contains("USING INDEX decisions_by_session") }, "\(plan)")
        #expect(withWindow == plan.contains { $0.contains("USING INDEX events_by_occurrence") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN") }, "a full scan in \(plan)")
    }
}
