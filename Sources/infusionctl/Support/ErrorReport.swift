import ArgumentParser
import InfusionClient

/// Prints errors from the daemon and from local checks to standard error and chooses the exit code.
enum ErrorReport {
    /// Exit code for a daemon that cannot be reached or did not answer (`EX_UNAVAILABLE`).
    static let unreachable = ExitCode(69)

    /// Reports `error` and returns the exit code, or returns nil for errors ArgumentParser reports itself
    /// (usage errors, `--help`, explicit exit codes).
    static func report(_ error: any Error) -> ExitCode? {
        switch error {
        case let hinted as HintedError:
            let code = report(hinted.underlying)
            Console.error("hint: \(hinted.hint)")
            return code ?? .failure
        case let clientError as InfusionClientError:
            Console.error("error: \(clientError)")
            switch clientError {
            case .unreachable, .connectionLost, .timedOut: return unreachable
            case .problem, .unexpected, .invalidResponse: return .failure
            }
        case let failure as CommandFailure:
            Console.error("error: \(failure.message)")
            return .failure
        default:
            return nil
        }
    }
}
