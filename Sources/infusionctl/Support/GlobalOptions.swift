import ArgumentParser
import Foundation
import InfusionClient

/// Options every command takes: where the daemon is and how to print.
struct GlobalOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The daemon's Unix socket.",
            discussion: "Default: $INFUSIOND_SOCKET, else /run/infusiond/infusiond.sock if it exists, "
                + "else ./.infusiond/infusiond.sock.",
            valueName: "path"))
    var socket: String?

    @Option(help: "Output format: text for people, json for programs.")
    var format: OutputFormat = .text

    /// The socket the command will use.
    var socketPath: String { SocketLocator.resolve(explicit: socket) }

    /// A client for the daemon on the chosen socket.
    func client() -> InfusionClient { InfusionClient(socketPath: socketPath) }

    /// The session a person named: a whole id, a unique start of one, or the patient id of the one open session
    /// for that patient (``SessionReference``).
    func sessionID(_ text: String) async throws -> UUID {
        do {
            return try await client().sessionID(for: SessionReference(text))
        } catch let failure as SessionReference.Failure {
            throw CommandFailure(failure.description)
        }
    }

    /// Prints `value` as JSON, or the text `render` makes of it.
    func emit<Value: Encodable>(_ value: Value, text render: (Value) -> String) throws {
        switch format {
        case .json: try Console.json(value)
        case .text: Console.out(render(value))
        }
    }
}
