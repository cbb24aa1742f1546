import Foundation
import InfusionClient
import InfusionCore
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The audit trail as an auditor meets it: the real daemon and the real infusionctl, exports with their signed
/// checkpoints, offline verification, heartbeats, periodic checkpoints, unclean stops and audited reads.
@Suite("End to end: audit exports, checkpoints and offline verification", .serialized)
struct AuditTrailTests {
    /// Short intervals so heartbeats and checkpoints happen within the test.
    static let fastAudit = "audit:\n  heartbeatIntervalSeconds: 0.3\n  checkpointIntervalSeconds: 0.3\n"

    /// Some clinical activity: a session, a normal observation and a tinnitus pause.
    static func activity(_ client: InfusionClient) async throws -> Session {
        let session = try await client.startSession(Bedside.start())
        _ = try await client.observe(sessionId: session.id, Bedside.observation(vitals: Bedside.baseline))
        _ = try await client.observe(sessionId: session.id, Bedside.observation([.tinnitus]))
        return session
    }

    static func records(_ client: InfusionClient) async throws -> [AuditRecord] {
        var records: [AuditRecord] = []
        var after: Int64 = 0
        while true {
            let page = try await client.audit(after: after, limit: 1000)
            records += page.records.map(\.record)
            guard let next = page.nextAfter else { return records }
            after = next
        }
    }

    /// Polls until `condition` holds (generous timeout; no timing assertions).
    static func eventually(_ what: String, timeout: TimeInterval = 30, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting for \(what)")
    }

    @Test("pubkey, export with checkpoint, offline verify of the export and of the database; an edited line is named")
    func exportAndVerifyOffline() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        _ = try await Self.activity(daemon.client)

