import HTTPTypes
import Hummingbird
import InfusionStore
import Logging
import Synchronization

/// The store epoch the daemon serves: set once at start (``InfusionDaemon``), before the socket is bound.
public final class CurrentStoreEpoch: Sendable {
    private let value = Mutex<String?>(nil)

    public init() {}

    /// The epoch, or nil before the start resolved it (router tests).
    public var epoch: String? { value.withLock { $0 } }

    /// Sets the epoch for this run.
    public func set(_ epoch: String) { value.withLock { $0 = epoch } }
}

/// Puts the store epoch on every answer (`Infusion-Store-Epoch`), so a client learns of a restore from the answer
/// to the very observation it sends, and knows which epoch acknowledged it.
struct StoreEpochMiddleware: RouterMiddleware {
    typealias Context = InfusionRequestContext

    /// The header's name; `InfusionClient` reads the same name.
    static let header = HTTPField.Name("Infusion-Store-Epoch")!

    let epoch: CurrentStoreEpoch

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if let value = epoch.epoch { response.headers[Self.header] = value }
        return response
    }
}

extension CurrentStoreEpoch {
    /// Resolves this run's epoch from the audit trail (``ClinicalStore/resolveStoreEpoch()``), sets it and returns
    /// it for the `daemon.start` record; a new epoch (after a restore) is logged.
    public func resolve(store: ClinicalStore, logger: Logger) async throws -> String {
        let (epoch, new) = try await store.resolveStoreEpoch()
        set(epoch)
        if new {
            logger.notice("a new store epoch begins: clients resend their recent observations by eventId", metadata: ["infusion.storeEpoch": "\(epoch)"])
        }
        return epoch
    }
}
