import Foundation
import HTTPTypes
import Hummingbird
import InfusionCore
import InfusionStore
import Logging

/// Turns every error into an RFC 9457 problem response, and records each refusal in the audit trail, so bad
/// input never crashes the daemon and never goes unrecorded.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = InfusionRequestContext

    let store: ClinicalStore
    let clock: @Sendable () -> Date
    /// Bounds what each refusal stores and how many one peer may add to the trail.
    let refusals: RefusalAudit

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Problem.from(error)
            let path = request.uri.path
            if error is WritesRefused {
                // The refusal cannot be recorded (writes are closed); the integrity failure itself was.
                context.logger.info("request refused: the database is damaged", metadata: ["infusion.route": "\(request.method) \(path)"])
                return problem.httpResponse()
            }
            if problem.status >= 500 {
                context.logger.error("request failed", metadata: ["infusion.route": "\(request.method) \(path)", "infusion.error": "\(error)"])
            } else {
                context.logger.info("request refused", metadata: ["infusion.route": "\(request.method) \(path)", "infusion.problem": "\(problem.code)"])
            }
            do {
                try await refusals.recordRequest(problem, method: request.method.rawValue, path: path,
                                                 actor: await context.actor(person: nil))
            } catch {
                context.logger.error("could not audit a refused request", metadata: ["infusion.error": "\(error)"])
            }
            return problem.httpResponse()
        }
    }
}
