import ArgumentParser
import Foundation
import InfusionClient
import InfusionCore

/// `infusionctl alerts list`.
struct AlertsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List alerts, optionally by state and session.",
        discussion: """
            Without --state, shows what the daemon lists by default. The SESSION column shows the first 8 \
            characters of the session id.

            Example:
              infusionctl alerts list --state active
              infusionctl alerts list --session 3f2a1b2c
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only alerts in this state.")
    var state: AlertState?

    @Option(help: ArgumentHelp("Only alerts of this session: its id, the start of it, or a patient id.", valueName: "id"))
    var session: String?

    func run() async throws {
        let sessionID = if let session { try await global.sessionID(session) } else { UUID?.none }
        let alerts = try await global.client().alerts(state: state?.rawValue, session: sessionID)
        try global.emit(AlertList(alerts: alerts)) { list in
            list.alerts.isEmpty ? "No \(state.map { $0.rawValue + " " } ?? "")alerts." : Render.alerts(list.alerts).render()
        }
    }
}
