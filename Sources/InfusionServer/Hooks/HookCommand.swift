import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs one hook command: the notice as JSON on its standard input, its standard output discarded, its standard
/// error going to the daemon's log.
///
/// The command runs in a process group of its own. The timeout covers the whole run, writing its input included
/// (the input is written from another thread while the clock runs, so a hook that never reads cannot stretch it).
/// When the command ends, times out or the daemon shuts down, the whole group is killed, so nothing the hook left
/// running in the background survives it; the command itself is always reaped.
enum HookCommand {
    /// How a run ended.
    enum Outcome: Sendable, Hashable, CustomStringConvertible {
        case succeeded
        case exited(Int32)
        case killedBySignal(Int32)
        case timedOut(Duration)
        case cancelled
        case couldNotStart(String)
        /// Something else reaped the hook, so how it ended is unknown.
        case statusLost

        var succeeded: Bool { self == .succeeded }

        var description: String {
            switch self {
            case .succeeded: "exited 0"
            case .exited(let status): "exited \(status)"
            case .killedBySignal(let signal): "killed by signal \(signal)"
            case .timedOut(let after): "still running after \(Self.seconds(after)) s; killed"
            case .cancelled: "killed because the daemon is shutting down"
            case .couldNotStart(let reason): "could not start: \(reason)"
            case .statusLost: "its exit status was lost"
            }
        }

        private static func seconds(_ duration: Duration) -> String {
            let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            return value == value.rounded() ? String(Int64(value)) : String(format: "%.1f", value)
        }
    }

    /// A finished run: how it ended and how long the hook ran (from its start until it was seen to exit).
    struct Run: Sendable, Hashable {
        var outcome: Outcome
        var duration: Duration
    }

    /// Runs `command` (program and arguments) with `input` on standard input and `environment` added to the
    /// daemon's own, waiting at most `timeout` in all.
    static func run(_ command: [String], input: Data, timeout: Duration, environment: [String: String] = [:]) async -> Outcome {
        await execute(command, input: input, timeout: timeout, environment: environment).outcome
    }

    /// ``run(_:input:timeout:environment:)`` with the time the hook ran.
    ///
    /// The deadline is kept by the thread that waits for the hook, not by a task: a hook is killed on time, and a
    /// hook that exited in time counts as such, however busy the daemon's tasks are.
    static func execute(_ command: [String], input: Data, timeout: Duration, environment: [String: String] = [:]) async -> Run {
        guard let program = command.first else { return Run(outcome: .couldNotStart("no program given"), duration: .zero) }
        let started = ContinuousClock.now
        let child: SpawnedChild
        do {
            child = try SpawnedChild.spawn(program: program, arguments: command,
                                           environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
        } catch {
            return Run(outcome: .couldNotStart("\(error)"), duration: .zero)
        }
        let writer = InputWriter(fd: child.input, data: input)
        writer.start()
        let exit = await withTaskCancellationHandler {
            await child.waitForExit(deadline: started + timeout)
        } onCancel: {
            child.cancel()
        }
        // The hook has exited but is not reaped yet, so its pid (the group's id) cannot have been reused: whatever
        // is left in the group is the hook's own background work, and goes with it.
        child.killGroup()
        let ending = child.reap()
        writer.stop()
        let duration = exit.at - started
        if child.wasCancelled { return Run(outcome: .cancelled, duration: duration) }
        if exit.timedOut { return Run(outcome: .timedOut(timeout), duration: duration) }
        switch ending {
        case .exited(let status): return Run(outcome: status == 0 ? .succeeded : .exited(status), duration: duration)
        case .signalled(let signal): return Run(outcome: .killedBySignal(signal), duration: duration)
        case .lost: return Run(outcome: .statusLost, duration: duration)
        }
    }
}

/// A child started with `posix_spawn` in its own process group, with a pipe on its standard input.
private final class SpawnedChild: Sendable {
    let pid: pid_t
    /// The write end of the child's standard input.
    let input: Int32
    /// Guards signalling against reaping, so no signal can reach a process that reused the pid.
    private let state = Mutex<(reaped: Bool, cancelled: Bool)>((false, false))

