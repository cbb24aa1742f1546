import Foundation
import InfusionClient
#if canImport(Glibc)
import Glibc
#endif

/// The daemon under test: started here on a temporary socket, or an existing one.
final class BenchDaemon: @unchecked Sendable {
    let socketPath: String
    let pid: Int32?
    private let process: Process?
    private let folder: String?

    init(existingSocket: String, pid: Int32?) {
        socketPath = existingSocket
        self.pid = pid
        process = nil
        folder = nil
        ownsFolder = false
        log = nil
    }

    /// When this run launched the daemon, and when it first answered `GET /v1/health`.
    private(set) var launched: ContinuousClock.Instant?
    private(set) var healthy: ContinuousClock.Instant?
    /// The daemon's stderr lines with their arrival times, when captured.
    let log: DaemonLog?
    private let ownsFolder: Bool

    private init(socketPath: String, process: Process, folder: String, ownsFolder: Bool, log: DaemonLog?) {
        self.socketPath = socketPath
        self.process = process
        self.pid = process.processIdentifier
        self.folder = folder
        self.ownsFolder = ownsFolder
        self.log = log
    }

    /// Starts the `infusiond` that sits beside this executable and waits until it answers `GET /v1/health`
    /// (polled every 5 ms, so `healthy - launched` is the time to serving).
    ///
    /// - Parameters:
    ///   - folder: A folder holding (or to hold) `state/`, the config and the socket, kept afterwards; nil for a
    ///     fresh temporary one that ``stop()`` removes.
    ///   - logLevel: The daemon's log level.
    ///   - captureLog: Keep the daemon's stderr lines with their arrival times (otherwise they go to /dev/null).
    ///   - logFile: Write the daemon's stderr to this file instead (when not capturing).
    ///   - extraConfig: Top-level YAML sections added to the config (the `hl7:` listener of `infusion-bench hl7`).
    static func start(folder given: String? = nil, logLevel: String = "warning", captureLog: Bool = false,
                      logFile: String? = nil, extraConfig: String = "") async throws -> BenchDaemon {
        let binary = besideThisExecutable("infusiond")
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("no infusiond beside infusion-bench at \(binary); build it (swift build -c release) or pass --socket")
        }
        let folder = given ?? "/tmp/ib-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let config = "\(folder)/infusiond.yaml"
        // Every station runs as this one account: lift the per-account connection limit (default 64).
        try "stateDirectory: \(folder)/state\nsocketPath: \(folder)/d.sock\nlogLevel: \(logLevel)\nconnections:\n  maxConnectionsPerUser: 65536\n\(extraConfig)"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--config", config]
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        let clock = ContinuousClock()
        let log: DaemonLog?
        if captureLog {
            let pipe = Pipe()
            process.standardError = pipe
            log = DaemonLog(pipe: pipe, clock: clock)
        } else if let logFile {
            guard FileManager.default.createFile(atPath: logFile, contents: nil),
                  let handle = FileHandle(forWritingAtPath: logFile) else {
                throw BenchError("cannot write the daemon log \(logFile)")
            }
            process.standardError = handle
            log = nil
        } else {
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            log = nil
        }
        let launched = clock.now
        try process.run()
        let daemon = BenchDaemon(socketPath: "\(folder)/d.sock", process: process, folder: folder, ownsFolder: given == nil, log: log)
        daemon.launched = launched
        let client = InfusionClient(socketPath: daemon.socketPath, timeout: .seconds(5))
        while clock.now - launched < .seconds(600) {
            if (try? await client.health()) != nil {
                daemon.healthy = clock.now
                return daemon
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        daemon.stop()
        throw BenchError("infusiond did not start within 600 s (or exited: status \(process.isRunning ? "running" : "\(process.terminationStatus)"))\(log.map { "; its last lines: \($0.lines.suffix(5).map(\.text).joined(separator: " | "))" } ?? "")")
    }

    /// How the daemon ended, if a daemon this run started is no longer running.
    var exitDescription: String? {
        guard let process, !process.isRunning else { return nil }
        return process.terminationReason == .uncaughtSignal ? "killed by signal \(process.terminationStatus)"
            : "exited with status \(process.terminationStatus)"
    }

    /// The path of a binary built beside this one.
    static func besideThisExecutable(_ name: String) -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appending(path: name).path
    }

    /// The daemon's resident set size now (VmRSS), when its pid is known.
    var rssBytes: Int? { Self.status(pid, field: "VmRSS:") }

    /// The daemon's peak resident set size so far (VmHWM), when its pid is known.
    var peakRSSBytes: Int? { Self.status(pid, field: "VmHWM:") }

    private static func status(_ pid: Int32?, field: String) -> Int? {
        guard let pid, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field) {
            let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first
            return kilobytes.map { $0 * 1024 }
        }
        return nil
    }

    /// Stops a daemon this run started (SIGTERM, then waits) and removes its folder if it made it.
    func stop() {
        guard let process else { return }
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        log?.close()
        if ownsFolder, let folder { try? FileManager.default.removeItem(atPath: folder) }
    }
}

/// A daemon's stderr, line by line, each with the moment it arrived here.
final class DaemonLog: @unchecked Sendable {
    struct Line: Sendable {
        var at: ContinuousClock.Instant
        var text: String
    }

    private let lock = NSLock()
    private var collected: [Line] = []
    private var partial = Data()
    private let pipe: Pipe

    init(pipe: Pipe, clock: ContinuousClock) {
        self.pipe = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            let now = clock.now
            guard let self else { return }
            self.lock.lock()
            defer { self.lock.unlock() }
            if data.isEmpty {
                handle.readabilityHandler = nil
                return
            }
            self.partial.append(data)
            while let newline = self.partial.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: self.partial[self.partial.startIndex..<newline], as: UTF8.self)
                self.partial.removeSubrange(self.partial.startIndex...newline)
                self.collected.append(Line(at: now, text: line))
            }
        }
    }

    /// Every complete line so far.
    var lines: [Line] {
        lock.lock()
        defer { lock.unlock() }
        return collected
    }

    /// The first line containing `text`, if any.
    func first(containing text: String) -> Line? { lines.first { $0.text.contains(text) } }

    func close() {
        pipe.fileHandleForReading.readabilityHandler = nil
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Writes a progress line on stderr while the run goes.
final class Progress: @unchecked Sendable {
    private let total: Int
    private let lock = NSLock()
    private var done = 0
    private var lastPrinted = Date.distantPast

    private let isTerminal = isatty(STDERR_FILENO) == 1

    init(total: Int) { self.total = total }

    func advance() {
        lock.lock()
        done += 1
        let now = Date()
        // On a terminal the line redraws each second; in a log, one line per 10 %.
        let show = isTerminal ? (now.timeIntervalSince(lastPrinted) > 1 || done == total)
            : (done % max(1, total / 10) == 0 || done == total)
        if show { lastPrinted = now }
        let count = done
        lock.unlock()
        if show {
            let line = "posted \(count)/\(total) observations"
            FileHandle.standardError.write(Data((isTerminal ? "\r\(line)" : "\(line)\n").utf8))
            if count == total && isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }

    func note(_ text: String) {
        FileHandle.standardError.write(Data("\(text)\n".utf8))
    }
}

/// The machine a report was measured on.
enum Machine {
    static func describe() -> String {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let memory = Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
        var model = "unknown CPU"
        if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }) {
            model = line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? model
        }
        return "\(cores) cores, \(String(format: "%.0f", memory)) GiB, \(model)"
    }
}
