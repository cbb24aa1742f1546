import Foundation

/// A refusal by the clinical core or the store, in its own terms: what kind of refusal it is, a stable code, a
/// title, the detail a person can act on, and the request field at fault. The server maps the kind to an HTTP
/// status once; nothing below it knows about HTTP.
public struct DomainError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of refusal this is.
    public enum Kind: String, Sendable, Hashable {
        /// The request is well-formed but clinically or logically invalid (a limit, a missing value).
        case invalid
        /// The request conflicts with the session's or alert's current state.
        case conflict
        /// What the request names does not exist.
        case notFound
        /// The daemon cannot take writes now (its record failed an integrity check).
        case unavailable
    }

    public var kind: Kind
    public var code: String
    public var title: String
    public var detail: String
    /// The request field at fault, when there is one.
    public var field: String?
    /// Extra facts, e.g. the limit that was breached.
    public var limits: [String: JSONValue]?

    public init(_ kind: Kind, code: String, title: String, detail: String, field: String? = nil, limits: [String: JSONValue]? = nil) {
        self.kind = kind
        self.code = code
        self.title = title
        self.detail = detail
        self.field = field
        self.limits = limits
    }

    public var description: String { "\(code): \(detail)" }
}
