import Foundation
import InfusionClient

/// Advice for a request whose answer was lost: repeat it with the same event id so it is stored once.
enum RetryHint {
    /// `error` with a hint to retry with `eventId` when the request may have been stored; otherwise `error`.
    static func wrap(_ error: InfusionClientError, eventId: UUID) -> any Error {
        switch error {
        case .connectionLost, .timedOut:
            HintedError(
                underlying: error,
                hint: "Repeat the same command with --event-id \(eventId.uuidString.lowercased()); "
                    + "the daemon records it only once.")
        default:
            error
        }
    }
}
