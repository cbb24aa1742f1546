import Foundation
import InfusionClient
import InfusionCore

/// `--scenario restart`: time to serving again with open sessions and (a) no other history, (b) a long stored
/// history, each restarted several times, alternately, so both see the same machine.
///
/// The daemon checks its database (`PRAGMA quick_check`) in the background once it serves, so the start is timed
/// without it (launch → health, launch → first observation); after those, each run waits for the check's pass line
/// and reports when it came and the duration the daemon logged, separately.
struct RestartRun {
    let openSessions: Int
    let storedEvents: Int
    let runs: Int
    let stations: Int
    let workFolder: String?
    let keep: Bool

    /// Log lines that mark the end of a start-up step, in the order the daemon writes them.
    static let milestones: [(key: String, text: String)] = [
        ("databaseReady", "database ready"),
        ("signingKeyLoaded", "audit signing key"),
        ("serving", "] serving"),
    ]

    /// The background integrity check's pass line, which comes after serving.
    static let quickCheckLine = "database passed quick_check"
    /// How long a run waits for that line after its measurements.
    static let quickCheckWait: Duration = .seconds(300)

    func run() async throws -> RestartReport {
        let work = workFolder ?? "/tmp/ib-restart-\(UUID().uuidString.prefix(8).lowercased())"
        let folders = ["a": "\(work)/a", "b": "\(work)/b"]
        for folder in folders.values {
            guard !FileManager.default.fileExists(atPath: folder) else {
                throw BenchError("\(folder) exists; give a fresh --work-folder")
            }
            try FileManager.default.createDirectory(atPath: "\(folder)/state", withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o750])
        }
        defer { if !keep { try? FileManager.default.removeItem(atPath: work) } }
        let progress = Progress(total: 0)
        var report = RestartReport(openSessions: openSessions, storedEvents: storedEvents, runs: runs, machine: Machine.describe())

        // (b)'s history first, so both states' open sessions are opened together just before the timed restarts
        // (open sessions fall due for observations 15 minutes after their start; none may be overdue in any run).
        let clock = ContinuousClock()
        let fixtureStarted = clock.now
        let database = "\(folders["b"]!)/state/infusion.sqlite"
        report.closedSessions = try HistoryFixture(path: database, events: storedEvents).write(progress: progress)
        report.fixtureSeconds = seconds(clock.now - fixtureStarted)

        var sessionIds: [String: [UUID]] = [:]
        for name in ["a", "b"] {
            let daemon = try await BenchDaemon.start(folder: folders[name]!, logLevel: "debug", captureLog: true)
            var first = Self.timing(daemon, firstObservation: nil)
            if name == "b" {
                await Self.waitForQuickCheck(daemon, into: &first)
                report.firstStartAfterFixture = first
            }
            progress.note("state (\(name)): first start served after \(String(format: "%.3f", first.toHealthSeconds)) s; opening \(openSessions) sessions")
            do {
                sessionIds[name] = try await LoadRun.openSessions(openSessions, client: InfusionClient(socketPath: daemon.socketPath),
                                                                  concurrency: stations, progress: progress)
            } catch {
                daemon.stop()
                throw error
            }
            daemon.stop()
        }
        report.databaseBytes = ["a": Self.size("\(folders["a"]!)/state/infusion.sqlite"), "b": Self.size(database)]

        var timings: [String: [RestartTiming]] = ["a": [], "b": []]
        for run in 0..<runs {
            for name in ["a", "b"] {
                let daemon = try await BenchDaemon.start(folder: folders[name]!, logLevel: "debug", captureLog: true)
                let client = InfusionClient(socketPath: daemon.socketPath)
                let ids = sessionIds[name]!
                let observation = Workload(symptomPercent: 0).observation(run, station: 0)
                var accepted: ContinuousClock.Instant?
                do {
                    _ = try await client.observe(sessionId: ids[run % ids.count], observation)
                    accepted = clock.now
                } catch {
                    progress.note("state (\(name)) run \(run + 1): the first observation was refused: \(error)")
                }
                var timing = Self.timing(daemon, firstObservation: accepted)
                await Self.waitForQuickCheck(daemon, into: &timing)
                daemon.stop()
                timings[name]!.append(timing)
                progress.note("state (\(name)) run \(run + 1)/\(runs): health after \(String(format: "%.3f", timing.toHealthSeconds)) s, first observation after \(timing.toFirstObservationSeconds.map { String(format: "%.3f", $0) } ?? "–") s, quick_check passed after \(timing.quickCheckDoneSeconds.map { String(format: "%.3f", $0) } ?? "–") s")
            }
        }
        report.emptyHistory = RestartSummary(timings["a"]!)
        report.storedHistory = RestartSummary(timings["b"]!)

