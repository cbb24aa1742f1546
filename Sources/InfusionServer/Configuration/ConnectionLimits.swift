import Foundation

/// How many connections the daemon holds, per account and in all, how long an idle or stalled one may stay, and
/// how large a request's head may be (`connections:` in the config).
public struct ConnectionLimits: Codable, Sendable, Hashable {
    /// A connection that sends nothing for this long is closed, including one stalled mid-request (default 60 s).
    public var idleTimeoutSeconds: Int?
    /// At most this many connections are served at once; further ones wait in the listen queue (default 4096).
    public var maxConnections: Int?
    /// At most this many connections from one account (uid) at once; more are answered `429` and closed
    /// (default 64). Connections from an account with no role count too, for the moment they are open.
    public var maxConnectionsPerUser: Int?
    /// The largest request line plus headers accepted, in bytes (default 16384); larger is refused and closed.
    public var maxHeaderBytes: Int?

    public init(idleTimeoutSeconds: Int? = nil, maxConnections: Int? = nil, maxConnectionsPerUser: Int? = nil,
                maxHeaderBytes: Int? = nil) {
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.maxConnections = maxConnections
        self.maxConnectionsPerUser = maxConnectionsPerUser
        self.maxHeaderBytes = maxHeaderBytes
    }

    /// The idle timeout in force.
    public var resolvedIdleTimeoutSeconds: Int { idleTimeoutSeconds ?? 60 }
    /// The connection limit in force.
    public var resolvedMaxConnections: Int { maxConnections ?? 4096 }
    /// The per-account connection limit in force.
    public var resolvedMaxConnectionsPerUser: Int { maxConnectionsPerUser ?? 64 }
    /// The request head limit in force: what a browser or a station sends is well under 8 KiB.
    public var resolvedMaxHeaderBytes: Int { maxHeaderBytes ?? 16 * 1024 }
    /// The most header lines one request may carry.
    public static let maxHeaderFields = 100

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case idleTimeoutSeconds, maxConnections, maxConnectionsPerUser, maxHeaderBytes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let idle = try container.decodeIfPresent(Int.self, forKey: .idleTimeoutSeconds)
        let max = try container.decodeIfPresent(Int.self, forKey: .maxConnections)
        let perUser = try container.decodeIfPresent(Int.self, forKey: .maxConnectionsPerUser)
        let header = try container.decodeIfPresent(Int.self, forKey: .maxHeaderBytes)
        if let idle, !(1...3600).contains(idle) {
            throw DecodingError.dataCorruptedError(forKey: .idleTimeoutSeconds, in: container, debugDescription: "idleTimeoutSeconds must be 1…3600")
        }
        if let max, !(16...65536).contains(max) {
            throw DecodingError.dataCorruptedError(forKey: .maxConnections, in: container, debugDescription: "maxConnections must be 16…65536")
        }
        if let perUser, !(2...65536).contains(perUser) {
            throw DecodingError.dataCorruptedError(forKey: .maxConnectionsPerUser, in: container, debugDescription: "maxConnectionsPerUser must be 2…65536")
        }
        if let header, !(4096...(80 * 1024)).contains(header) {
            throw DecodingError.dataCorruptedError(forKey: .maxHeaderBytes, in: container, debugDescription: "maxHeaderBytes must be 4096…81920")
        }
        self.init(idleTimeoutSeconds: idle, maxConnections: max, maxConnectionsPerUser: perUser, maxHeaderBytes: header)
    }
}
