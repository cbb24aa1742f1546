import Foundation
import HTTPTypes
import Hummingbird
import InfusionCore
import InfusionStore

/// Turns storage failures (disk full, I/O errors) into their `507`/`503` problems, counts them, and tracks the
/// fault so it is logged once and its end is noticed when a write succeeds again.
struct StorageFaultMiddleware: RouterMiddleware {
    typealias Context = InfusionRequestContext

    let state: ServerState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            if request.method != .get, (200..<300).contains(response.status.code) {
                if state.storage.current != nil { state.storage.recordSuccess(logger: context.logger) }
                if state.deferredReads.count > 0 {
                    await state.deferredReads.flush(to: state.store, now: state.clock(), logger: context.logger)
                }
            }
            return response
        } catch {
            guard let fault = StorageFault(error) else { throw error }
            state.metrics.storageFault(kind: fault.kind)
            state.storage.recordFault(fault, now: state.clock(), logger: context.logger)
            throw fault.problem
        }
    }
}
