import ArgumentParser
import Foundation
import InfusionClient
import InfusionCore

/// `infusionctl sessions replay ID`.
struct SessionsReplay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-run a session's events with the rules recorded for them and report any decision that differs.",
        discussion: """
            The daemon replays every stored event (start, observations, actions, timer and system checks) through \
            the same rule engine, with the rule set whose hash was recorded, and compares each decision and the \
            state it left. Nothing is changed. Exits 0 when everything was reproduced, 1 when anything differs. \
            With --all it replays every session the daemon knows.

            Examples:
              infusionctl sessions replay 3f2a1b2c-4d5e-6f70-8192-a3b4c5d6e7f8
              infusionctl sessions replay --all --format json
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp(SessionArgument.help, discussion: SessionArgument.discussion, valueName: "id"))
    var id: String?

    @Flag(help: "Replay every session, open and closed.")
    var all = false

    func validate() throws {
        if (id == nil) == !all { throw ValidationError("Give a session id or --all (not both).") }
    }

    func run() async throws {
        let client = global.client()
        let ids = if let id { [try await global.sessionID(id)] } else { try await client.listSessions(state: "all").map(\.id) }
        var reports: [ReplayReport] = []
        for (index, id) in ids.enumerated() {
            if ids.count > 1 && global.format == .text { Console.error("replaying \(index + 1)/\(ids.count)…") }
            reports.append(try await client.replay(sessionId: id))
        }
        if all {
            try global.emit(reports) { $0.isEmpty ? "No sessions." : $0.map(Render.replayReport).joined(separator: "\n\n") }
        } else {
            try global.emit(reports[0], text: Render.replayReport)
        }
        let differing = reports.filter { !$0.identical }.count
        if differing > 0 {
            throw CommandFailure("\(differing) session(s) would be decided differently by a replay; see the differences above.")
        }
    }
}
