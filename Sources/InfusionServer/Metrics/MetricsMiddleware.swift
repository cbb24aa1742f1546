import HTTPTypes
import Hummingbird

/// Counts every answered request by method, route pattern and status; outermost, so refusals count too.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = InfusionRequestContext

    let metrics: DaemonMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let method = request.method.rawValue
        let route = AccessRules.rule(method: method, path: request.uri.path)?.path ?? "unmatched"
        do {
            let response = try await next(request, context)
            metrics.requestFinished(method: method, route: route, status: Int(response.status.code))
            return response
        } catch {
            metrics.requestFinished(method: method, route: route, status: (error as? any HTTPResponseError)?.status.code ?? 500)
            throw error
        }
    }
}
