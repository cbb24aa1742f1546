import Foundation
import GRDB
import InfusionClient
import InfusionCore
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `infusionctl db backup` while stations keep posting, `infusionctl audit verify --db` on the copy, the integrity
/// check finding a damaged database (and the daemon then refusing changes), and `infusiond restore` bringing a
/// backup back.
@Suite("Backup under load, integrity check, restore")
struct BackupTests {
    /// Event ids acknowledged so far, with the time each answer arrived.
    final class Acknowledged: Sendable {
        private let items = Mutex<[(id: UUID, at: ContinuousClock.Instant)]>([])
        func add(_ id: UUID) { items.withLock { $0.append((id, .now)) } }
        func before(_ instant: ContinuousClock.Instant) -> [UUID] { items.withLock { $0.filter { $0.at < instant }.map(\.id) } }
        var count: Int { items.withLock { $0.count } }
    }

    /// A flag the load loops check.
    final class Flag: Sendable {
        private let value = Mutex(false)
        var isSet: Bool { value.withLock { $0 } }
        func set() { value.withLock { $0 = true } }
    }

    /// The event ids stored in a database file, read with the sqlite3 shell.
    static func storedEventIds(in path: String) async throws -> Set<String> {
        let result = try await DaemonProcess.run("/usr/bin/sqlite3", ["-readonly", path, "SELECT id FROM events"])
        guard result.status == 0 else { throw DaemonError("sqlite3 \(path): \(result.stderr)") }
        return Set(result.stdout.split(separator: "\n").map { $0.uppercased() })
    }

