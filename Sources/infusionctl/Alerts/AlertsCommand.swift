import ArgumentParser

/// `infusionctl alerts …`: alarms raised by the rules.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "List, acknowledge and watch alerts.",
        discussion: """
            Alerts go from active to acknowledged to resolved. A stop alert is latched: it resolves only once it \
            is acknowledged and the bedside has confirmed the pump stopped.

            Example:
              infusionctl alerts list
              infusionctl alerts ack 7 --by nurse-042 --note "Clinician called."
            """,
        subcommands: [AlertsList.self, AlertsAck.self, AlertsWatch.self],
        defaultSubcommand: AlertsList.self
    )
}
