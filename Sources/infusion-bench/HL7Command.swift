import ArgumentParser
import Foundation
import InfusionCore

/// `infusion-bench hl7`: PCD-01 ingestion over MLLP against the JSON observation route, in one run of one daemon.
struct HL7Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hl7",
        abstract: "Measure PCD-01 (ORU^R01 over MLLP) ingestion against the JSON observation route in the same daemon.",
        discussion: """
            Starts infusiond (the binary beside this one) on a temporary socket with an HL7 TCP listener on a free \
            127.0.0.1 port and one sender entry, and opens one session per connection for each route through the \
            JSON API (patients BENCH-0 onwards, the lidocaine regimen of the load scenario). Then, one after the \
            other:

              hl7   --connections MLLP senders, each on its own TCP connection and thread, each sending an ORU^R01 \
            for its own patient and waiting for the acknowledgement before the next, for --duration seconds. Each \
            message carries one observation set (HR from the ECG, SpO2, cuff BP, respiration, OBR-7 with an offset), \
            a new MSH-10, and a time that advances. Only AA counts; any other answer stops the run with it.
              json  --connections stations posting the same vitals to POST /v1/sessions/{id}/observations as a \
            monitor feed, one in flight each, for --duration seconds.

            The vitals are normal (HR 70–80, SpO2 97–99, BP 120/80, RR 14), so no stop rule fires and both phases \
            measure the normal path. Afterwards every session's log is read back: each connection's acknowledged \
            count must equal the observations stored in its session. Reports messages/s, observations stored/s, \
            latency p50/p90/p99 (send to acknowledgement), and the daemon's and this bench's CPU per message from \
            /proc/PID/stat. A progress line goes to stderr every 5 s.

            Example:
              swift build -c release --product infusiond
              swift build -c release --product infusion-bench
              .build/release/infusion-bench hl7 --connections 8 --duration 25
            """)

    @Option(help: "Connections per route: MLLP senders, then JSON stations.")
    var connections = 8

    @Option(help: "Seconds each route is driven.")
    var duration = 20

    @Option(help: ArgumentHelp("Write the started daemon's log here.", valueName: "file"))
    var daemonLog: String?

    @Option(help: "The started daemon's log level (with --daemon-log).")
    var daemonLogLevel = "notice"

    @Option(help: "text for people, json for programs.")
    var format: ReportFormat = .text

    func validate() throws {
        guard (1...64).contains(connections) else { throw ValidationError("--connections must be 1…64.") }
        guard duration >= 1 else { throw ValidationError("--duration must be at least 1 second.") }
    }

    func run() async throws {
        let port = try HL7Run.freePort()
        let daemon = try await BenchDaemon.start(logLevel: daemonLog == nil ? "warning" : daemonLogLevel, logFile: daemonLog,
                                                 extraConfig: HL7Run.configuration(port: port))
        defer { daemon.stop() }
        let progress = Progress(total: 0)
        progress.note("infusiond pid \(daemon.pid.map(String.init) ?? "?"), HL7 on 127.0.0.1:\(port)")
        let report: HL7Report
        do {
            report = try await HL7Run(daemon: daemon, port: port, connections: connections, duration: .seconds(duration))
                .run(progress: progress)
        } catch {
            if let ended = daemon.exitDescription { progress.note("infusiond \(ended) during the run (--daemon-log FILE keeps its log)") }
            throw error
        }
        switch format {
        case .text: print(report.text())
        case .json: print(String(decoding: try WireJSON.encode(report), as: UTF8.self))
        }
    }
}
