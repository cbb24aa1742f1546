import ArgumentParser
import InfusionClient
import InfusionCore

/// `infusionctl sessions list`.
struct SessionsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List infusion sessions: patient, drug, state, rate, start and last observation.",
        discussion: """
            Shows open sessions unless --state says otherwise. Times are local.

            Example:
              infusionctl sessions list --state all
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Which sessions to list.")
    var state: SessionFilter = .open

    func run() async throws {
        let sessions = try await global.client().listSessions(state: state.rawValue)
        try global.emit(SessionList(sessions: sessions)) { list in
            list.sessions.isEmpty ? "No \(state == .all ? "" : state.rawValue + " ")sessions." : Render.sessions(list.sessions).render()
        }
    }
}
