import GRDB
import InfusionCore
@testable import InfusionServer
import InfusionStore
import Testing

/// The server's answer to a storage fault: the status and the words that tell a station nothing was stored.
@Suite("Storage faults as problems")
struct StorageFaultProblemTests {
    @Test("a full disk is 507 storage.full; failing storage is 503 storage.unavailable; both say nothing was stored", arguments: [
        (ResultCode.SQLITE_FULL, 507, "storage.full"),
        (ResultCode.SQLITE_IOERR, 503, "storage.unavailable"),
        (ResultCode.SQLITE_CORRUPT, 503, "storage.unavailable"),
    ])
    func problem(code: ResultCode, status: Int, problem: String) throws {
        let fault = try #require(StorageFault(DatabaseError(resultCode: code, message: "m")))
        #expect(fault.problem.status == status)
        #expect(fault.problem.code == problem)
        #expect(fault.problem.detail.contains("not stored"))
        #expect(fault.problem.detail.contains("same request"))
    }

    @Test("a refusal of the core or the store maps to its status once, in the server", arguments: [
        (DomainError.Kind.invalid, 422), (.conflict, 409), (.notFound, 404), (.unavailable, 503),
    ])
    func refusal(kind: DomainError.Kind, status: Int) {
        let problem = Problem.from(DomainError(kind, code: "x.y", title: "t", detail: "d", field: "f"))
        #expect(problem.status == status && problem.code == "x.y" && problem.field == "f")
    }

    @Test("a stored row that no longer reads is a 500, never the client's 4xx")
    func unreadable() {
        #expect(Problem.from(StoredRecordUnreadable(what: "session id x")).status == 500)
    }
}
