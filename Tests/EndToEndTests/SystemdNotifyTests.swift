import Foundation
import InfusionClient
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real daemon speaks sd_notify the way systemd's Type=notify expects: READY=1 only once the socket is bound
/// and answering, WATCHDOG=1 while healthy, STOPPING=1 on SIGTERM.
@Suite("systemd notifications from the real daemon")
struct SystemdNotifyTests {
    /// A datagram socket standing in for systemd's notification socket; a thread records each message and, at
    /// READY=1, whether the daemon's socket already accepted a connection.
    final class FakeSystemd: @unchecked Sendable {
        let path: String
        private let fd: Int32
        private let state = Mutex<(messages: [String], servingAtReady: Bool?, stopped: Bool)>(([], nil, false))

        init(path: String, daemonSocket: String) throws {
            self.path = path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard fd >= 0, bound == 0 else { throw DaemonError("cannot bind \(path)") }
            var timeout = timeval(tv_sec: 1, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let thread = Thread { [self] in self.receive(daemonSocket: daemonSocket) }
            thread.start()
        }

        private func receive(daemonSocket: String) {
            var buffer = [UInt8](repeating: 0, count: 4096)
            defer {
                close(fd)
                unlink(path)
            }
            while !state.withLock({ $0.stopped }) {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count < 0 {
                    if errno == EAGAIN || errno == EINTR { continue }
                    return
                }
                let message = String(decoding: buffer.prefix(count), as: UTF8.self)
                let serving = message.hasPrefix("READY=1") ? Self.accepts(daemonSocket) : nil
                state.withLock { state in
                    state.messages.append(message)
                    if let serving, state.servingAtReady == nil { state.servingAtReady = serving }
                }
            }
        }

        /// Whether something accepts connections on the Unix socket at `path` right now.
        static func accepts(_ path: String) -> Bool {
            let client = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(client) }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            } == 0
        }

        var messages: [String] { state.withLock { $0.messages } }
        var servingAtReady: Bool? { state.withLock { $0.servingAtReady } }

        /// Waits (up to a minute) until a message satisfies `condition`.
        func waitFor(_ what: String, _ condition: @escaping (String) -> Bool) async throws {
            let deadline = Date().addingTimeInterval(60)
            while !messages.contains(where: condition) {
                guard Date() < deadline else { throw DaemonError("no \(what) from the daemon; got \(messages)") }
                try await Task.sleep(for: .milliseconds(20))
            }
        }

        /// Ends the receiving thread (within a second) and removes the socket.
        func stop() { state.withLock { $0.stopped = true } }
    }

    @Test("READY=1 after the socket answers, WATCHDOG=1 pings, STOPPING=1 on SIGTERM")
    func lifecycle() async throws {
        let daemon = try DaemonProcess()
        let systemd = try FakeSystemd(path: "\(daemon.folder)/notify", daemonSocket: daemon.socketPath)
        defer { systemd.stop() }
        daemon.environment = ["NOTIFY_SOCKET": systemd.path, "WATCHDOG_USEC": "1000000"]
        try await daemon.start()
        try await systemd.waitFor("READY=1") { $0.hasPrefix("READY=1") }
        #expect(systemd.servingAtReady == true, "READY=1 came before the socket accepted connections")
        let ready = try #require(systemd.messages.first { $0.hasPrefix("READY=1") })
        #expect(ready.contains("STATUS=serving on \(daemon.socketPath)"))
        // STATUS lines before READY tell `systemctl status` what start-up is doing.
        #expect(systemd.messages.first?.hasPrefix("STATUS=") == true)
        try await systemd.waitFor("two WATCHDOG=1") { _ in systemd.messages.filter { $0 == "WATCHDOG=1" }.count >= 2 }
        #expect(await daemon.terminate() == 0)
        try await systemd.waitFor("STOPPING=1") { $0.hasPrefix("STOPPING=1") }
        let stopping = try #require(systemd.messages.firstIndex { $0.hasPrefix("STOPPING=1") })
        #expect(systemd.messages[stopping...].allSatisfy { !$0.hasPrefix("READY=1") })
    }

    @Test("without WATCHDOG_USEC there are no pings, but READY and STOPPING still go out")
    func noWatchdog() async throws {
        let daemon = try DaemonProcess()
        let systemd = try FakeSystemd(path: "\(daemon.folder)/notify", daemonSocket: daemon.socketPath)
        defer { systemd.stop() }
        daemon.environment = ["NOTIFY_SOCKET": systemd.path]
        try await daemon.start()
        try await systemd.waitFor("READY=1") { $0.hasPrefix("READY=1") }
        #expect(await daemon.terminate() == 0)
        try await systemd.waitFor("STOPPING=1") { $0.hasPrefix("STOPPING=1") }
        #expect(!systemd.messages.contains("WATCHDOG=1"))
    }
}
