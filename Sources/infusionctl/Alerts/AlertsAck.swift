import ArgumentParser
import InfusionClient
import InfusionCore

/// `infusionctl alerts ack ID`.
struct AlertsAck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack",
        abstract: "Acknowledge an alert: you have seen it and are dealing with it.",
        discussion: """
            Acknowledging stops escalation of this alert; it never hides a different or more severe one. \
            A latched stop alert resolves once it is acknowledged and the pump is confirmed stopped.

            Example:
              infusionctl alerts ack 7 --by nurse-042 --note "Clinician called."
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The alert's number.", valueName: "id"))
    var id: Int64

    @Option(help: ArgumentHelp("Who acknowledges (your staff id).", valueName: "staff-id"))
    var by: String

    @Option(help: ArgumentHelp("A note for the record.", valueName: "text"))
    var note: String?

    func run() async throws {
        let alert = try await global.client().acknowledge(alertId: id, AcknowledgeRequest(by: by, note: note))
        try global.emit(alert, text: Render.alertSentence)
    }
}
