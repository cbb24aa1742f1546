import ArgumentParser
import Foundation
import InfusionClient
import InfusionCore

/// `infusion-bench`: drives a real infusiond with concurrent stations and measures durable ingest.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infusion-bench",
        abstract: "Measure acknowledged observations per second, latency percentiles and alert delivery of infusiond.",
        discussion: """
            Starts infusiond (the binary beside this one) on a temporary socket unless --socket is given, opens \
            sessions, runs concurrent stations posting a realistic mix (mostly normal vitals, some symptoms that \
            raise alerts), and then checks that every acknowledged eventId is stored exactly once. With --baseline \
            it also measures, in the same run, the naive ceiling: the same rows written with one SQLite transaction \
            per event, same pragmas, no socket.

            Example: swift run -c release infusion-bench --stations 16 --observations 20000 --baseline
            """)

    @Option(help: "Concurrent stations posting observations.")
    var stations = 16

    @Option(help: "Observations to post in total.")
    var observations = 20_000

    @Option(help: "Open sessions the observations are spread over (default: 4 per station).")
    var sessions: Int?

    @Option(help: "Percent of observations that carry a symptom raising an alert.")
    var symptomPercent = 5.0

    @Flag(help: "Also measure the one-transaction-per-event baseline in the same run.")
    var baseline = false

    @Option(help: "Use an already running daemon at this socket instead of starting one.")
    var socket: String?

    @Option(help: "The running daemon's pid, for its RSS when --socket is given.")
    var daemonPid: Int32?

    @Option(help: "text for people, json for programs.")
    var format: ReportFormat = .text

    func validate() throws {
        guard stations >= 1, observations >= stations else {
            throw ValidationError("--observations must be at least --stations, and --stations at least 1.")
        }
    }

    func run() async throws {
        let sessionCount = sessions ?? stations * 4
        let daemon: BenchDaemon
        if let socket {
            daemon = BenchDaemon(existingSocket: socket, pid: daemonPid)
        } else {
            daemon = try await BenchDaemon.start()
        }
        defer { daemon.stop() }
        let progress = Progress(total: observations)
        let load = LoadRun(client: InfusionClient(socketPath: daemon.socketPath), stations: stations,
                           observations: observations, sessions: sessionCount, symptomPercent: symptomPercent)
        var report = try await load.run(progress: progress)
        report.daemonPeakRSSBytes = daemon.peakRSSBytes
        report.machine = Machine.describe()
        if baseline {
            progress.note("baseline: the same rows, one transaction per event, no socket")
            report.baseline = try await BaselineRun(stations: stations, observations: observations,
                                                    sessions: sessionCount, symptomPercent: symptomPercent).run()
        }
        switch format {
        case .text: print(report.text())
        case .json: print(String(decoding: try WireJSON.encode(report), as: UTF8.self))
        }
        if report.verification.missing > 0 || report.verification.duplicated > 0 {
            throw ExitCode.failure
        }
    }
}

/// How the report is printed.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
