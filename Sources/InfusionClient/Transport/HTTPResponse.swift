import Foundation
import InfusionCore

/// A complete HTTP response from the daemon: status, headers and body bytes.
public struct HTTPResponse: Sendable {
    /// The HTTP status code, e.g. `201`.
    public var status: Int
    /// The response headers in the order the daemon sent them.
    public var headers: [(name: String, value: String)]
    /// The response body, empty when there was none.
    public var body: Data

    /// Creates a response from its parts.
    public init(status: Int, headers: [(name: String, value: String)], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, compared without regard to case, or nil when it is absent.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The body as UTF-8 text, with invalid bytes replaced.
    public var bodyText: String {
        String(decoding: body, as: UTF8.self)
    }

    /// Whether the daemon labelled the body as an RFC 9457 problem document.
    public var isProblem: Bool {
        header("Content-Type")?.lowercased().hasPrefix("application/problem+json") ?? false
    }

    /// The problem document in the body, when the response is an error that carries one.
    public var problem: Problem? {
        guard isProblem || status >= 400 else { return nil }
        return try? WireJSON.decoder().decode(Problem.self, from: body)
    }

    /// Decodes the body as `type` when the status is one of `statuses`.
    ///
    /// - Throws: ``InfusionClientError/problem(_:)`` when the daemon answered with a problem document,
    ///   ``InfusionClientError/unexpected(status:body:)`` for any other status, and
    ///   ``InfusionClientError/invalidResponse(_:)`` when an expected body cannot be decoded.
    public func decoded<Body: Decodable>(as type: Body.Type, expecting statuses: Set<Int>) throws -> Body {
        guard statuses.contains(status) else {
            if let problem { throw InfusionClientError.problem(problem) }
            throw InfusionClientError.unexpected(status: status, body: bodyText)
        }
        do {
            return try WireJSON.decoder().decode(Body.self, from: body)
        } catch {
            throw InfusionClientError.invalidResponse(
                "The \(status) response could not be read as \(Body.self): \(error). "
                    + "Check that infusionctl and infusiond are the same version.")
        }
    }
}
