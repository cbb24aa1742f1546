import ArgumentParser
import InfusionClient

/// The `infusionctl` command: talks to a running infusiond over its Unix socket.
@main
struct InfusionCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infusionctl",
        abstract: "Ask infusiond what is running and alarming, record observations and act on infusions.",
        discussion: """
            infusionctl talks to a running infusiond over its Unix socket. It finds the socket by --socket, then \
            INFUSIOND_SOCKET, then /run/infusiond/infusiond.sock if it exists, then ./.infusiond/infusiond.sock.

            Every command prints a table a person can scan, or with --format json the daemon's answer as JSON.
            Exit codes: 0 done, 1 refused or failed, 64 usage error, 69 daemon unreachable.

            New here? Start the daemon with `swift run infusiond`, then run `infusionctl demo`.
            """,
        subcommands: [
            StatusCommand.self, SessionsCommand.self, ObserveCommand.self, AlertsCommand.self, AuditCommand.self, DbCommand.self,
            DemoCommand.self,
        ]
    )

    /// Parses and runs a command, reporting daemon errors with their own exit codes (SPEC §3, STYLE §9).
    static func main() async {
        do {
            var command = try await asyncParseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if let exitCode = ErrorReport.report(error) {
                exit(withError: exitCode)
            }
            exit(withError: error)
        }
    }
}
