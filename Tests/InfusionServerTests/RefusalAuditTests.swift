import Foundation
import InfusionCore
import InfusionServer
import InfusionStore
import Synchronization
import Testing

/// What one refusal stores, and how many refusals one peer may add to the trail (issue 15 item 8).
@Suite("Refusal records: bounded text, per-peer allowance, counted summary")
struct RefusalAuditTests {
    @Test("text up to the limit is kept whole; longer text keeps the limit and the length and hash of the rest", arguments: [
        (bytes: 255, kept: true), (bytes: 256, kept: true), (bytes: 257, kept: false), (bytes: 100_000, kept: false),
    ])
    func boundedText(bytes: Int, kept: Bool) {
        let text = String(repeating: "p", count: bytes)
        let bounded = RefusalAudit.bounded(text)
        if kept {
            #expect(bounded == text)
        } else {
            #expect(bounded.hasPrefix(String(repeating: "p", count: 256) + "…[+\(bytes - 256) bytes, sha256 "))
            #expect(bounded.utf8.count < 256 + 100)
        }
    }

    @Test("a cut never splits a character, and two long paths with the same start stay apart")
    func boundedTextEdges() {
        let text = String(repeating: "a", count: 255) + "é" + String(repeating: "b", count: 10)
        let bounded = RefusalAudit.bounded(text)
        #expect(bounded.hasPrefix(String(repeating: "a", count: 255) + "…[+12 bytes"))
        let one = RefusalAudit.bounded(String(repeating: "x", count: 300) + "1")
        let two = RefusalAudit.bounded(String(repeating: "x", count: 300) + "2")
        #expect(one != two)
    }

    static func store() throws -> ClinicalStore { ClinicalStore(database: try ClinicalDatabase()) }

    static func actions(_ store: ClinicalStore) async throws -> [AuditRecord] {
        try await store.auditPage(after: 0, limit: 10_000).records.map(\.record)
    }

    @Test("each peer gets its allowance of full records; the rest are counted in one summary", arguments: [0, 1, 5, 6, 40])
    func allowance(refusals: Int) async throws {
        let store = try Self.store()
        let audit = RefusalAudit(store: store, clock: { Date() }, window: .seconds(600), recordsPerWindow: 5)
        let problem = Problem(status: 404, code: "route.notFound", title: "No such route", detail: "none")
        for _ in 0..<refusals {
            try await audit.recordRequest(problem, method: "GET", path: "/x", actor: AuditActor(uid: 1001, gid: 1001, pid: 7))
        }
        // Another account has its own allowance.
        try await audit.recordRequest(problem, method: "GET", path: "/y", actor: AuditActor(uid: 1002, gid: 1002, pid: 8))
        await audit.flush()
        let records = try await Self.actions(store)
        let full = records.filter { $0.action == "request.refuse" }
        #expect(full.filter { $0.actor.uid == 1001 }.count == min(refusals, 5))
        #expect(full.filter { $0.actor.uid == 1002 }.count == 1)
        let summaries = records.filter { $0.action == "refusal.suppressed" }
        if refusals > 5 {
            #expect(summaries.count == 1)
            guard case .object(let detail)? = summaries.first?.detail else { Issue.record("no summary detail"); return }
            #expect(detail["suppressed"] == .number(Double(refusals - 5)))
            #expect(detail["uid"] == .number(1001))
        } else {
            #expect(summaries.isEmpty)
        }
    }

    @Test("a new window gives a new allowance, and the old window's count is written when it ends")
    func windowEnds() async throws {
        let store = try Self.store()
        let now = Mutex(Date(timeIntervalSince1970: 1_795_000_000))
        // The clock moves only when the test says so; the window's own timer is far off.
        let audit = RefusalAudit(store: store, clock: { now.withLock { $0 } }, window: .seconds(600), recordsPerWindow: 2)
        let problem = Problem(status: 403, code: "access.denied", title: "Access denied", detail: "no")
        let actor = AuditActor(uid: 1001, gid: 1001, pid: 7)
        for _ in 0..<5 { try await audit.recordRequest(problem, method: "GET", path: "/x", actor: actor) }
        now.withLock { $0 = $0.addingTimeInterval(599) }
        try await audit.recordRequest(problem, method: "GET", path: "/x", actor: actor)
        #expect(try await Self.actions(store).filter { $0.action == "refusal.suppressed" }.isEmpty, "the window is still open")
        now.withLock { $0 = $0.addingTimeInterval(2) }
        for _ in 0..<2 { try await audit.recordRequest(problem, method: "GET", path: "/x", actor: actor) }
        let records = try await Self.actions(store)
        #expect(records.filter { $0.action == "request.refuse" }.count == 4)
        let summaries = records.filter { $0.action == "refusal.suppressed" }
        #expect(summaries.count == 1)
        if case .object(let detail)? = summaries.first?.detail {
            #expect(detail["suppressed"] == .number(4))
            #expect(detail["byCode"] == .object(["access.denied": .number(4)]))
        }
    }
}
