import HTTPTypes
import Hummingbird
import InfusionCore
import Logging
import NIOCore

/// The per-request context: Hummingbird's core storage plus the connection, for peer credentials.
public struct InfusionRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection the request came in on; nil in router tests without a socket.
    public let channel: (any Channel)?
    /// Who is calling and their roles, set by the access middleware before any route runs.
    public var access: PeerAccess?
    /// For a request on the web socket: the person the proxy vouches for; nil on the daemon's own socket.
    public var web: WebIdentity?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// The peer's credentials, when the request came over the Unix socket.
    public func peer() async -> PeerCredentials? {
        if let access { return access.peer }
        guard let channel else { return nil }
        return await PeerCredentials.read(from: channel)
    }

    /// The audit actor for this request: the named person, their roles and the peer process.
    public func actor(person: String?) async -> AuditActor {
        // On the web socket the person is the one the proxy authenticated (a body naming another is refused).
        if let web { return web.actor }
        let peer = await peer()
        let role = access.flatMap { $0.roles.isEmpty ? nil : $0.roles.sorted().map(\.rawValue).joined(separator: ",") }
        return AuditActor(person: person, role: role, uid: peer?.uid, gid: peer?.gid, pid: peer?.pid)
    }
}
