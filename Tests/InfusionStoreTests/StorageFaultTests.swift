import GRDB
import InfusionCore
import InfusionStore
import Testing

/// Storage failures become clear 507/503 problems; everything else is not a storage fault.
@Suite("Storage faults")
struct StorageFaultTests {
    @Test("SQLite result codes map to the right problem", arguments: [
        (ResultCode.SQLITE_FULL, 507, "storage.full"),
        (ResultCode.SQLITE_IOERR, 503, "storage.unavailable"),
        (ResultCode(rawValue: 10 | (4 << 8)), 503, "storage.unavailable"), // SQLITE_IOERR_SHORT_READ
        (ResultCode.SQLITE_READONLY, 503, "storage.unavailable"),
        (ResultCode.SQLITE_CANTOPEN, 503, "storage.unavailable"),
        (ResultCode.SQLITE_CORRUPT, 503, "storage.unavailable"),
    ])
    func classified(code: ResultCode, status: Int, problem: String) throws {
        let fault = try #require(StorageFault(DatabaseError(resultCode: code, message: "m")))
        // The server answers `full` with 507 and the rest with 503 (StorageFaultProblemTests).
        #expect(fault.kind == (status == 507 ? "full" : "io"))
    }

    @Test("request errors, constraint violations and busy databases are not storage faults", arguments: [
        ResultCode.SQLITE_CONSTRAINT, .SQLITE_BUSY, .SQLITE_ERROR, .SQLITE_ABORT,
    ])
    func notStorage(code: ResultCode) {
        #expect(StorageFault(DatabaseError(resultCode: code)) == nil)
    }

    @Test("a non-database error is not a storage fault")
    func other() {
        struct Other: Error {}
        #expect(StorageFault(Other()) == nil)
    }
}