        let pubkey = try await daemon.ctl(["audit", "pubkey"])
        #expect(pubkey.status == 0, "\(pubkey.stderr)")
        let key = pubkey.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.split(separator: "+").count >= 3)
        let keyFile = "\(daemon.folder)/daemon.pub"
        try (key + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
        let keyMode = try FileManager.default.attributesOfItem(atPath: "\(daemon.folder)/state/audit-signing.key")[.posixPermissions] as? Int
        #expect(keyMode == 0o600)

        let export = "\(daemon.folder)/audit.jsonl"
        let exported = try await daemon.ctl(["audit", "export", "--format", "jsonl", "-o", export, "--by", "auditor-3"])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stderr.contains("exported"))
        #expect(FileManager.default.fileExists(atPath: "\(export).checkpoint"))
        let lines = try String(contentsOfFile: export, encoding: .utf8).split(separator: "\n")
        #expect(lines.last?.contains("\"action\":\"audit.export\"") == true)
        #expect(lines.last?.contains("\"person\":\"auditor-3\"") == true)

        let verified = try await daemon.ctl(["audit", "verify", "--file", export, "--pubkey", keyFile])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        #expect(verified.stdout.contains("OK"))

        for format in ["csv", "fhir"] {
            let other = try await daemon.ctl(["audit", "export", "--format", format, "-o", "\(daemon.folder)/audit.\(format)"])
            #expect(other.status == 0, "\(format): \(other.stderr)")
        }
        let partial = try await daemon.ctl(["audit", "export", "--from", "3", "--to", "9", "-o", "\(daemon.folder)/part.jsonl"])
        #expect(partial.status == 0 && FileManager.default.fileExists(atPath: "\(daemon.folder)/part.jsonl.prefix"))
        let partialVerified = try await daemon.ctl(["audit", "verify", "--file", "\(daemon.folder)/part.jsonl", "--pubkey", key])
        #expect(partialVerified.status == 0, "\(partialVerified.stdout) \(partialVerified.stderr)")

        // An export line edited: named, exit 1.
        var edited = lines.map(String.init)
        edited[3] = edited[3].replacingOccurrences(of: "nurse-042", with: "nurse-043")
        try (edited.joined(separator: "\n") + "\n").write(toFile: export, atomically: true, encoding: .utf8)
        let caught = try await daemon.ctl(["audit", "verify", "--file", export, "--pubkey", keyFile])
        #expect(caught.status == 1)
        #expect(caught.stdout.contains("[edited]") && caught.stdout.contains("record 4"), "\(caught.stdout)")

        // The live verify and, after a clean stop, the database file offline; then a record edited in the file.
        #expect(try await daemon.ctl(["audit", "verify"]).status == 0)
        #expect(await daemon.terminate() == 0)
        let offline = try await daemon.ctl(["audit", "verify", "--db", daemon.databasePath, "--pubkey", keyFile])
        #expect(offline.status == 0, "\(offline.stdout) \(offline.stderr)")
        let tampered = try await DaemonProcess.run("/usr/bin/sqlite3", [daemon.databasePath, """
            DROP TRIGGER audit_records_no_update;
            UPDATE audit_records SET record = CAST(REPLACE(CAST(record AS TEXT), '"outcome":"success"', '"outcome":"failure"') AS BLOB) WHERE seq = 5;
            """])
        #expect(tampered.status == 0, "\(tampered.stderr)")
        let broken = try await daemon.ctl(["audit", "verify", "--db", daemon.databasePath, "--pubkey", keyFile])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("[edited]") && broken.stdout.contains("record 5"), "\(broken.stdout)")
    }

    @Test("heartbeats and periodic checkpoints appear; a start after SIGKILL records the unclean stop and names the last checkpoint")
    func heartbeatsCheckpointsAndUncleanStop() async throws {
        let daemon = try DaemonProcess(extraConfig: Self.fastAudit)
        try await daemon.start()
        let client = daemon.client
        _ = try await Self.activity(client)
        try await Self.eventually("a heartbeat") { try await Self.records(client).contains { $0.action == "daemon.heartbeat" } }
        var grown: AuditCheckpoint?
        try await Self.eventually("a periodic checkpoint covering the activity") {
            grown = try await client.auditCheckpoint()
            return (grown?.reason == "periodic") && (grown?.treeSize ?? 0) >= 5
        }
        let checkpoint = try #require(grown)
        #expect(checkpoint.note.hasPrefix("\(checkpoint.note.split(separator: "\n")[0])\n\(checkpoint.treeSize)\n\(checkpoint.rootHash)\n\n— "))

        let process = try #require(daemon.process)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try await daemon.start()
        let records = try await Self.records(client)
        let unclean = try #require(records.last { $0.action == "daemon.uncleanStop" })
        let start = try #require(records.last { $0.action == "daemon.start" })
        #expect(start.seq == unclean.seq + 1)
        guard case .object(let detail) = start.detail, case .object(let last)? = detail["lastCheckpoint"] else {
            Issue.record("the start record names no last checkpoint: \(start.detail)")
            return
        }
        #expect(detail["previousStop"] == "unclean")
        #expect((last["treeSize"]?.numberValue ?? 0) >= Double(checkpoint.treeSize))
        #expect(try await daemon.ctl(["audit", "verify"]).status == 0)

        // A clean stop is recognised as clean at the next start.
        #expect(await daemon.terminate() == 0)
        try await daemon.start()
        let afterClean = try await Self.records(client)
        let cleanStart = try #require(afterClean.last { $0.action == "daemon.start" })
        guard case .object(let cleanDetail) = cleanStart.detail else { return }
        #expect(cleanDetail["previousStop"] == "clean")
        #expect(afterClean.filter { $0.action == "daemon.uncleanStop" }.count == 1)
        #expect(await daemon.terminate() == 0)
    }

    @Test("live verify proves the trail extends a kept checkpoint; a checkpoint signed by another key is refused")
    func liveConsistency() async throws {
        let daemon = try DaemonProcess(extraConfig: Self.fastAudit)
        try await daemon.start()
        let client = daemon.client
        _ = try await Self.activity(client)
        let key = try await daemon.ctl(["audit", "pubkey"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let export = "\(daemon.folder)/old.jsonl"
        #expect(try await daemon.ctl(["audit", "export", "-o", export]).status == 0)
        let note = try String(contentsOfFile: "\(export).checkpoint", encoding: .utf8)
        let exportedSize = try #require(Int64(note.split(separator: "\n")[1]))
        _ = try await Self.activity(client)
        try await Self.eventually("a checkpoint after the export") { try await client.auditCheckpoint().treeSize > exportedSize }
        let extended = try await daemon.ctl(["audit", "verify", "--previous", "\(export).checkpoint", "--pubkey", key])
        #expect(extended.status == 0, "\(extended.stdout) \(extended.stderr)")
        #expect(extended.stdout.contains("OK"))

        // The same checkpoint with a signature line that names the daemon's key but was not made by it.
        let parts = key.split(separator: "+")
        var blob = Data()
        var id = UInt32(parts[1], radix: 16)!.bigEndian
        withUnsafeBytes(of: &id) { blob.append(contentsOf: $0) }
        blob.append(Data(repeating: 7, count: 64))
        let forgedNote = note.components(separatedBy: "\n\n")[0] + "\n\n— \(parts[0]) \(blob.base64EncodedString())\n"
        try forgedNote.write(toFile: "\(daemon.folder)/forged.checkpoint", atomically: true, encoding: .utf8)
        let forged = try await daemon.ctl(["audit", "verify", "--previous", "\(daemon.folder)/forged.checkpoint", "--pubkey", key])
        #expect(forged.status == 1)
        #expect(forged.stdout.contains("[badSignature]"), "\(forged.stdout) \(forged.stderr)")
        #expect(await daemon.terminate() == 0)
    }

    @Test("reads are audited with the peer's uid, gid and pid and the person named by `by` or X-Infusion-Person")
    func readsAreAudited() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let client = daemon.client
        let session = try await Self.activity(client)
        let id = session.id.uuidString.lowercased()
        #expect(try await client.send(method: "GET", path: "/v1/sessions?state=all&by=nurse-7").status == 200)
        #expect(try await client.send(method: "GET", path: "/v1/sessions/\(id)", headers: [("X-Infusion-Person", "clin-9")]).status == 200)
        #expect(try await client.send(method: "GET", path: "/v1/sessions/\(id)/events").status == 200)
        let bad = try await client.send(method: "GET", path: "/v1/sessions?by=%0Anurse")
        #expect(bad.status == 400 && bad.problem?.code == "request.badPerson")

        let records = try await Self.records(client)
        let list = try #require(records.last { $0.action == "session.list" })
        #expect(list.actor.person == "nurse-7" && list.actor.uid == getuid() && list.actor.gid == getgid() && list.actor.pid != nil)
        guard case .object(let detail) = list.detail, case .array(let ids)? = detail["sessionIds"] else {
            Issue.record("session.list names no sessions: \(list.detail)")
            return
        }
        #expect(ids.contains(.string(session.id.uuidString)))
        let read = try #require(records.last { $0.action == "session.read" })
        #expect(read.actor.person == "clin-9" && read.entity?.patientId == "MRN-1001" && read.entity?.id == session.id.uuidString)
        let events = try #require(records.last { $0.action == "session.events.read" })
        #expect(events.actor.person == nil && events.actor.uid == getuid() && events.entity?.patientId == "MRN-1001")
        // Reading the trail is itself audited.
        #expect(try await Self.records(client).contains { $0.action == "audit.read" })
        #expect(await daemon.terminate() == 0)
    }

    /// The last progress report of a download, as the export's caller saw it.
    final class LastProgress: Sendable {
        let value = Mutex<(bytes: Int64, newlines: Int64, calls: Int)>((0, 0, 0))
    }

    @Test("an export's progress counts every record so far, across the many chunks of a large export")
    func exportProgressIsCumulative() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let session = try await daemon.client.startSession(Bedside.start())
        for _ in 0..<150 {
            _ = try await daemon.client.observe(sessionId: session.id, Bedside.observation(vitals: Bedside.baseline))
        }
        let path = "\(daemon.folder)/progress.jsonl"
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let last = LastProgress()
        _ = try await daemon.client.downloadAuditExport(format: "jsonl", into: handle) { bytes, newlines in
            last.value.withLock { $0 = (bytes, newlines, $0.calls + 1) }
        }
        try handle.close()
        let contents = try Data(contentsOf: URL(fileURLWithPath: path))
        let seen = last.value.withLock { $0 }
        #expect(seen.calls > 1, "the export should arrive in several chunks (\(contents.count) bytes)")
        #expect(seen.bytes == Int64(contents.count))
        #expect(seen.newlines == Int64(contents.filter { $0 == 0x0A }.count))
        #expect(await daemon.terminate() == 0)
    }
}
