import Foundation
import InfusionClient
import InfusionCore
import Testing

extension DaemonProcess {
    /// Replays every session the daemon knows and returns the reports that found a difference.
    func replayDifferences() async throws -> [ReplayReport] {
        var differing: [ReplayReport] = []
        for session in try await client.listSessions(state: "all") {
            let report = try await client.replay(sessionId: session.id)
            if !report.identical { differing.append(report) }
        }
        return differing
    }

    /// Waits until `condition` returns a value, checking every 100 ms, or fails after `timeout`.
    func eventually<T>(within timeout: Duration = .seconds(20), _ what: String, _ condition: () async throws -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let value = try await condition() { return value }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw DaemonError("\(what) did not happen within \(timeout):\n\(log.suffix(4000))")
    }

    /// Starts a program in the background with its output collected to files; the caller waits for it.
    static func spawn(_ executable: String, _ arguments: [String], in folder: String) throws -> (process: Process, stdout: String, stderr: String) {
        let name = UUID().uuidString.prefix(8)
        let stdout = "\(folder)/\(name).out"
        let stderr = "\(folder)/\(name).err"
        FileManager.default.createFile(atPath: stdout, contents: nil)
        FileManager.default.createFile(atPath: stderr, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, stdout, stderr)
    }

    /// Waits for a spawned program to exit; nil if it is still running after `timeout` (it is then killed).
    static func wait(for process: Process, timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        return process.terminationStatus
    }

    /// A profiles folder holding the shipped lidocaine profile with its `schedule` section replaced, so a test can
    /// run the observation schedule in seconds.
    static func profilesFolder(in folder: String, schedule: String) throws -> String {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "config/profiles/lidocaine.yaml")
        var lines: [String] = []
        var skipping = false
        for line in try String(contentsOf: shipped, encoding: .utf8).components(separatedBy: "\n") {
            let topLevel = !line.isEmpty && !line.hasPrefix(" ") && !line.hasPrefix("#")
            if topLevel { skipping = line.hasPrefix("schedule:") }
            if !skipping { lines.append(line) }
        }
        let profiles = "\(folder)/profiles"
        try FileManager.default.createDirectory(atPath: profiles, withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n" + schedule).write(toFile: "\(profiles)/lidocaine.yaml", atomically: true, encoding: .utf8)
        return profiles
    }
}

/// Collects what an alert stream delivers, for a test to look at while the stream runs.
actor StreamRecorder {
    private(set) var events: [AlertEvent] = []
    private(set) var heartbeats = 0
    private(set) var openedAfter: Int64?
    private(set) var systemAlerts: [SystemAlert] = []
    private(set) var ended = false
    private(set) var failure: (any Error)?

    func record(_ item: AlertStreamItem) {
        switch item {
        case .event(let event): events.append(event)
        case .heartbeat: heartbeats += 1
        case .opened(let after): openedAfter = after
        case .system(let alert): systemAlerts.append(alert)
        }
    }

    func finish(_ error: (any Error)?) {
        ended = true
        failure = error
    }

    /// Reads a stream into the recorder until it ends.
    static func follow(_ stream: AsyncThrowingStream<AlertStreamItem, any Error>, into recorder: StreamRecorder) -> Task<Void, Never> {
        Task {
            do {
                for try await item in stream { await recorder.record(item) }
                await recorder.finish(nil)
            } catch {
                await recorder.finish(error)
            }
        }
    }
}
