import Foundation
import HTTPTypes
import Hummingbird
import InfusionCore
import NIOCore

/// On the web socket the acting person is the one the proxy authenticated: the body's person field (`recordedBy`
/// or `by`, and `by` in `override` and `contraindicationOverride`) is filled with that person when absent, and a
/// body that names someone else is refused with `403 web.personMismatch`.
///
/// The routes then read the body as they do on the daemon's own socket, so they check and record it in one way.
enum ActingPerson {
    /// The field naming the acting person, per route that changes something for a person.
    static let routes: [(method: String, path: [Substring], field: String)] = [
        ("POST", "/v1/sessions", "recordedBy"),
        ("POST", "/v1/sessions/preview", "recordedBy"),
        ("POST", "/v1/sessions/:id/observations", "recordedBy"),
        ("POST", "/v1/sessions/:id/actions", "by"),
        ("POST", "/v1/alerts/:id/ack", "by"),
    ].map { ($0.0, $0.1.split(separator: "/"), $0.2) }

    /// Objects in a body whose `by` is also the acting person: a clinician overriding a limit or a contraindication.
    static let overrideFields = ["override", "contraindicationOverride"]

    /// The person field of a route, or nil when the route names no acting person.
    static func field(method: String, path: String) -> String? {
        let segments = path.split(separator: "?", maxSplits: 1).first.map { $0.split(separator: "/") } ?? []
        return routes.first { route in
            route.method == method && route.path.count == segments.count
                && zip(route.path, segments).allSatisfy { $0.hasPrefix(":") ? !$1.isEmpty : $0 == $1 }
        }?.field
    }

    /// The request with its body checked and, where the person was absent, filled in. A body that is not a JSON
    /// object is passed on as it came (the route refuses it as it would anywhere).
    static func apply(to request: Request, field: String, user: String, limit: Int) async throws -> Request {
        let buffer = try await request.body.collect(upTo: limit)
        var passed = request
        passed.body = .init(buffer: buffer)
        guard case .object(var body)? = try? WireJSON.decoder().decode(JSONValue.self, from: Data(buffer.readableBytesView)) else {
            return passed
        }
        var changed = try settle(&body, key: field, path: field, user: user)
        for name in overrideFields {
            guard case .object(var override)? = body[name] else { continue }
            if try settle(&override, key: "by", path: "\(name).by", user: user) {
                body[name] = .object(override)
                changed = true
            }
        }
        guard changed else { return passed }
        passed.body = .init(buffer: ByteBuffer(bytes: try WireJSON.encode(JSONValue.object(body))))
        return passed
    }

    /// Fills `key` with `user` when absent or null (returns true), accepts it when it is `user`, refuses it when it
    /// names anyone else. A value that is not text is left for the route to refuse.
    private static func settle(_ object: inout [String: JSONValue], key: String, path: String, user: String) throws -> Bool {
        switch object[key] {
        case nil, .null?:
            object[key] = .string(user)
            return true
        case .string(let named)? where named != user:
            throw Problem(
                status: 403, code: "web.personMismatch", title: "Acting for someone else",
                detail: "\(path) names '\(RefusalAudit.bounded(named, limit: 64))', but the person signed in through the proxy is '\(user)'. On the web the acting person is always the one signed in; leave \(path) out (it is filled in) or sign in as that person.",
                field: path, limits: ["signedIn": .string(user)])
        default:
            return false
        }
    }
}
