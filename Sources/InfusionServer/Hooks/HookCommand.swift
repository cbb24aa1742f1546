import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs one hook command: the event as JSON on its standard input, killed if it outlives its timeout or the
/// daemon shuts down. Its standard output is discarded; its standard error goes to the daemon's log.
enum HookCommand {
    /// How a run ended.
    enum Outcome: Sendable, Hashable, CustomStringConvertible {
        case succeeded
        case exited(Int32)
        case killedBySignal(Int32)
        case timedOut(Duration)
        case cancelled
        case couldNotStart(String)

        var succeeded: Bool { self == .succeeded }

        var description: String {
            switch self {
            case .succeeded: "exited 0"
            case .exited(let status): "exited \(status)"
            case .killedBySignal(let signal): "killed by signal \(signal)"
            case .timedOut(let after): "still running after \(after.components.seconds) s; killed"
            case .cancelled: "killed because the daemon is shutting down"
            case .couldNotStart(let reason): "could not start: \(reason)"
            }
        }
    }

    /// Runs `command` (program and arguments) with `input` on standard input, waiting at most `timeout`.
    static func run(_ command: [String], input: Data, timeout: Duration) async -> Outcome {
        guard let program = command.first else { return .couldNotStart("no program given") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = Array(command.dropFirst())
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.standardError
        let (exits, exited) = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in
            exited.yield()
            exited.finish()
        }
        do {
            try process.run()
        } catch {
            return .couldNotStart(error.localizedDescription)
        }
        // A hook event is a few kilobytes, well under a pipe's buffer, so this write does not wait for the reader;
        // a hook that exits without reading gets EPIPE (SIGPIPE is ignored by the daemon), which is its business.
        try? stdin.fileHandleForWriting.write(contentsOf: input)
        try? stdin.fileHandleForWriting.close()

        enum Race: Sendable { case exited, timedOut, cancelled }
        let race = await withTaskGroup(of: Race.self) { group in
            group.addTask {
                for await _ in exits { return .exited }
                return Task.isCancelled ? .cancelled : .exited
            }
            group.addTask {
                do {
                    try await Task.sleep(for: timeout)
                    return .timedOut
                } catch {
                    return .cancelled
                }
            }
            let first = await group.next() ?? .cancelled
            group.cancelAll()
            return first
        }
        if race != .exited || process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            // SIGKILL cannot be ignored; the exit follows within moments.
            for _ in 0..<500 where process.isRunning { usleep(10_000) }
            return race == .timedOut ? .timedOut(timeout) : .cancelled
        }
        switch process.terminationReason {
        case .exit: return process.terminationStatus == 0 ? .succeeded : .exited(process.terminationStatus)
        case .uncaughtSignal: return .killedBySignal(process.terminationStatus)
        @unknown default: return .exited(process.terminationStatus)
        }
    }
}
