import ArgumentParser
import Foundation
import InfusionClient
import InfusionCore

/// `infusionctl alerts watch`: the live alert stream.
struct AlertsWatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Show alerts live as they are raised, escalated, acknowledged and resolved.",
        discussion: """
            Prints one line per alert change until interrupted (Ctrl-C). If the connection drops or the daemon \
            restarts, it reconnects and resumes after the last event it showed, so nothing is missed; the \
            reconnection notice goes to standard error. With --format json each event is one line of JSON. \
            An alarm about the daemon itself (e.g. a damaged database) is shown as a SYSTEM ALERT line (with \
            --format json, one line {"systemAlert": …}); it does not count towards --count.

            Examples:
              infusionctl alerts watch
              infusionctl alerts watch --after 0          # everything the daemon has recorded, then live
              infusionctl alerts watch --count 1 --format json
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp(
        "Start after this event id (0 replays every recorded event); default: only what happens from now on.",
        valueName: "id"))
    var after: Int64?

    @Option(help: ArgumentHelp("Stop after this many events.", valueName: "n"))
    var count: Int?

    @Flag(help: "Exit when the stream ends instead of reconnecting.")
    var noReconnect = false

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1.") }
        if let after, after < 0 { throw ValidationError("--after must be an event id ≥ 0.") }
    }

    func run() async throws {
        let client = global.client()
        var last = after
        var shown = 0
        var connectedOnce = false
        let encoder = WireJSON.encoder()
        while true {
            do {
                for try await item in client.alertStream(after: last) {
                    connectedOnce = true
                    if case .opened(let start) = item, last == nil { last = start }
                    if case .system(let alert) = item {
                        switch global.format {
                        case .json: Console.streamLine(String(decoding: try encoder.encode(["systemAlert": alert]), as: UTF8.self), json: true)
                        case .text: Console.streamLine(Render.systemAlertLine(alert), json: false)
                        }
                        continue
                    }
                    guard case .event(let event) = item else { continue }
                    switch global.format {
                    case .json: Console.streamLine(String(decoding: try encoder.encode(event), as: UTF8.self), json: true)
                    case .text: Console.streamLine(Render.alertEventLine(event), json: false)
                    }
                    last = event.id
                    shown += 1
                    if let count, shown >= count { return }
                }
                if noReconnect { return }
                Console.error("The daemon ended the alert stream; reconnecting after event \(last.map(String.init) ?? "none") in 2 s…")
            } catch let error as InfusionClientError {
                // A daemon that cannot be reached at all, or that refuses, is an error; a dropped stream is retried.
                if case .problem = error { throw error }
                if !connectedOnce || noReconnect { throw error }
                Console.error("The alert stream broke (\(error)); reconnecting after event \(last.map(String.init) ?? "none") in 2 s…")
            }
            // Resumes after the last event shown (or where the first connection started), so nothing is missed.
            try await Task.sleep(for: .seconds(2))
        }
    }
}
