import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd about the daemon's state over `$NOTIFY_SOCKET` (the `sd_notify` protocol): `READY=1` once
/// migrations ran and the socket is bound, `WATCHDOG=1` while healthy, `RELOADING=1` around a reload and
/// `STOPPING=1` on shutdown. Without `$NOTIFY_SOCKET` (not under systemd) every call does nothing.
public final class SystemdNotifier: Sendable {
    /// Where messages go: a datagram socket path, or an abstract one written `@name`; nil when disabled.
    public let socketPath: String?
    /// How often systemd expects a watchdog ping (`$WATCHDOG_USEC`), or nil when the unit has no watchdog.
    public let watchdogInterval: Duration?
    private let sink: (@Sendable (String) -> Void)?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from the environment the daemon was started with.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        sink = nil
        watchdogInterval = Self.watchdogInterval(environment: environment, pid: getpid())
    }

    /// A notifier that hands each message to `sink` instead of a socket; for tests.
    public init(watchdogInterval: Duration?, sink: @escaping @Sendable (String) -> Void) {
        socketPath = nil
        self.watchdogInterval = watchdogInterval
        self.sink = sink
    }

    /// `WATCHDOG_USEC` when it is meant for this process (`WATCHDOG_PID` unset or equal to our pid).
    static func watchdogInterval(environment: [String: String], pid: pid_t) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = Int64(text), microseconds > 0 else { return nil }
        if let owner = environment["WATCHDOG_PID"], let ownerPid = pid_t(owner), ownerPid != pid { return nil }
        return .microseconds(microseconds)
    }

    /// Whether messages go anywhere.
    public var isEnabled: Bool { socketPath != nil || sink != nil }

    /// Startup is complete: migrations ran and the socket is bound and secured.
    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }

    /// The daemon is healthy; systemd restarts it when these stop for longer than `WatchdogSec`.
    public func watchdog() { send("WATCHDOG=1") }

    /// Graceful shutdown has begun.
    public func stopping() { send("STOPPING=1\nSTATUS=stopping") }

    /// A one-line status shown by `systemctl status`.
    public func status(_ text: String) { send("STATUS=\(text)") }

    /// Brackets a reload (SIGHUP): `RELOADING=1` with the monotonic time systemd asks for, then `READY=1` again
    /// whether the reload succeeded or was refused (a refused reload keeps the old rules, so the daemon is ready).
    public func reloading<T>(_ body: () async throws -> T) async rethrows -> T {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
        send("RELOADING=1\nSTATUS=reloading\nMONOTONIC_USEC=\(microseconds)")
        do {
            let result = try await body()
            ready(status: "serving (reloaded)")
            return result
        } catch {
            ready(status: "serving (reload refused, previous rules kept)")
            throw error
        }
    }

    /// Sends one notification; failures are ignored, as `sd_notify` callers do (systemd may be gone at shutdown).
    public func send(_ message: String) {
        if let sink {
            sink(message)
            return
        }
        guard let socketPath else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        let abstract = pathBytes.first == UInt8(ascii: "@")
        if abstract { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + pathBytes.count + (abstract ? 0 : 1))
        let bytes = Array(message.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeBytes { buffer in
                    sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
    }
}
