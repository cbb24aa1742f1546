import Foundation
import InfusionCore
import InfusionServer
import InfusionStore
import Logging
import Testing

/// Issue 15 item 12h: read-audit records deferred while the disk is full are durable in a reserved spool, so a
/// SIGKILL loses none; when the spool cannot take one more, the read is refused instead of served unrecorded.
@Suite("Deferred read audit: the spool survives a crash, and a full spool refuses the read")
struct DeferredReadAuditTests {
    static let logger = Logger(label: "test")
    static let actor = AuditActor(person: "nurse-042", role: "clinician", uid: 1001, gid: 1001, pid: 42)

    static func folder() throws -> String {
        let path = "/tmp/ird-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func keep(_ audit: DeferredReadAudit, _ index: Int) throws {
        try audit.keep(action: "session.read", actor: actor, entity: AuditEntity(type: "session", id: "s-\(index)", patientId: "MRN-1001"),
                       detail: ["route": .string("GET /v1/sessions/s-\(index)")], time: Date(timeIntervalSince1970: 1_800_000_000 + Double(index)),
                       logger: logger)
    }

    @Test("records kept by one process are read back by the next and written once, with their original times")
    func survivesRestart() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let spool = "\(folder)/\(DeferredReadAudit.spoolName)"
        do {
            // The first process keeps three records and dies without flushing (nothing but the spool remains).
            let first = DeferredReadAudit(spoolPath: spool)
            #expect(first.spoolProblem == nil)
            for index in 1...3 { try Self.keep(first, index) }
            #expect(first.count == 3)
        }
        let second = DeferredReadAudit(spoolPath: spool)
        #expect(second.count == 3)
        let store = ClinicalStore(database: try ClinicalDatabase())
        await second.flush(to: store, now: Date(), logger: Self.logger)
        #expect(second.count == 0)
        let reads = try await store.auditPage(after: 0, limit: 100).records.map(\.record).filter { $0.action == "session.read" }
        #expect(reads.map(\.entity?.id) == ["s-1", "s-2", "s-3"])
        #expect(reads.map(\.time) == (1...3).map { WireJSON.formatTimestamp(Date(timeIntervalSince1970: 1_800_000_000 + Double($0))) })
        #expect(reads.allSatisfy { $0.detail.objectValue?["deferred"] == true && $0.actor.person == "nurse-042" })
        // Written records leave the spool: a third process finds nothing to write again.
        #expect(DeferredReadAudit(spoolPath: spool).count == 0)
    }

    @Test("records kept while a flush runs stay in the spool after it")
    func keptDuringFlush() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let spool = "\(folder)/\(DeferredReadAudit.spoolName)"
        let audit = DeferredReadAudit(spoolPath: spool)
        try Self.keep(audit, 1)
        await audit.flush(to: ClinicalStore(database: try ClinicalDatabase()), now: Date(), logger: Self.logger)
        try Self.keep(audit, 2)
        try Self.keep(audit, 3)
        let reopened = DeferredReadAudit(spoolPath: spool)
        #expect(reopened.count == 2)
    }

    @Test("when the spool is used up, or could not be reserved, the read is refused with 507 storage.full")
    func fullSpoolRefuses() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let small = DeferredReadAudit(spoolPath: "\(folder)/\(DeferredReadAudit.spoolName)", spoolBytes: 400)
        try Self.keep(small, 1)
        #expect(throws: Problem.self) { try Self.keep(small, 2) }
        do {
            try Self.keep(small, 2)
        } catch let problem as Problem {
            #expect(problem.status == 507 && problem.code == "storage.full")
        }
        #expect(small.count == 1)

        let unreserved = DeferredReadAudit(spoolPath: "\(folder)/missing/\(DeferredReadAudit.spoolName)")
        #expect(unreserved.spoolProblem != nil)
        #expect(throws: Problem.self) { try Self.keep(unreserved, 1) }
        #expect(unreserved.count == 0)
    }

    @Test("an in-memory database keeps records in memory (no spool)")
    func memoryOnly() throws {
        #expect(DeferredReadAudit.spoolPath(besides: ":memory:") == nil)
        #expect(DeferredReadAudit.spoolPath(besides: "/var/lib/infusiond/infusion.sqlite") == "/var/lib/infusiond/read-audit.spool")
        let audit = DeferredReadAudit()
        try Self.keep(audit, 1)
        #expect(audit.count == 1)
    }
}
