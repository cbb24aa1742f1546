import ArgumentParser
import InfusionClient

/// `infusionctl status`: is the daemon up, and what is it doing.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show whether infusiond is running: version, uptime, database, rule set and counts.",
        discussion: """
            Asks the daemon for its health. Exits 69 if the daemon cannot be reached.

            Example:
              infusionctl status
              infusionctl status --socket /run/infusiond/infusiond.sock --format json
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let health = try await global.client().health()
        try global.emit(health) { Render.health($0, socketPath: global.socketPath) }
    }
}