    private init(pid: pid_t, input: Int32) {
        self.pid = pid
        self.input = input
    }

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    static func spawn(program: String, arguments: [String], environment: [String: String]) throws -> SpawnedChild {
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { throw SpawnError(description: String(cString: strerror(errno))) }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        // Neither end may leak into another child the daemon starts; the hook gets the read end through dup2.
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        defer { close(readEnd) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, readEnd, STDIN_FILENO)
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)
        // Nothing else of the daemon's (database, socket, client connections) is handed to the hook.
        closeFrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group (id = its pid), default signal handling (the daemon ignores SIGPIPE) and no
        // blocked signals.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, program, &actions, &attributes, argv, envp)
        guard result == 0 else {
            close(writeEnd)
            throw SpawnError(description: "\(program): \(String(cString: strerror(result)))")
        }
        _ = fcntl(writeEnd, F_SETFL, fcntl(writeEnd, F_GETFL) | O_NONBLOCK)
        return SpawnedChild(pid: pid, input: writeEnd)
    }

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34) when present; otherwise each descriptor open now.
    private static func closeFrom(_ actions: inout posix_spawn_file_actions_t, _ lowest: Int32) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
            if closeFrom(&actions, lowest) == 0 { return }
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap(Int32.init) where fd >= lowest {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
    }

    /// Returns once the child has exited, leaving it unreaped (a zombie holds on to its pid and process group id),
    /// with when that was seen and whether the deadline killed it. The wait runs on a thread of its own: not one
    /// of the few cooperative threads, and not a dispatch worker, whose pool grows only slowly when its threads
    /// block. It looks every 5 ms, so the deadline is kept to within that.
    func waitForExit(deadline: ContinuousClock.Instant) async -> (at: ContinuousClock.Instant, timedOut: Bool) {
        await withCheckedContinuation { continuation in
            let thread = Thread { [self] in
                var timedOut = false
                while true {
                    var info = siginfo_t()
                    let result = waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT | WNOHANG)
                    if result == 0 && info._sifields._sigchld.si_pid == pid { break }
                    if result != 0 && errno != EINTR { break }
                    if ContinuousClock.now >= deadline {
                        timedOut = true
                        killGroup()
                        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
                        break
                    }
                    usleep(5_000)
                }
                continuation.resume(returning: (ContinuousClock.now, timedOut))
            }
            thread.start()
        }
    }

    /// Kills the child and its group because the daemon is shutting down.
    func cancel() {
        state.withLock { $0.cancelled = true }
        killGroup()
    }

    /// Whether ``cancel()`` was called.
    var wasCancelled: Bool { state.withLock { $0.cancelled } }

    /// SIGKILL to every process in the child's group, and to the child itself in case it moved to another group;
    /// nothing once the child is reaped, when either id could belong to someone else.
    func killGroup() {
        state.withLock { state in
            guard !state.reaped else { return }
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
    }

    /// How the child ended.
    enum Ending {
        case exited(Int32)
        case signalled(Int32)
        case lost
    }

    /// Reaps the exited child.
    func reap() -> Ending {
        var status: Int32 = 0
        let reaped = state.withLock { state in
            var result: pid_t
            repeat { result = waitpid(pid, &status, 0) } while result == -1 && errno == EINTR
            state.reaped = true
            return result == pid
        }
        guard reaped else { return .lost }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import.
        return status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signalled(status & 0x7f)
    }
}

/// Writes a hook's input on a thread of its own, so the timeout runs while it is written; ends when everything is
/// written, when the reader is gone (EPIPE) or when told to stop, and closes the pipe.
private final class InputWriter: Sendable {
    private let fd: Int32
    private let data: Data
    private let stopped = Atomic<Bool>(false)

    init(fd: Int32, data: Data) {
        self.fd = fd
        self.data = data
    }

    func start() {
        let thread = Thread { [self] in write() }
        thread.start()
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    private func write() {
        defer { close(fd) }
        // A hook that exits without reading makes the write fail with EPIPE; blocked on this thread, the SIGPIPE
        // that comes with it stays pending here and is discarded when the thread ends, instead of ending the daemon.
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count && !stopped.load(ordering: .relaxed) {
                let written = Glibc.write(fd, base + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && (errno == EAGAIN || errno == EINTR) {
                    var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&poller, 1, 50)
                } else {
                    return
                }
            }
        }
    }
}