        progress.note("infusionctl audit verify --db \(database)")
        let verifyStarted = clock.now
        let (status, output) = try Self.runTool(BenchDaemon.besideThisExecutable("infusionctl"), ["audit", "verify", "--db", database])
        report.auditVerifySeconds = seconds(clock.now - verifyStarted)
        report.auditVerified = status == 0
        report.auditVerifyOutput = output.trimmingCharacters(in: .whitespacesAndNewlines)
        if keep { report.keptFolder = work }
        return report
    }

    /// The daemon's start timings so far: launch → health, launch → first observation, launch → each milestone.
    static func timing(_ daemon: BenchDaemon, firstObservation: ContinuousClock.Instant?) -> RestartTiming {
        let launched = daemon.launched!
        var steps: [String: Double] = [:]
        let lines = daemon.log?.lines ?? []
        for (key, text) in milestones {
            if let line = lines.first(where: { $0.text.contains(text) }) { steps[key] = seconds(line.at - launched) }
        }
        var timing = RestartTiming(toHealthSeconds: seconds(daemon.healthy! - launched),
                                   toFirstObservationSeconds: firstObservation.map { seconds($0 - launched) },
                                   logMilestonesSeconds: steps)
        timing.noteQuickCheck(in: lines, launched: launched)
        return timing
    }

    /// Waits, after a run's measurements, for the background integrity check's pass line (at most
    /// ``quickCheckWait``) and adds when it came to `timing`.
    static func waitForQuickCheck(_ daemon: BenchDaemon, into timing: inout RestartTiming) async {
        let deadline = ContinuousClock.now + quickCheckWait
        while timing.quickCheckDoneSeconds == nil, ContinuousClock.now < deadline, daemon.exitDescription == nil {
            try? await Task.sleep(for: .milliseconds(20))
            timing.noteQuickCheck(in: daemon.log?.lines ?? [], launched: daemon.launched!)
        }
    }

    static func size(_ path: String) -> Int64 {
        let files = [path, "\(path)-wal"]
        return files.compactMap { (try? FileManager.default.attributesOfItem(atPath: $0))?[.size] as? NSNumber }
            .reduce(0) { $0 + $1.int64Value }
    }

    static func runTool(_ binary: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// One restart's timings, all from the daemon's launch.
struct RestartTiming: Encodable {
    var toHealthSeconds: Double
    var toFirstObservationSeconds: Double?
    /// When each start-up log line arrived (databaseReady, signingKeyLoaded, serving).
    var logMilestonesSeconds: [String: Double]
    /// When the background integrity check's pass line arrived (after serving; nil if it did not in time).
    var quickCheckDoneSeconds: Double?
    /// The quick_check duration the daemon logged.
    var quickCheckReported: String?

    /// Takes the pass line's arrival and logged duration from the daemon's log, when it is there.
    mutating func noteQuickCheck(in lines: [DaemonLog.Line], launched: ContinuousClock.Instant) {
        guard quickCheckDoneSeconds == nil, let line = lines.first(where: { $0.text.contains(RestartRun.quickCheckLine) }) else { return }
        quickCheckDoneSeconds = seconds(line.at - launched)
        if let range = line.text.range(of: "infusion.duration=") {
            quickCheckReported = String(line.text[range.upperBound...].prefix { $0 != " " })
        }
    }
}

/// The medians over a state's restarts.
struct RestartSummary: Encodable {
    var runs: [RestartTiming]
    var medianToHealthSeconds: Double
    var medianToFirstObservationSeconds: Double?
    var medianMilestonesSeconds: [String: Double]
    /// The median arrival of the background check's pass line, when every run saw it.
    var medianQuickCheckDoneSeconds: Double?

    init(_ runs: [RestartTiming]) {
        self.runs = runs
        medianToHealthSeconds = median(runs.map(\.toHealthSeconds))
        let observed = runs.compactMap(\.toFirstObservationSeconds)
        medianToFirstObservationSeconds = observed.count == runs.count ? median(observed) : nil
        var milestones: [String: Double] = [:]
        for (key, _) in RestartRun.milestones {
            let values = runs.compactMap { $0.logMilestonesSeconds[key] }
            if values.count == runs.count { milestones[key] = median(values) }
        }
        medianMilestonesSeconds = milestones
        let checked = runs.compactMap(\.quickCheckDoneSeconds)
        medianQuickCheckDoneSeconds = checked.count == runs.count && !runs.isEmpty ? median(checked) : nil
    }
}

/// The median of some values (the mean of the middle two for an even count).
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// What `--scenario restart` measured.
struct RestartReport: Encodable, TextReport {
    var scenario = "restart"
    var openSessions: Int
    var storedEvents: Int
    var runs: Int
    var machine: String
    var closedSessions = 0
    var fixtureSeconds = 0.0
    var databaseBytes: [String: Int64] = [:]
    var firstStartAfterFixture: RestartTiming?
    var emptyHistory: RestartSummary?
    var storedHistory: RestartSummary?
    var auditVerified = false
    var auditVerifySeconds = 0.0
    var auditVerifyOutput = ""
    var keptFolder: String?

    /// (b) over (a), to first health answer.
    var healthRatio: Double? {
        guard let a = emptyHistory?.medianToHealthSeconds, let b = storedHistory?.medianToHealthSeconds, a > 0 else { return nil }
        return b / a
    }

    /// (b) over (a), to first accepted observation.
    var observationRatio: Double? {
        guard let a = emptyHistory?.medianToFirstObservationSeconds, let b = storedHistory?.medianToFirstObservationSeconds, a > 0 else { return nil }
        return b / a
    }

    enum CodingKeys: String, CodingKey {
        case scenario, openSessions, storedEvents, runs, machine, closedSessions, fixtureSeconds, databaseBytes,
             firstStartAfterFixture, emptyHistory, storedHistory, healthRatio, observationRatio, auditVerified,
             auditVerifySeconds, auditVerifyOutput, keptFolder
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(scenario, forKey: .scenario)
        try container.encode(openSessions, forKey: .openSessions)
        try container.encode(storedEvents, forKey: .storedEvents)
        try container.encode(runs, forKey: .runs)
        try container.encode(machine, forKey: .machine)
        try container.encode(closedSessions, forKey: .closedSessions)
        try container.encode(fixtureSeconds, forKey: .fixtureSeconds)
        try container.encode(databaseBytes, forKey: .databaseBytes)
        try container.encodeIfPresent(firstStartAfterFixture, forKey: .firstStartAfterFixture)
        try container.encodeIfPresent(emptyHistory, forKey: .emptyHistory)
        try container.encodeIfPresent(storedHistory, forKey: .storedHistory)
        try container.encodeIfPresent(healthRatio, forKey: .healthRatio)
        try container.encodeIfPresent(observationRatio, forKey: .observationRatio)
        try container.encode(auditVerified, forKey: .auditVerified)
        try container.encode(auditVerifySeconds, forKey: .auditVerifySeconds)
        try container.encode(auditVerifyOutput, forKey: .auditVerifyOutput)
        try container.encodeIfPresent(keptFolder, forKey: .keptFolder)
    }

    func text() -> String {
        func f(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "–" }
        func mib(_ bytes: Int64?) -> String { bytes.map { String(format: "%.0f MiB", Double($0) / 1_048_576) } ?? "–" }
        var lines = [
            "infusion-bench --scenario restart: \(openSessions) open sessions; (b) adds \(storedEvents) stored events in \(closedSessions) closed sessions; \(runs) restarts each, on \(machine)",
            "fixture written in \(f(fixtureSeconds)) s; database (a) \(mib(databaseBytes["a"])), (b) \(mib(databaseBytes["b"]))",
            "",
            "median seconds from launch".padding(toLength: 36, withPad: " ", startingAt: 0) + "(a) empty history".leftPadded(to: 20) + "(b) stored history".leftPadded(to: 20),
        ]
        func row(_ name: String, _ a: Double?, _ b: Double?) {
            lines.append(name.padding(toLength: 36, withPad: " ", startingAt: 0) + f(a).leftPadded(to: 20) + f(b).leftPadded(to: 20))
        }
        for (key, text) in RestartRun.milestones {
            row("  log: \(text.replacingOccurrences(of: "] ", with: ""))", emptyHistory?.medianMilestonesSeconds[key], storedHistory?.medianMilestonesSeconds[key])
        }
        row("first GET /v1/health answered", emptyHistory?.medianToHealthSeconds, storedHistory?.medianToHealthSeconds)
        row("first observation accepted", emptyHistory?.medianToFirstObservationSeconds, storedHistory?.medianToFirstObservationSeconds)
        row("  log: \(RestartRun.quickCheckLine) (background)", emptyHistory?.medianQuickCheckDoneSeconds, storedHistory?.medianQuickCheckDoneSeconds)
        lines.append("")
        for (name, summary) in [("(a)", emptyHistory), ("(b)", storedHistory)] {
            let runs = (summary?.runs ?? []).map { "\(f($0.toHealthSeconds))/\(f($0.toFirstObservationSeconds)) (quick_check \($0.quickCheckReported ?? "?"))" }
            lines.append("\(name) each run, health/observation: \(runs.joined(separator: ", "))")
        }
        if let first = firstStartAfterFixture {
            lines.append("(b) first start after the fixture was written: health after \(f(first.toHealthSeconds)) s; quick_check in the background passed after \(f(first.quickCheckDoneSeconds)) s (took \(first.quickCheckReported ?? "?"))")
        }
        lines.append("")
        lines.append("ratio (b)/(a) to first health answer: \(f(healthRatio)) (target ≤ 1.5); to first observation: \(f(observationRatio))")
        lines.append("infusionctl audit verify --db (b): \(auditVerified ? "passed" : "FAILED") in \(f(auditVerifySeconds)) s: \(auditVerifyOutput.split(separator: "\n").last.map(String.init) ?? "")")
        if let keptFolder { lines.append("state folders kept in \(keptFolder)") }
        return lines.joined(separator: "\n")
    }
}
