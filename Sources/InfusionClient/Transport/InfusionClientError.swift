import Foundation
import InfusionCore
import NIOCore

/// What can go wrong when talking to the daemon.
public enum InfusionClientError: Error, CustomStringConvertible {
    /// Nothing answered on the socket: it is missing, refuses connections or may not be opened.
    case unreachable(path: String, underlying: any Error)
    /// The connection broke before a complete response arrived.
    case connectionLost(path: String, underlying: (any Error)?)
    /// No complete response arrived within the client's timeout.
    case timedOut(path: String, after: Duration)
    /// The daemon refused the request with an RFC 9457 problem document.
    case problem(Problem)
    /// The daemon answered with a status the client did not expect and no problem document.
    case unexpected(status: Int, body: String)
    /// The daemon's answer could not be understood.
    case invalidResponse(String)

    /// A sentence that says what failed and what to do about it.
    public var description: String {
        switch self {
        case .unreachable(let path, let underlying):
            "Cannot reach infusiond at \(path): \(Self.reason(underlying)). Is the daemon running? "
                + "Start it with `swift run infusiond` or `systemctl start infusiond`."
        case .connectionLost(let path, let underlying):
            "The connection to infusiond at \(path) broke before it answered"
                + (underlying.map { ": " + Self.reason($0) } ?? "")
                + ". The request may or may not have been recorded; check before repeating it."
        case .timedOut(let path, let after):
            "infusiond at \(path) did not answer within \(after.components.seconds) s. "
                + "The request may or may not have been recorded; check before repeating it."
        // The daemon's words may echo what a station sent: shown escaped, never acted on by the terminal.
        case .problem(let problem):
            TerminalText.escaped("\(problem.title): \(problem.detail) [\(problem.code)]")
        case .unexpected(let status, let body):
            "infusiond answered with unexpected status \(status)"
                + (body.isEmpty ? "." : ": " + TerminalText.escaped(String(body.prefix(500))))
        case .invalidResponse(let message):
            TerminalText.escaped(message)
        }
    }

    /// A short reason for a transport error, e.g. `No such file or directory` rather than NIO's full dump.
    private static func reason(_ error: any Error) -> String {
        switch error {
        case let error as IOError:
            String(cString: strerror(error.errnoCode))
        case ChannelError.connectTimeout(let after):
            "no connection within \(after.nanoseconds / 1_000_000_000) s"
        case SocketAddressError.unixDomainSocketPathTooLong:
            "the path is too long for a Unix socket (at most 107 bytes); use a shorter one"
        default:
            "\(error)"
        }
    }
}