    @Test("backups taken while stations post are consistent, complete up to their start, and verify offline")
    func backupUnderLoad() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        defer { Task { await daemon.terminate() } }
        let client = daemon.client
        var sessions: [UUID] = []
        for index in 0..<4 {
            sessions.append(try await client.startSession(Bedside.start(patient: "MRN-30\(index)")).id)
        }
        let acknowledged = Acknowledged()
        let stop = Flag()
        // Four stations, each posting observations as fast as the daemon answers.
        let load = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for session in sessions {
                    group.addTask {
                        var heartRate = 60.0
                        while !stop.isSet {
                            let observation = Bedside.observation(vitals: Vitals(heartRateBpm: heartRate))
                            _ = try await client.observe(sessionId: session, observation)
                            acknowledged.add(observation.eventId)
                            heartRate = heartRate >= 90 ? 60 : heartRate + 1
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        while acknowledged.count < 40 { try await Task.sleep(for: .milliseconds(20)) }

        var backups: [(path: String, startedAt: ContinuousClock.Instant)] = []
        for index in 0..<2 {
            let path = "\(daemon.folder)/backup-\(index).sqlite"
            let startedAt = ContinuousClock.now
            let result = try await daemon.ctl(["db", "backup", path, "--format", "json"])
            #expect(result.status == 0, "backup failed: \(result.stderr)")
            backups.append((path, startedAt))
            let countBefore = acknowledged.count
            while acknowledged.count < countBefore + 20 { try await Task.sleep(for: .milliseconds(20)) }
        }
        stop.set()
        try await load.value
        #expect(acknowledged.count > 80)

        let live = try await Self.storedEventIds(in: daemon.databasePath)
        for backup in backups {
            var info = stat()
            #expect(stat(backup.path, &info) == 0 && info.st_mode & 0o777 == 0o600, "a backup holds patient records: mode 0600")
            #expect(!FileManager.default.fileExists(atPath: backup.path + ".partial"))
            let copied = try await Self.storedEventIds(in: backup.path)
            // Everything acknowledged before the backup began is in it; nothing is in it that the live database lacks.
            let required = Set(acknowledged.before(backup.startedAt).map { $0.uuidString.uppercased() })
            #expect(required.isSubset(of: copied), "\(required.subtracting(copied).count) acknowledged observations missing from \(backup.path)")
            #expect(copied.isSubset(of: live))
            let verify = try await daemon.ctl(["audit", "verify", "--db", backup.path])
            #expect(verify.status == 0, "audit verify --db \(backup.path): \(verify.stdout) \(verify.stderr)")
            let integrity = try await DaemonProcess.run("/usr/bin/sqlite3", ["-readonly", backup.path, "PRAGMA integrity_check"])
            #expect(integrity.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
        }
        // Each backup is in the live audit trail, with who took it.
        let records = try await client.audit(after: 0, limit: 1000).records.map(\.record)
        #expect(records.filter { $0.action == "database.backup" && $0.actor.uid == getuid() }.count == 2)
        // No temporary copy is left beside the database.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: "\(daemon.folder)/state").filter { $0.hasPrefix(".backup-") }
        #expect(leftovers.isEmpty)
        #expect(await daemon.terminate() == 0)
    }

    @Test("infusionctl db backup refuses to overwrite a file, and says how to restore")
    func backupCommandErrors() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        defer { Task { await daemon.terminate() } }
        let existing = "\(daemon.folder)/exists.sqlite"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: existing))
        let refused = try await daemon.ctl(["db", "backup", existing])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--force"))
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "keep")
        let forced = try await daemon.ctl(["db", "backup", existing, "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        let restore = try await DaemonProcess.run("\(DaemonProcess.binaryFolder)/infusionctl", ["db", "restore", existing])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(restore.stdout.contains("infusiond restore \(existing)"))
        #expect(restore.stdout.contains("systemctl stop infusiond"))
        #expect(await daemon.terminate() == 0)
    }

    @Test("a damaged database is found by the background check and its changes refused with directions; infusiond restore brings the backup back")
    func damagedThenRestored() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let session = try await daemon.client.startSession(Bedside.start())
        for _ in 0..<30 { _ = try await daemon.client.observe(sessionId: session.id, Bedside.observation(vitals: Vitals(heartRateBpm: 70))) }
        let backup = "\(daemon.folder)/good.sqlite"
        #expect(try await daemon.ctl(["db", "backup", backup]).status == 0)
        // Refused while the daemon serves the socket.
        let busy = try await DaemonProcess.run("\(DaemonProcess.binaryFolder)/infusiond", ["restore", backup, "--config", daemon.configPath])
        #expect(busy.status != 0)
        #expect(busy.stderr.contains("stop it first"))
        #expect(await daemon.terminate() == 0)

        // A graceful stop leaves one self-contained file: the write-ahead log is empty or gone.
        let wal = try? FileManager.default.attributesOfItem(atPath: daemon.databasePath + "-wal")[.size] as? Int
        #expect(wal == nil || wal == 0, "the stopped daemon left \(wal ?? -1) bytes of write-ahead log")
        // Scribble over a page of the session's events, which opening the database does not read: the daemon
        // serves, and its background check finds the damage (a file that is not a database at all is refused at
        // start: IntegrityCheckEndToEndTests).
        let (page, pageSize) = try await IntegrityCheckEndToEndTests.leafPage(of: "events", in: daemon.databasePath)
        try IntegrityCheckEndToEndTests.scribble(on: daemon.databasePath, page: page, pageSize: pageSize)
        try await daemon.start()
        try await IntegrityCheckEndToEndTests.eventually("health to say degraded") { try await daemon.client.health().status == "degraded" }
        do {
            _ = try await daemon.client.startSession(Bedside.start(patient: "MRN-1002"))
            Issue.record("the daemon stored a change on a damaged database")
        } catch InfusionClientError.problem(let problem) {
            #expect(problem.code == "database.damaged")
            #expect(problem.detail.contains("infusiond restore"))
        }
        #expect(await daemon.terminate() == 0)

        let restored = try await DaemonProcess.run("\(DaemonProcess.binaryFolder)/infusiond", ["restore", backup, "--config", daemon.configPath])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.contains("previous file kept as"))
        // The backup is behind what the key signed at the last stop: the start waits for the operator's word.
        #expect(restored.stdout.contains("--confirm-restore"))
        do {
            try await daemon.start()
            Issue.record("the daemon started on a restored database without --confirm-restore")
        } catch {
            #expect("\(error)".contains("exited with 78"))
        }
        daemon.serveArguments = ["--confirm-restore"]
        try await daemon.start()
        #expect(try await daemon.client.session(id: session.id).session.id == session.id)
        let verification = try await daemon.client.verifyAudit()
        #expect(verification.ok)
        #expect(verification.forks?.map(\.action) == ["database.restore"])
        #expect(await daemon.terminate() == 0)
    }
}
