import Foundation
import InfusionClient
import InfusionCore
#if canImport(Glibc)
import Glibc
#endif

/// A real `infusiond` started on a temporary socket, driven like a station, clinician or auditor would.
final class DaemonProcess: @unchecked Sendable {
    let folder: String
    let socketPath: String
    let configPath: String
    let logPath: String
    private(set) var process: Process?
    /// Extra environment for the daemon (e.g. NOTIFY_SOCKET, INFUSIOND_* overrides), on top of the test's own.
    var environment: [String: String] = [:]
    /// Extra arguments after `serve --config FILE` (e.g. `--confirm-restore`).
    var serveArguments: [String] = []

    /// The folder the package's binaries were built into (beside the test bundle).
    static let binaryFolder: String = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path,
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appending(path: ".build/debug").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: "\($0)/infusiond") } ?? candidates[1]
    }()

    /// Makes a fresh state folder with a short path (Unix socket paths must fit in 108 bytes).
    init(extraConfig: String = "") throws {
        folder = "/tmp/ie-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        socketPath = "\(folder)/d.sock"
        configPath = "\(folder)/infusiond.yaml"
        logPath = "\(folder)/daemon.log"
        try "stateDirectory: \(folder)/state\nsocketPath: \(socketPath)\nlogLevel: info\n\(extraConfig)"
            .write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    var client: InfusionClient { InfusionClient(socketPath: socketPath) }
    var databasePath: String { "\(folder)/state/infusion.sqlite" }

    /// Starts the daemon and waits until it answers `/v1/health`.
    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(Self.binaryFolder)/infusiond")
        process.arguments = ["serve", "--config", configPath] + serveArguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        // The last try comes after the deadline, so a poll that was itself held up on a busy machine still counts.
        let deadline = Date().addingTimeInterval(60)
        while true {
            if !process.isRunning {
                throw DaemonError("infusiond exited with \(process.terminationStatus) before serving:\n\(self.log)")
            }
            let pastDeadline = Date() >= deadline
            if (try? await client.health()) != nil { return }
            if pastDeadline { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw DaemonError("infusiond did not answer within 60 s:\n\(self.log)")
    }

    /// Sends SIGTERM and waits for the exit status (nil if it did not exit within the timeout).
    @discardableResult
    func terminate(timeout: TimeInterval = 10) async -> Int32? {
        guard let process else { return nil }
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        return process.terminationStatus
    }

    /// What the daemon wrote to stderr so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Runs `infusionctl` against this daemon and returns its exit code and output.
    func ctl(_ arguments: [String], socket: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await Self.run("\(Self.binaryFolder)/infusionctl", arguments + ["--socket", socket ?? socketPath])
    }

    /// Runs a program and collects its output. The wait happens on a dispatch thread, never on the test runner's
    /// few cooperative threads: blocking those stalls every other test's polling and fails them for nothing.
    static func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runBlocking(executable, arguments) })
            }
        }
    }

    /// The same, waiting on the calling thread: only for `defer` clean-ups, which cannot await.
    static func runBlocking(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Both pipes are drained at once: a program that fills one while the other is read would never finish.
        let stderrReader = DispatchGroup()
        nonisolated(unsafe) var stderr = Data()
        DispatchQueue.global().async(group: stderrReader) { stderr = err.fileHandleForReading.readDataToEndOfFile() }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        stderrReader.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: folder)
    }
}

struct DaemonError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Requests a station and a clinician send.
enum Bedside {
    static let baseline = Vitals(heartRateBpm: 72, systolicMmHg: 128, diastolicMmHg: 78, spo2Percent: 98,
                                 respiratoryRatePerMin: 14, qrsMs: 90, prMs: 160, rhythm: .sinus)

    static func start(patient: String = "MRN-1001", rate: Double = 1.0) -> StartSessionRequest {
        StartSessionRequest(
            patientId: patient, drug: .lidocaine, weightKg: 70, heightCm: 175, sex: .male, dosingWeight: .actual,
            bolus: BolusOrder(doseMgPerKg: 1.5, durationMin: 20), infusion: InfusionOrder(rateMgPerKgPerHour: rate),
            prescriber: "clin-017", recordedBy: "nurse-042", baseline: baseline)
    }

    static func observation(_ symptoms: [Symptom] = [], vitals: Vitals? = nil) -> ObservationRequest {
        ObservationRequest(observedAt: Date(), recordedBy: "nurse-042", vitals: vitals,
                           symptoms: symptoms.isEmpty ? nil : symptoms)
    }
}
