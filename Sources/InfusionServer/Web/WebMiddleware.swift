import Foundation
import HTTPTypes
import Hummingbird
import InfusionCore

/// Puts the browser-safety headers on every answer of the web socket, refusals included: a strict
/// Content-Security-Policy (own scripts, styles and connections only; no inline code, no eval, no framing), no
/// MIME sniffing, no referrer, and nothing kept in a cache (answers carry patient data).
public struct WebHeadersMiddleware: RouterMiddleware {
    public typealias Context = InfusionRequestContext

    public init() {}

    /// The policy: everything from this origin only, nothing inline, no `eval` (no `'unsafe-inline'` or
    /// `'unsafe-eval'` anywhere), no plugins, no `<base>`, no framing, forms post here only, and DOM sinks take
    /// no plain strings (pages write text with `textContent`).
    public static let contentSecurityPolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
        "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'",
        "require-trusted-types-for 'script'",
    ].joined(separator: "; ")

    /// Every header the web socket sets on every answer, replacing any a route set.
    static let headers: [(HTTPField.Name, String)] = [
        (HTTPField.Name("Content-Security-Policy")!, contentSecurityPolicy),
        (HTTPField.Name("X-Content-Type-Options")!, "nosniff"),
        (HTTPField.Name("Referrer-Policy")!, "no-referrer"),
        (.cacheControl, "no-store"),
        (HTTPField.Name("X-Frame-Options")!, "DENY"),
        (HTTPField.Name("Cross-Origin-Resource-Policy")!, "same-origin"),
    ]

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for (name, value) in Self.headers { response.headers[name] = value }
        if response.headers[.contentType]?.hasPrefix("text/event-stream") == true {
            // nginx would otherwise buffer the stream and deliver alerts late (proxy_buffering off says the same).
            response.headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        }
        return response
    }
}

/// Settles who a web request speaks for (``WebIdentity``) before the problem middleware runs, so that every
/// refusal after it, its own included, is audited with the proxy's peer, the person and `via: web`.
struct WebIdentityMiddleware: RouterMiddleware {
    typealias Context = InfusionRequestContext

    let access: WebAccess

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        // A Unix socket always reports its peer; only an in-process test connection has none.
        let peer = await context.peer() ?? access.peerless
        context.web = WebIdentity.settle(headers: request.headers, peer: peer, access: access)
        return try await next(request, context)
    }
}

/// The web socket's door, in place of the socket's access middleware: refuses a request the proxy does not vouch
/// for (401/403), a state-changing request a browser did not send from the pages' own origin (403), a route the
/// person's roles do not allow (403), a state-changing request that is not JSON (415), and a body that names
/// someone other than the person signed in (403); then fills the acting person into the body where it is absent.
struct WebGuardMiddleware: RouterMiddleware {
    typealias Context = InfusionRequestContext

    let access: WebAccess
    let maxBodyBytes: Int

    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        guard let web = context.web else {
            throw Problem(status: 403, code: "web.untrustedPeer", title: "Not from the proxy",
                          detail: "The request's identity was not settled; it is refused.")
        }
        if let refusal = web.refusal { throw refusal }
        context.access = PeerAccess(peer: web.peer, roles: web.roles)
        let changes = !Self.isSafe(request.method)
        if changes { try checkOrigin(request) }
        let method = request.method.rawValue
        let path = request.uri.path
        let allowed = AccessRules.roles(method: method, path: path)
        if web.roles.isDisjoint(with: allowed) {
            let grantable = allowed.intersection(WebConfiguration.grantableRoles)
            let remedy = grantable.isEmpty
                ? "This route is not open through the web; operators use the daemon's own socket."
                : "Ask the operator to map one of your proxy groups to \(Role.either(grantable)) in web.roles (docs/CONFIG.md)."
            throw Problem(
                status: 403, code: "access.denied", title: "Access denied",
                detail: "\(method) \(RefusalAudit.bounded(path)) needs the role \(Role.either(allowed)); \(RefusalAudit.bounded(web.user ?? "?", limit: 64)) holds \(Role.describe(web.roles)) through the proxy groups \(web.groups.isEmpty ? "(none)" : RefusalAudit.bounded(web.groups.joined(separator: ", "), limit: 256)). \(remedy)",
                limits: ["requiredRoles": .array(allowed.sorted().map { .string($0.rawValue) }),
                         "heldRoles": .array(web.roles.sorted().map { .string($0.rawValue) })])
        }
        var request = request
        if changes {
            try checkContentType(request)
            if let user = web.user, let field = ActingPerson.field(method: method, path: path) {
                request = try await ActingPerson.apply(to: request, field: field, user: user, limit: maxBodyBytes)
            }
        }
        return try await next(request, context)
    }

    /// GET and HEAD, which change nothing (no route changes anything on them).
    static func isSafe(_ method: HTTPRequest.Method) -> Bool { method == .get || method == .head }

    /// A state-changing request must come from the pages themselves: `Sec-Fetch-Site: same-origin` when the
    /// browser sends Fetch Metadata (which then decides), else an `Origin` equal to `web.publicOrigin`.
    func checkOrigin(_ request: Request) throws {
        if let site = request.headers[Self.secFetchSite] {
            guard site.trimmingCharacters(in: .whitespaces).lowercased() == "same-origin" else {
                throw Self.crossOrigin("the browser sent it from another site (Sec-Fetch-Site: \(RefusalAudit.bounded(site, limit: 32)))")
            }
            return
        }
        guard let origin = request.headers[.origin] else {
            throw Self.crossOrigin("it carries neither Sec-Fetch-Site nor Origin, so the daemon cannot tell that it comes from its own pages")
        }
        guard let expected = access.publicOrigin, origin == expected else {
            throw Self.crossOrigin("its Origin '\(RefusalAudit.bounded(origin, limit: 128))' is not the pages' origin\(access.publicOrigin.map { " (\($0), web.publicOrigin)" } ?? " (web.publicOrigin is not set)")")
        }
    }

    static func crossOrigin(_ reason: String) -> Problem {
        Problem(status: 403, code: "web.crossOrigin", title: "Cross-origin request refused",
                detail: "A request that changes something is accepted on the web socket only from the daemon's own pages; \(reason). Use the pages, or a program on the daemon's own socket.")
    }

    /// A state-changing request must be JSON: a form or a `text/plain` body (which a page on another site can
    /// send without asking) is refused.
    func checkContentType(_ request: Request) throws {
        let contentType = request.headers[.contentType] ?? ""
        let media = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard media == "application/json" else {
            throw Problem(status: 415, code: "request.unsupportedMediaType", title: "Unsupported content type",
                          detail: "On the web socket a request that changes something must be JSON with Content-Type: application/json (got \(contentType.isEmpty ? "none" : RefusalAudit.bounded(contentType, limit: 64))).")
        }
    }
}
