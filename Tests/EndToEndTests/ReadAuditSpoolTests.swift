import Foundation
import InfusionClient
import InfusionCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 15 item 12h over a real disk: a read served while the disk is full has its audit record kept in the
/// spool reserved at start, so a SIGKILL before space returns loses nothing; the next start writes it.
@Suite("Read audit on a full disk survives SIGKILL", .serialized)
struct ReadAuditSpoolTests {
    /// Whether this machine lets the test mount a tmpfs (root, and a mount namespace that allows it); tried once.
    static let tmpfsAllowed: Bool = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/mount") else { return false }
        let probe = "/tmp/ias-probe-\(UUID().uuidString.prefix(8).lowercased())"
        guard (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil else { return false }
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard (try? DaemonProcess.runBlocking("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe]))?.status == 0 else {
            return false
        }
        _ = try? DaemonProcess.runBlocking("/usr/bin/umount", [probe])
        return true
    }()

    @Test("a read served while the disk is full is still audited after a SIGKILL, with its original time",
          .enabled(if: tmpfsAllowed, "needs root and permission to mount a tmpfs"))
    func readAuditSurvivesKill() async throws {
        let daemon = try DaemonProcess()
        let volume = "\(daemon.folder)/vol"
        try FileManager.default.createDirectory(atPath: volume, withIntermediateDirectories: true)
        let mounted = try await DaemonProcess.run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=8m,mode=0750", "tmpfs", volume])
        try #require(mounted.status == 0, "mount -t tmpfs: \(mounted.stderr)")
        defer { _ = try? DaemonProcess.runBlocking("/usr/bin/umount", ["-l", volume]) }
        daemon.environment = ["INFUSIOND_STATE_DIRECTORY": volume]
        try await daemon.start()
        let client = daemon.client
        let session = try await client.startSession(Bedside.start())

        FullDiskTests.fill("\(volume)/filler")
        // Writes fail once the disk is full; a read after that is served with its record deferred.
        var full = false
        for _ in 0..<5 where !full {
            do {
                _ = try await client.observe(sessionId: session.id, Bedside.observation(vitals: Vitals(heartRateBpm: 75)))
            } catch InfusionClientError.problem(let problem) {
                full = problem.code == "storage.full"
            }
        }
        #expect(full)
        let readAt = Date()
        #expect(try await client.session(id: session.id).session.id == session.id)
        #expect(daemon.log.contains("its audit record is deferred"))

        // SIGKILL before any write succeeds again: only the reserved spool can have kept the record.
        if let pid = daemon.process?.processIdentifier { Glibc.kill(pid, SIGKILL) }
        _ = await daemon.terminate(timeout: 10)
        try FileManager.default.removeItem(atPath: "\(volume)/filler")
        try await daemon.start()
        let records = try await client.audit(after: 0, limit: 1000).records.map(\.record)
        let deferred = records.filter { record in
            guard record.action == "session.read", case .object(let detail) = record.detail else { return false }
            return detail["deferred"] == true
        }
        #expect(deferred.count == 1, "daemon log:\n\(daemon.log)")
        if let record = deferred.first, let time = WireJSON.parseTimestamp(record.time) {
            #expect(abs(time.timeIntervalSince(readAt)) < 5, "the record keeps the read's own time")
        }
        #expect(try await client.verifyAudit().ok)
        #expect(await daemon.terminate() == 0)
    }
}
