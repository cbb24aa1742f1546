import Foundation
import Histogram
import InfusionClient
import InfusionCore
#if canImport(Glibc)
import Glibc
#endif

/// PCD-01 over MLLP against the JSON observation route, in one daemon: one open session per connection for each
/// route, then each route driven for the same time by the same number of connections, one message in flight per
/// connection, with the same normal vitals; then every session's log is read back to check that each
/// acknowledged message or observation was stored exactly once.
struct HL7Run {
    let daemon: BenchDaemon
    let port: Int
    let connections: Int
    let duration: Duration

    /// The `hl7:` section for a daemon listening on `port`, taking this bench's sender from loopback.
    static func configuration(port: Int) -> String {
        // maxConnectionsPerAddress: every sender comes from 127.0.0.1, and the default (8) leaves no room for one
        // reconnect while the old connection is still being closed.
        """
        hl7:
          listen: 127.0.0.1:\(port)
          maxConnectionsPerAddress: 64
          senders:
            - {application: \(PCD01MessageBuilder.application), facility: \(PCD01MessageBuilder.facility), from: [127.0.0.1], station: bench-monitor-gw}

        """
    }

    func run(progress: Progress) async throws -> HL7Report {
        let client = InfusionClient(socketPath: daemon.socketPath)
        let sessionIds = try await LoadRun.openSessions(2 * connections, client: client, concurrency: connections, progress: progress)
        let hl7Sessions = Array(sessionIds.prefix(connections))
        let jsonSessions = Array(sessionIds.suffix(connections))
        progress.note("opened \(2 * connections) sessions (patients BENCH-0…BENCH-\(2 * connections - 1)); each route gets \(connections)")

        var hl7 = try await measure("hl7", progress: progress) { live, deadline in
            try await mllpSenders(live: live, deadline: deadline)
        }
        var json = try await measure("json", progress: progress) { live, deadline in
            try await jsonStations(client: client, sessions: jsonSessions, live: live, deadline: deadline)
        }
        hl7.stored = try await storedObservations(client, sessions: hl7Sessions, expected: hl7.perConnection)
        json.stored = try await storedObservations(client, sessions: jsonSessions, expected: json.perConnection)
        return HL7Report(connections: connections, phaseSeconds: seconds(duration), hl7: hl7, json: json,
                         daemonPeakRSSBytes: daemon.peakRSSBytes, machine: Machine.describe())
    }

    /// Runs one route for `duration`, with its CPU and the machine's load around it and a progress line every 5 s.
    private func measure(
        _ route: String, progress: Progress,
        drive: (LiveCount, ContinuousClock.Instant) async throws -> [ConnectionTally]
    ) async throws -> RoutePhase {
        let live = LiveCount()
        let clock = ContinuousClock()
        let loadBefore = ProcessCPU.loadAverage()
        let daemonBefore = ProcessCPU.seconds(daemon.pid)
        let benchBefore = ProcessCPU.seconds(nil)
        let started = clock.now
        let ticker = Task {
            while (try? await Task.sleep(for: .seconds(5))) != nil {
                let elapsed = seconds(clock.now - started)
                progress.note("\(route): \(Int(elapsed)) s, \(live.value) acknowledged (\(Int(Double(live.value) / max(elapsed, 0.001)))/s)")
            }
        }
        defer { ticker.cancel() }
        let tallies = try await drive(live, started + duration)
        let elapsed = seconds(clock.now - started)
        var phase = RoutePhase(route: route, connections: connections, seconds: elapsed, perConnection: tallies.map(\.acknowledged))
        for tally in tallies { phase.latency.add(tally.latency) }
        if let before = daemonBefore, let after = ProcessCPU.seconds(daemon.pid) { phase.daemonCPUSeconds = after - before }
        if let before = benchBefore, let after = ProcessCPU.seconds(nil) { phase.benchCPUSeconds = after - before }
        phase.loadAverage = [loadBefore, ProcessCPU.loadAverage()]
        progress.note("\(route): \(phase.acknowledged) acknowledged in \(String(format: "%.1f", elapsed)) s, \(String(format: "%.0f", phase.perSecond))/s")
        return phase
    }

