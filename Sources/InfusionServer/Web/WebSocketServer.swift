import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

/// The web socket: a second Unix socket served by the same routes, for the reverse proxy only.
///
/// No connection gate here: the proxy's account holds no role of its own (roles come from the people it vouches
/// for, request by request), and any other peer that the socket's group lets in is refused request by request
/// with `403 web.untrustedPeer` and audited.
enum WebSocketServer {
    /// The application serving `access` on `socketPath`. Once bound the socket is given mode 0660 and
    /// `socketGroup`; if that fails, `onSocketFailure` is told (the daemon then stops, as for its own socket).
    static func application(
        socketPath: String, socketGroup: String?, access: WebAccess, state: ServerState, refusals: RefusalAudit,
        limits: ConnectionLimits, http: HTTP1Channel.Configuration, logger: Logger,
        onSocketFailure: @escaping @Sendable (String) async -> Void
    ) -> some Service {
        Application(
            router: InfusionDaemon.buildRouter(state: state, refusals: refusals, web: access),
            server: .http1(configuration: http),
            configuration: .init(
                address: .unixDomainSocket(path: socketPath), serverName: "infusiond/\(InfusionDaemon.version)",
                availableConnectionsDelegate: MaximumAvailableConnections(limits.resolvedMaxConnections, logger: logger)),
            onServerRunning: { _ in
                do {
                    try SocketFile.secure(path: socketPath, mode: 0o660, group: socketGroup)
                    logger.info("serving the web socket", metadata: [
                        "infusion.socket": "\(socketPath)", "infusion.web.proxyUid": "\(access.proxyUID)",
                    ])
                } catch {
                    logger.critical("cannot secure the web socket; stopping", metadata: ["infusion.error": "\(error)"])
                    await onSocketFailure("web.socketPath: \(error)")
                }
            },
            logger: logger)
    }
}
