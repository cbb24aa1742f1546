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
    }

    private init(socketPath: String, process: Process, folder: String) {
        self.socketPath = socketPath
        self.process = process
        self.pid = process.processIdentifier
        self.folder = folder
    }

    /// Starts the `infusiond` that sits beside this executable with its state in a fresh temporary folder.
    static func start() async throws -> BenchDaemon {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appending(path: "infusiond").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("no infusiond beside infusion-bench at \(binary); build it (swift build -c release) or pass --socket")
        }
        let folder = "/tmp/ib-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let config = "\(folder)/infusiond.yaml"
        try "stateDirectory: \(folder)/state\nsocketPath: \(folder)/d.sock\nlogLevel: warning\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--config", config]
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let daemon = BenchDaemon(socketPath: "\(folder)/d.sock", process: process, folder: folder)
        let client = InfusionClient(socketPath: daemon.socketPath)
        for _ in 0..<300 {
            if (try? await client.health()) != nil { return daemon }
            try await Task.sleep(for: .milliseconds(100))
        }
        daemon.stop()
        throw BenchError("infusiond did not start within 30 s")
    }

    /// The daemon's peak resident set size so far (VmHWM), when its pid is known.
    var peakRSSBytes: Int? {
        guard let pid, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first
            return kilobytes.map { $0 * 1024 }
        }
        return nil
    }

    /// Stops a daemon this run started (SIGTERM, then waits) and removes its folder.
    func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        if let folder { try? FileManager.default.removeItem(atPath: folder) }
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
