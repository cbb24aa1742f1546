import Foundation
import GRDB
import InfusionServer
import InfusionStore
import Logging
import ServiceLifecycle
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// sd_notify messages and the watchdog that stops pinging when the database is stuck.
@Suite("systemd notifications and watchdog")
struct SystemdTests {
    /// Collects the messages a notifier sends.
    final class Recorder: Sendable {
        let messages = Mutex<[String]>([])
        var all: [String] { messages.withLock { $0 } }
        func record(_ message: String) { messages.withLock { $0.append(message) } }
    }

    @Test("WATCHDOG_USEC is used only when WATCHDOG_PID is unset or ours", arguments: [
        (["WATCHDOG_USEC": "30000000"], Duration?.some(.seconds(30))),
        (["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())"], .seconds(30)),
        (["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"], nil),
        (["WATCHDOG_USEC": "0"], nil),
        (["WATCHDOG_USEC": "soon"], nil),
        ([:], nil),
    ])
    func watchdogInterval(environment: [String: String], expected: Duration?) {
        #expect(SystemdNotifier(environment: environment).watchdogInterval == expected)
    }

    @Test("without NOTIFY_SOCKET nothing is sent")
    func disabled() {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isEnabled)
        notifier.ready(status: "x")
    }

    @Test("messages reach a datagram socket, by path and in the abstract namespace", arguments: [false, true])
    func datagram(abstract: Bool) throws {
        let name = "/tmp/ie-notify-\(UUID().uuidString.prefix(8))"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        defer {
            close(fd)
            unlink(name)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(name.utf8)
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + bytes.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        try #require(bound == 0)
        let path = abstract ? "@" + name.dropFirst() : name
        SystemdNotifier(environment: ["NOTIFY_SOCKET": String(path)]).ready(status: "serving")
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        #expect(count > 0)
        #expect(String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self) == "READY=1\nSTATUS=serving")
    }

    @Test("a reload is bracketed by RELOADING=1 and READY=1, also when it is refused")
    func reloading() async throws {
        let recorder = Recorder()
        let notifier = SystemdNotifier(watchdogInterval: nil, sink: recorder.record)
        let value = await notifier.reloading { 42 }
        #expect(value == 42)
        struct Refused: Error {}
        await #expect(throws: Refused.self) { try await notifier.reloading { throw Refused() } }
        let messages = recorder.all
        #expect(messages.count == 4)
        #expect(messages[0].hasPrefix("RELOADING=1\n") && messages[0].contains("MONOTONIC_USEC="))
        #expect(messages[1].hasPrefix("READY=1"))
        #expect(messages[2].hasPrefix("RELOADING=1\n"))
        #expect(messages[3].hasPrefix("READY=1") && messages[3].contains("refused"))
    }

    /// The watchdog's outcomes in order.
    final class OutcomeLog: Sendable {
        private let items = Mutex<[SystemdWatchdog.Outcome]>([])
        var all: [SystemdWatchdog.Outcome] { items.withLock { $0 } }
        var count: Int { items.withLock { $0.count } }
        func append(_ outcome: SystemdWatchdog.Outcome) { items.withLock { $0.append(outcome) } }
    }

    /// Waits (generously) until `condition` holds for the outcomes so far.
    static func waitFor(_ outcomes: OutcomeLog, _ what: String,
                        _ condition: ([SystemdWatchdog.Outcome]) -> Bool) async throws {
        // Generous: a whole test run on two cores can hold the process's threads for tens of seconds.
        let deadline = ContinuousClock.now + .seconds(150)
        while !condition(outcomes.all) {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    @Test("pings stop while the database writer is stuck, resume when it answers, and STOPPING=1 ends it")
    func watchdogFollowsTheDatabase() async throws {
        let store = ClinicalStore(database: try ClinicalDatabase())
        let recorder = Recorder()
        let outcomes = OutcomeLog()
        let notifier = SystemdNotifier(watchdogInterval: .milliseconds(200), sink: recorder.record)
        let watchdog = SystemdWatchdog(
            notifier: notifier, interval: .milliseconds(200), logger: Logger(label: "test"),
            probe: { try await store.probeWriter() }, onOutcome: { outcomes.append($0) })
        let group = ServiceGroup(configuration: .init(services: [watchdog], logger: Logger(label: "test")))
        let running = Task { try await group.run() }

        try await Self.waitFor(outcomes, "two pings") { $0.filter { $0 == .pinged }.count >= 2 }

        // Hold the writer: a write transaction that does not end until released.
        let release = DispatchSemaphore(value: 0)
        let held = DispatchSemaphore(value: 0)
        let stuck = Task {
            try await store.database.writer.write { _ in
                held.signal()
                release.wait()
            }
        }
        held.wait()
        let before = outcomes.count
        try await Self.waitFor(outcomes, "three withheld pings") { $0.dropFirst(before).filter { $0 == .withheld }.count >= 3 }
        let whileStuck = Array(outcomes.all.dropFirst(before))
        // At most the pings already earned before the hold; none after the first withheld one.
        let firstWithheld = try #require(whileStuck.firstIndex(of: .withheld))
        #expect(!whileStuck[firstWithheld...].contains(.pinged))

        release.signal()
        try await stuck.value
        let afterRelease = outcomes.count
        try await Self.waitFor(outcomes, "a ping after release") { $0.dropFirst(afterRelease).contains(.pinged) }

        await group.triggerGracefulShutdown()
        try await running.value
        #expect(recorder.all.last == "STOPPING=1\nSTATUS=stopping")
        #expect(recorder.all.contains("WATCHDOG=1"))
    }
}
