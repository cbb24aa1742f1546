import Foundation

/// How many connections the daemon holds and how long an idle or stalled one may stay (`connections:` in the config).
public struct ConnectionLimits: Codable, Sendable, Hashable {
    /// A connection that sends nothing for this long is closed, including one stalled mid-request (default 60 s).
    public var idleTimeoutSeconds: Int?
    /// At most this many connections are served at once; further ones wait in the listen queue (default 4096).
    public var maxConnections: Int?

    public init(idleTimeoutSeconds: Int? = nil, maxConnections: Int? = nil) {
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.maxConnections = maxConnections
    }

    /// The idle timeout in force.
    public var resolvedIdleTimeoutSeconds: Int { idleTimeoutSeconds ?? 60 }
    /// The connection limit in force.
    public var resolvedMaxConnections: Int { maxConnections ?? 4096 }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case idleTimeoutSeconds, maxConnections
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let idle = try container.decodeIfPresent(Int.self, forKey: .idleTimeoutSeconds)
        let max = try container.decodeIfPresent(Int.self, forKey: .maxConnections)
        if let idle, !(1...3600).contains(idle) {
            throw DecodingError.dataCorruptedError(forKey: .idleTimeoutSeconds, in: container, debugDescription: "idleTimeoutSeconds must be 1…3600")
        }
        if let max, !(16...65536).contains(max) {
            throw DecodingError.dataCorruptedError(forKey: .maxConnections, in: container, debugDescription: "maxConnections must be 16…65536")
        }
        self.init(idleTimeoutSeconds: idle, maxConnections: max)
    }
}
