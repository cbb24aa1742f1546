import HTTPTypes
import Hummingbird
import InfusionCore

/// Settles who is calling (SO_PEERCRED and SO_PEERGROUPS) and what roles they hold, and refuses a route their
/// roles do not allow with `403 access.denied`; the problem middleware around it audits the refusal with the peer.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = InfusionRequestContext

    let policy: AccessPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let peer = await context.peer()
        let access = PeerAccess(peer: peer, roles: policy.roles(for: peer))
        context.access = access
        let method = request.method.rawValue
        let path = request.uri.path
        let allowed = AccessRules.roles(method: method, path: path)
        guard access.roles.isDisjoint(with: allowed) else {
            return try await next(request, context)
        }
        let needed = Role.either(allowed)
        let remedy = access.peer == nil
            ? "Connect over the daemon's Unix socket, which reports who is calling."
            : "Ask the operator to add the account to a group mapped to \(needed) (docs/OPERATIONS.md, Roles)."
        throw Problem(
            status: 403, code: "access.denied", title: "Access denied",
            detail: "\(method) \(RefusalAudit.bounded(path)) needs the role \(needed); \(access.peerDescription) holds \(Role.describe(access.roles)). \(remedy)",
            limits: ["requiredRoles": .array(allowed.sorted().map { .string($0.rawValue) }),
                     "heldRoles": .array(access.roles.sorted().map { .string($0.rawValue) })])
    }
}
