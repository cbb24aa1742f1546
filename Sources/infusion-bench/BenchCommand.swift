import ArgumentParser
import Foundation
import InfusionClient
import InfusionCore

/// `infusion-bench`: drives a real infusiond with concurrent stations and measures durable ingest, alert delivery,
/// memory and restart time.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infusion-bench",
        abstract: "Measure acknowledged observations per second, latency percentiles, alert delivery, memory and restart time of infusiond.",
        discussion: """
            Starts infusiond (the binary beside this one) on a temporary socket unless --socket is given. Progress \
            goes to stderr, the report to stdout (--format json for programs).

            --scenario load (default): opens sessions (4 per station), connects an alert stream subscriber, runs \
            concurrent stations posting a realistic mix, and then checks that every acknowledged eventId is stored \
            exactly once. The mix: 95 % normal vitals with the symptom checklist assessed and negative, 5 % \
            (--symptom-percent) one symptom: tinnitus or metallic taste (L10: pause, medium alert) or headache or \
            nausea (L12: low alert). A negative checklist resolves a standing symptom alert, so each symptom raises \
            a new alert and the session's next set resolves it: about 2 × 5 % of observations change an alert. \
            Alert delivery: for every observation whose answer named alert changes, the time from sending it to \
            the subscriber receiving the last of those changes on GET /v1/alerts/stream (matched on alert id, \
            state, priority, escalation level and updatedAt), against the acknowledgement latency of the same \
            observations (target: alert p99 ≤ 1.5 × ack p99). A change the stream never delivers is a failure. \
            With --baseline it also measures, in the same run, the naive ceiling: the same rows written with one \
            SQLite transaction per event, same pragmas, no socket.

            --scenario memory: the same load with 1,000 sessions (--sessions), 50 alert stream clients \
            (--stream-clients) and 5,000 observations (--observations); reports the daemon's peak RSS (VmHWM) and \
            its RSS before the load and at the end (target ≤ 100 MiB).

            --scenario restart: time to serving again with --open-sessions open sessions (1,000) and (a) no other \
            history, (b) --stored-events stored events (1,000,000) in closed sessions, written directly with the \
            store's own audit code (records, hash chain and Merkle tree as the daemon writes them) in transactions \
            of 10,000. Each state is restarted --restart-runs times (3), alternately; each run times the daemon \
            from launch to the first answered GET /v1/health and to the first accepted observation, and times its \
            start-up steps from its log (debug level). Reports medians and the ratio (target (b) ≤ 1.5 × (a)), \
            then runs `infusionctl audit verify --db` on (b). Needs several GB in --work-folder.

            Examples:
              swift run -c release infusion-bench --stations 16 --observations 20000 --baseline
              .build/release/infusion-bench --scenario memory
              .build/release/infusion-bench --scenario restart --format json

            `infusion-bench hl7` measures PCD-01 over MLLP against the JSON route (see its --help).
            """,
        subcommands: [HL7Command.self])

    @Option(help: "load, memory or restart (see above).")
    var scenario: Scenario = .load

    @Option(help: "Concurrent stations posting observations.")
    var stations = 16

    @Option(help: "Observations to post in total (default: 20,000; 5,000 for --scenario memory).")
    var observations: Int?

    @Option(help: "Open sessions the observations are spread over (default: 4 per station; 1,000 for --scenario memory).")
    var sessions: Int?

    @Option(help: "Percent of observations that carry a symptom raising an alert.")
    var symptomPercent = 5.0

    @Option(help: "Alert stream clients in --scenario memory (one of them measures delivery).")
    var streamClients = 50

    @Flag(help: "Also measure the one-transaction-per-event baseline in the same run (--scenario load).")
    var baseline = false

    @Option(help: "Open sessions in --scenario restart.")
    var openSessions = 1_000

    @Option(help: "Stored events in the history of --scenario restart's state (b).")
    var storedEvents = 1_000_000

    @Option(help: "Restarts of each state in --scenario restart.")
    var restartRuns = 3

    @Option(help: "Where --scenario restart builds its two state folders (kept with --keep).")
    var workFolder: String?

    @Flag(help: "Keep --scenario restart's state folders afterwards.")
    var keep = false

    @Option(help: "Use an already running daemon at this socket instead of starting one (--scenario load).")
    var socket: String?

    @Option(help: "The running daemon's pid, for its RSS when --socket is given.")
    var daemonPid: Int32?

    @Option(help: ArgumentHelp("Write the started daemon's log here (--scenario load and memory).", valueName: "file"))
    var daemonLog: String?

    @Option(help: "The started daemon's log level (with --daemon-log).")
    var daemonLogLevel = "notice"

    @Option(help: "text for people, json for programs.")
    var format: ReportFormat = .text

    var observationCount: Int { observations ?? (scenario == .memory ? 5_000 : 20_000) }

    func validate() throws {
        guard stations >= 1, observationCount >= stations else {
            throw ValidationError("--observations must be at least --stations, and --stations at least 1.")
        }
        guard streamClients >= 1, openSessions >= 1, storedEvents >= 0, restartRuns >= 1 else {
            throw ValidationError("--stream-clients, --open-sessions and --restart-runs must be at least 1, --stored-events at least 0.")
        }
        if socket != nil && scenario == .restart {
            throw ValidationError("--scenario restart starts and stops its own daemons; drop --socket.")
        }
    }

    func run() async throws {
        switch scenario {
        case .load, .memory:
            try await runLoad()
        case .restart:
            let report = try await RestartRun(
                openSessions: openSessions, storedEvents: storedEvents, runs: restartRuns, stations: stations,
                workFolder: workFolder, keep: keep
            ).run()
            try output(report)
            if !report.auditVerified { throw ExitCode.failure }
        }
    }

    private func runLoad() async throws {
        let memory = scenario == .memory
        let sessionCount = sessions ?? (memory ? 1_000 : stations * 4)
        let daemon: BenchDaemon
        if let socket {
            daemon = BenchDaemon(existingSocket: socket, pid: daemonPid)
        } else {
            daemon = try await BenchDaemon.start(logLevel: daemonLog == nil ? "warning" : daemonLogLevel, logFile: daemonLog)
        }
        defer { daemon.stop() }
        let progress = Progress(total: observationCount)
        let rssBeforeLoad = RSSNote()
        var load = LoadRun(client: InfusionClient(socketPath: daemon.socketPath), stations: stations,
                           observations: observationCount, sessions: sessionCount, symptomPercent: symptomPercent)
        if memory { load.extraStreamClients = streamClients - 1 }
        load.beforeLoad = { rssBeforeLoad.set(daemon.rssBytes) }
        var report: BenchReport
        do {
            report = try await load.run(progress: progress)
        } catch {
            if let ended = daemon.exitDescription {
                progress.note("infusiond \(ended) during the run (an exit status 0 is a graceful stop: SIGTERM or SIGINT from outside, or a service that ended; --daemon-log FILE keeps its log)")
            }
            throw error
        }
        report.scenario = scenario.rawValue
        report.daemonPeakRSSBytes = daemon.peakRSSBytes
        report.daemonRSSBytes = daemon.rssBytes
        report.daemonRSSBeforeLoadBytes = rssBeforeLoad.value
        report.machine = Machine.describe()
        if baseline {
            progress.note("baseline: the same rows, one transaction per event, no socket")
            report.baseline = try await BaselineRun(stations: stations, observations: observationCount,
                                                    sessions: sessionCount, symptomPercent: symptomPercent).run()
        }
        try output(report)
        if report.verification.missing > 0 || report.verification.duplicated > 0 || report.alertDelivery.missingEvents > 0 {
            throw ExitCode.failure
        }
    }

    private func output(_ report: some Encodable & TextReport) throws {
        switch format {
        case .text: print(report.text())
        case .json: print(String(decoding: try WireJSON.encode(report), as: UTF8.self))
        }
    }
}

/// A report that can print itself for people.
protocol TextReport {
    func text() -> String
}

extension BenchReport: TextReport {}

/// A value set from a closure the load calls.
final class RSSNote: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Int?
    var value: Int? { lock.withLock { stored } }
    func set(_ value: Int?) { lock.withLock { stored = value } }
}

/// What to measure.
enum Scenario: String, ExpressibleByArgument, CaseIterable {
    case load, memory, restart
}

/// How the report is printed.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
