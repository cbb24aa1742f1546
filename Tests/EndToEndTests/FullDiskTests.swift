import Foundation
import InfusionClient
import InfusionCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A full disk on a small tmpfs made for the test: writes are refused with `507 storage.full`, the daemon stays up
/// and keeps answering reads, nothing acknowledged is lost, and writes succeed again by themselves once space is
/// freed.
@Suite("Full disk", .serialized)
struct FullDiskTests {
    /// Mounts a tmpfs of `megabytes` at `path`; nil with the reason when this machine does not allow it.
    static func mountTmpfs(at path: String, megabytes: Int) async throws -> String? {
        guard getuid() == 0 else { return "needs root to mount a tmpfs (CI runs as root)" }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let result = try await DaemonProcess.run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0750", "tmpfs", path])
        return result.status == 0 ? nil : "mount -t tmpfs is not permitted here: \(result.stderr)"
    }

    /// Writes zeros into `path` until the file system refuses (ENOSPC); returns the bytes written.
    @discardableResult
    static func fill(_ path: String) -> Int {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0, count: 4096)
        var total = 0
        while true {
            let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            total += written
        }
        // The last partial page too.
        while write(fd, chunk, 1) == 1 { total += 1 }
        return total
    }

    /// Whether this machine lets the test mount a tmpfs: root, and a mount that works (a container may forbid it).
    static let canMountTmpfs: Bool = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/mount") else { return false }
        let probe = "/tmp/ie-mount-probe-\(UUID().uuidString.prefix(8).lowercased())"
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil,
              (try? DaemonProcess.runBlocking("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe]))?.status == 0
        else { return false }
        _ = try? DaemonProcess.runBlocking("/usr/bin/umount", [probe])
        return true
    }()

    @Test("refuses with 507 while full, keeps serving reads and alerts, recovers when space returns, loses nothing",
          .enabled(if: TestEnvironment.runs(canMountTmpfs), "needs root and permission to mount a tmpfs (CI runs as root)"))
    func fullDisk() async throws {
        let daemon = try DaemonProcess()
        let volume = "\(daemon.folder)/vol"
        if let reason = try await Self.mountTmpfs(at: volume, megabytes: 8) {
            Issue.record("cannot mount the test's tmpfs: \(reason)")
            return
        }
        defer { _ = try? DaemonProcess.runBlocking("/usr/bin/umount", ["-l", volume]) }
        daemon.environment = ["INFUSIOND_STATE_DIRECTORY": volume]
        try await daemon.start()
        let client = daemon.client
        let session = try await client.startSession(Bedside.start())
        var acknowledged: [UUID] = []
        for _ in 0..<5 {
            let observation = Bedside.observation(vitals: Vitals(heartRateBpm: 74))
            _ = try await client.observe(sessionId: session.id, observation)
            acknowledged.append(observation.eventId)
        }
        // A medium alert to keep serving while the disk is full.
        _ = try await client.observe(sessionId: session.id, Bedside.observation([.tinnitus]))

        Self.fill("\(volume)/filler")
        var refused: [ObservationRequest] = []
        for _ in 0..<3 {
            let observation = Bedside.observation(vitals: Vitals(heartRateBpm: 75))
            do {
                _ = try await client.observe(sessionId: session.id, observation)
                Issue.record("an observation was accepted on a full disk")
            } catch InfusionClientError.problem(let problem) {
                #expect(problem.status == 507)
                #expect(problem.code == "storage.full")
                #expect(problem.detail.contains("not stored"))
                refused.append(observation)
            }
        }

        // Still up: reads, alerts and health answer, and health says degraded.
        let health = try await client.health()
        #expect(health.status == "degraded")
        #expect(try await client.session(id: session.id).session.id == session.id)
        #expect(try await client.alerts(state: "active").contains { $0.sessionId == session.id })
        let metrics = try await client.send(method: "GET", path: "/metrics")
        #expect(metrics.bodyText.contains(#"infusiond_storage_faults_total{kind="full"}"#))
        #expect(daemon.process?.isRunning == true)
        #expect(daemon.log.split(separator: "\n").contains { $0.contains("error") && $0.contains("disk is full") })

        // Space returns: the same requests (same eventId) are accepted without restarting anything.
        try FileManager.default.removeItem(atPath: "\(volume)/filler")
        for observation in refused {
            let response = try await client.observe(sessionId: session.id, observation)
            #expect(response.event.id == observation.eventId)
            acknowledged.append(observation.eventId)
        }
        #expect(try await client.health().status == "ok")
        #expect(daemon.log.contains("database writes succeed again"))
        // The session read served while the disk was full was audited afterwards, with its original time.
        let records = try await client.audit(after: 0, limit: 1000).records.map(\.record)
        let deferred = records.filter { record in
            guard record.action == "session.read", case .object(let detail) = record.detail else { return false }
            return detail["deferred"] == true
        }
        #expect(deferred.count == 1)

        // Nothing acknowledged is lost, and it survives a restart; the audit chain verifies.
        #expect(await daemon.terminate() == 0)
        try await daemon.start()
        let stored = Set(try await client.events(sessionId: session.id).events.map(\.id))
        #expect(Set(acknowledged).isSubset(of: stored))
        #expect(try await client.verifyAudit().ok)
        #expect(await daemon.terminate() == 0)
    }
}
