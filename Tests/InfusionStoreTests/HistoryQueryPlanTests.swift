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
        #expect(plan.contains { $0.contains("USING INDEX events_rule_entries") }, "\(plan)")
        #expect(withWindow == plan.contains { $0.contains("USING INDEX events_by_occurrence") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN") }, "a full scan in \(plan)")
    }

    @Test("the snapshot query reads rule entries and the recent window through indexes, never a scan")
    func snapshotUsesIndexes() throws {
        let database = try ClinicalDatabase()
        let plan = try database.writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + ClinicalStore.snapshotSQL, arguments: ["s", "2026-01-01T00:00:00.000Z"])
                .map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("USING INDEX events_rule_entries") }, "\(plan)")
        #expect(plan.contains { $0.contains("USING INDEX events_by_occurrence") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN") }, "a full scan in \(plan)")
    }
}

/// The writer loads the open sessions, and lists and metrics ask for them and for unresolved alerts; closed sessions and resolved alerts
/// pile up for years, so these searches must go through the state indexes rather than read every row.
@Suite("Open sessions and alerts query plans")
struct OpenStateQueryPlanTests {
    @Test("the snapshot loader's and lists' searches for open sessions and unresolved alerts use the state indexes", arguments: [
        "SELECT id FROM sessions WHERE \(OpenStateFilters.sessions) ORDER BY started_at",
        "SELECT COUNT(*) FROM sessions WHERE \(OpenStateFilters.sessions)",
        "SELECT document FROM sessions WHERE \(OpenStateFilters.sessions) ORDER BY started_at DESC",
        "SELECT * FROM alerts WHERE \(OpenStateFilters.alerts) ORDER BY id",
        "SELECT state, priority, COUNT(*) AS n FROM alerts WHERE \(OpenStateFilters.alerts) GROUP BY state, priority",
    ])
    func searchesByState(sql: String) throws {
        let database = try ClinicalDatabase()
        let plan = try database.writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("INDEX sessions_by_state (state=?)") || $0.contains("INDEX alerts_by_state (state=?)") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN") }, "a full scan in \(plan)")
    }

    @Test("the open states are every state but closed (sessions) and resolved (alerts)")
    func openStates() {
        #expect(OpenStateFilters.sessions == "state IN ('running', 'paused', 'stopped', 'ended')")
        #expect(OpenStateFilters.alerts == "state IN ('active', 'acknowledged')")
    }
}
