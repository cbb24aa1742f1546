import Foundation
import GRDB
import InfusionClient
import InfusionCore
import Testing

/// Issue 15 item 12c: a backup whose client goes away removes its temporary copy at once, not at the next start.
@Suite("Abandoned backups", .serialized)
struct BackupAbandonTests {
    /// The daemon's temporary backup copies in its state folder.
    static func copies(in daemon: DaemonProcess) -> [String] {
        let folder = (daemon.databasePath as NSString).deletingLastPathComponent
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix(".backup-") }
    }

    @Test("a client that disconnects while the copy is made, or after the headers, leaves no copy behind",
          arguments: ["while copying", "after the headers"])
    func abandoned(when: String) async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        #expect(await daemon.terminate() == 0)
        // 120 MiB of filler makes the copy take long enough to walk away from it.
        let database = try DatabaseQueue(path: daemon.databasePath)
        try await database.write { db in
            try db.execute(sql: "CREATE TABLE test_padding (b BLOB)")
            let blob = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            for _ in 0..<120 { try db.execute(sql: "INSERT INTO test_padding VALUES (?)", arguments: [blob]) }
        }
        try database.close()
        try await daemon.start()

        let connection = try RawConnection(path: daemon.socketPath)
        connection.send("POST /v1/admin/backup HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")
        if when == "after the headers" {
            await connection.receiveSome()
        } else {
            // Long enough for the daemon to read the request and check the caller; far shorter than the copy.
            try await Task.sleep(for: .milliseconds(150))
            #expect(!Self.copies(in: daemon).isEmpty, "the copy should still be in the making")
        }
        connection.close()

        let deadline = Date().addingTimeInterval(30)
        while !daemon.log.contains("backup taken"), Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(daemon.log.contains("backup taken"))
        // "At once": within a moment of the copy being finished, not at the next start.
        var left = Self.copies(in: daemon)
        let soon = Date().addingTimeInterval(2)
        while !left.isEmpty, Date() < soon {
            try await Task.sleep(for: .milliseconds(50))
            left = Self.copies(in: daemon)
        }
        #expect(left.isEmpty, "left behind: \(left)")
        #expect(try await daemon.client.health().status == "ok")
        #expect(await daemon.terminate() == 0)
    }
}
