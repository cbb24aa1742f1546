import Crypto
import Foundation
import GRDB
import InfusionClient
import InfusionCore
import Testing

/// Issue 15 item 10: a restore is recorded, and a database behind the signed trail is detected, recorded and
/// refused until an operator confirms it; `audit verify` names the fork.
@Suite("Restore: recorded, checked against the audit witness, confirmed explicitly, reported as a fork", .serialized)
struct RestoreForkTests {
    static var infusiond: String { "\(DaemonProcess.binaryFolder)/infusiond" }

    static func records(in path: String) async throws -> [AuditRecord] {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try await queue.read { db in
            try Data.fetchAll(db, sql: "SELECT record FROM audit_records ORDER BY seq").map { try WireJSON.decoder().decode(AuditRecord.self, from: $0) }
        }
    }

    static func detail(_ record: AuditRecord?) -> [String: JSONValue] {
        if case .object(let fields)? = record?.detail { return fields }
        return [:]
    }

    @Test("restoring an older backup: recorded, refused at start, reported as a fork offline, continued only when confirmed")
    func restoreIsAFork() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let session = try await daemon.client.startSession(Bedside.start())
        for _ in 0..<5 { _ = try await daemon.client.observe(sessionId: session.id, Bedside.observation(vitals: Vitals(heartRateBpm: 70))) }
        let pubkey = try await daemon.ctl(["audit", "pubkey"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let backup = "\(daemon.folder)/older.sqlite"
        #expect(try await daemon.ctl(["db", "backup", backup]).status == 0)
        // The trail goes on after the backup.
        for _ in 0..<5 { _ = try await daemon.client.observe(sessionId: session.id, Bedside.observation(vitals: Vitals(heartRateBpm: 71))) }
        #expect(await daemon.terminate() == 0)
        let before = try await Self.records(in: daemon.databasePath)
        let replacedHead = before.last!.seq
        let witnessPath = "\(daemon.folder)/state/audit-witness.checkpoint"
        let oldWitness = try String(contentsOfFile: witnessPath, encoding: .utf8)
        let keptCheckpoint = "\(daemon.folder)/kept.checkpoint"
        try oldWitness.write(toFile: keptCheckpoint, atomically: true, encoding: .utf8)
        #expect(oldWitness.contains("\n\(replacedHead)\n"), "the witness is the checkpoint signed at stop, of all \(replacedHead) records")

        let restore = try await DaemonProcess.run(Self.infusiond, ["restore", backup, "--config", daemon.configPath])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(restore.stdout.contains("recorded as database.restore"))
        #expect(restore.stdout.contains("--confirm-restore"))

        // The restore is in the restored trail, with the backup's hash and the replaced trail's end.
        let restored = try await Self.records(in: daemon.databasePath)
        let record = restored.last
        #expect(record?.action == "database.restore")
        let fields = Self.detail(record)
        let backupHash = SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: backup))).map { String(format: "%02x", $0) }.joined()
        #expect(fields["backupSHA256"] == .string(backupHash))
        guard case .object(let head)? = fields["replacedHead"] else {
            Issue.record("database.restore does not name the replaced trail's last record: \(fields)")
            return
        }
        #expect(head["seq"] == .number(Double(replacedHead)))
        if case .string(let hash)? = head["hash"] { #expect(hash.count == 64) } else { Issue.record("no replaced head hash") }
        #expect(record!.seq < replacedHead, "the backup is older: seqs after it are used twice")

        // The start is refused with exit 78, and the refusal is recorded once however often it is retried.
        for _ in 0..<2 {
            do {
                try await daemon.start()
                Issue.record("the daemon started on a database behind the audit witness")
            } catch {
                #expect("\(error)".contains("exited with 78"), "\(error)")
                #expect(daemon.log.contains("--confirm-restore"))
            }
        }
        let afterRefusals = try await Self.records(in: daemon.databasePath)
        #expect(afterRefusals.filter { $0.action == "audit.forkDetected" }.count == 1)
        #expect(Self.detail(afterRefusals.last)["finding"] == .string("behind"))

        // Offline, the database checked against the witness is a fork, named.
        let offline = try await daemon.ctl(["audit", "verify", "--db", daemon.databasePath, "--witness", witnessPath, "--pubkey", pubkey])
        #expect(offline.status == 1)
        #expect(offline.stdout.contains("FAILED [forked]"), "\(offline.stdout)\(offline.stderr)")
        #expect(offline.stdout.contains("database.restore"))

        // Confirmed: the daemon continues, the start says it follows a restore (not an unclean stop).
        daemon.serveArguments = ["--confirm-restore"]
        try await daemon.start()
        let verification = try await daemon.client.verifyAudit()
        #expect(verification.ok)
        #expect(verification.forks?.count == 1)
        #expect(verification.forks?.first?.action == "database.restore")
        #expect(verification.forks?.first?.replacedHeadSeq == replacedHead)
        #expect(verification.forks?.first?.description.contains("Confirmed at record") == true)
        let text = try await daemon.ctl(["audit", "verify"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("fork at record \(record!.seq) (database.restore"), "\(text.stdout)")
        #expect(await daemon.terminate() == 0)

        let final = try await Self.records(in: daemon.databasePath)
        let sinceRestore = final.drop { $0.seq <= record!.seq }
        #expect(sinceRestore.contains { $0.action == "audit.forkConfirmed" })
        #expect(!sinceRestore.contains { $0.action == "daemon.uncleanStop" }, "the restore is not an unclean stop")
        let start = sinceRestore.first { $0.action == "daemon.start" }
        #expect(Self.detail(start)["previousStop"] == .string("restored"))
        // The witness now vouches for the continuing trail: the next start needs no confirmation.
        daemon.serveArguments = []
        try await daemon.start()
        #expect(await daemon.terminate() == 0)

        // An auditor who kept the checkpoint signed before the restore is told it belongs to the other trail.
        let kept = try await daemon.ctl(["audit", "verify", "--db", daemon.databasePath, "--pubkey", pubkey, "--previous", keptCheckpoint])
        #expect(kept.status == 1)
        #expect(kept.stdout.contains("FAILED [forked]"), "\(kept.stdout)\(kept.stderr)")
    }

    @Test("a database deleted and started afresh under the same key is refused: the witness remembers the trail")
    func freshDatabaseUnderTheSameKey() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        _ = try await daemon.client.startSession(Bedside.start())
        #expect(await daemon.terminate() == 0)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: daemon.databasePath + suffix) }
        do {
            try await daemon.start()
            Issue.record("a fresh trail started silently under the key that signed the deleted one")
        } catch {
            #expect("\(error)".contains("exited with 78"))
            #expect(daemon.log.contains("audit.forkDetected"))
        }
        let records = try await Self.records(in: daemon.databasePath)
        #expect(records.map(\.action) == ["audit.forkDetected"])
    }
}