    /// The MLLP senders, each on its own connection and thread, counting AA answers until `deadline`.
    private func mllpSenders(live: LiveCount, deadline: ContinuousClock.Instant) async throws -> [ConnectionTally] {
        let runTag = "B" + String(UInt32.random(in: 0...UInt32.max), radix: 36, uppercase: true)
        let port = self.port
        // Connected before the clock's deadline matters: connection set-up is not part of the measured work.
        let opened = try (0..<connections).map { _ in UncheckedConnection(try MLLPConnection(host: "127.0.0.1", port: port)) }
        let stop = LiveCount()
        return try await BlockingThreads.run(connections) { sender in
            var builder = PCD01MessageBuilder(runTag: runTag, sender: sender, patientId: "BENCH-\(sender)")
            var tally = ConnectionTally()
            let clock = ContinuousClock()
            do {
                while clock.now < deadline, stop.value == 0 {
                    let (text, controlId) = builder.next(now: Date())
                    let sent = clock.now
                    let answer = try opened[sender].connection.exchange(Array(text.utf8))
                    try PCD01Acknowledgement.requireAccepted(answer, controlId: controlId)
                    tally.record(microseconds(clock.now - sent))
                    live.add()
                }
            } catch {
                stop.add()
                throw error
            }
            return tally
        }
    }

    /// The JSON route's stations: one session each, one observation in flight each, until `deadline`.
    private func jsonStations(client: InfusionClient, sessions: [UUID], live: LiveCount,
                              deadline: ContinuousClock.Instant) async throws -> [ConnectionTally] {
        try await withThrowingTaskGroup(of: (Int, ConnectionTally).self) { group in
            for station in 0..<connections {
                group.addTask {
                    var tally = ConnectionTally()
                    let clock = ContinuousClock()
                    var sequence = 0
                    while clock.now < deadline {
                        sequence += 1
                        // The vitals the MLLP sender of the same number sends, as a monitor feed, so the clinical
                        // work is the same and only the way in differs.
                        var observation = ObservationRequest(observedAt: Date(), recordedBy: "nurse-bench-\(station)",
                                                             vitals: PCD01MessageBuilder.normalVitals(sequence, sender: station))
                        observation.feedId = "bench-feed-\(station)"
                        let sent = clock.now
                        _ = try await client.observe(sessionId: sessions[station], observation)
                        tally.record(microseconds(clock.now - sent))
                        live.add()
                    }
                    return (station, tally)
                }
            }
            var tallies = [ConnectionTally](repeating: ConnectionTally(), count: connections)
            for try await (station, tally) in group { tallies[station] = tally }
            return tallies
        }
    }

    /// The observations stored in each session, checked against what each connection had acknowledged.
    private func storedObservations(_ client: InfusionClient, sessions: [UUID], expected: [Int]) async throws -> Int {
        var total = 0
        for (index, session) in sessions.enumerated() {
            let stored = try await client.events(sessionId: session).events.filter { $0.kind == .observation }.count
            guard stored == expected[index] else {
                throw BenchError("session \(session) holds \(stored) observations; its connection had \(expected[index]) acknowledged")
            }
            total += stored
        }
        return total
    }

    /// A loopback port nobody listens on now (the kernel's choice for port 0, released at once).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw BenchError("cannot find a free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// What one connection acknowledged and how long each took.
struct ConnectionTally: Sendable {
    var acknowledged = 0
    var latency = Histogram<UInt64>.latencyMicroseconds()

    mutating func record(_ microseconds: UInt64) {
        acknowledged += 1
        latency.record(microseconds)
    }
}

/// A count several threads add to.
final class LiveCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func add() { lock.withLock { count += 1 } }
}

/// A connection handed to the one thread that uses it.
struct UncheckedConnection: @unchecked Sendable {
    let connection: MLLPConnection
    init(_ connection: MLLPConnection) { self.connection = connection }
}

/// Runs blocking work on threads of its own, one per index, and waits for all of them.
enum BlockingThreads {
    /// The results in index order; the first error, if any thread threw, after every thread has ended.
    static func run<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) throws -> T) async throws -> [T] {
        let results = ResultBox<T>(count)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let group = DispatchGroup()
            for index in 0..<count {
                group.enter()
                Thread {
                    results.set(index, Result { try body(index) })
                    group.leave()
                }.start()
            }
            group.notify(queue: .global()) { continuation.resume() }
        }
        return try results.values.map { try $0.get() }
    }

    private final class ResultBox<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [Result<T, any Error>?]
        init(_ count: Int) { stored = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ result: Result<T, any Error>) { lock.withLock { stored[index] = result } }
        var values: [Result<T, any Error>] {
            lock.withLock { stored.map { $0 ?? .failure(BenchError("a sender thread ended without a result")) } }
        }
    }
}
