import Foundation
import HTTPTypes
import HummingbirdCore
import InfusionCore
import Logging
import NIOCore
import Synchronization

/// Decides, as each connection is accepted, whether it is served: a peer with no role is answered `403` and
/// disconnected before it can send anything, and no account may hold more than its share of connections.
///
/// Without this a process in the socket group but with no role could hold thousands of idle connections (each
/// waits out the idle timeout) and keep everyone else waiting in the listen queue.
public final class ConnectionGate: Sendable {
    /// What happens to a new connection.
    enum Verdict: Equatable {
        /// Served; the peer's connection count was raised.
        case serve(uid: UInt32)
        /// Answered with a short problem and disconnected. `uid` is set when the connection counts against the
        /// peer's limit until it closes; `linger` keeps it open briefly so the client can read the answer.
        case refuse(status: Int, code: String, detail: String, uid: UInt32?, linger: Bool)
        /// Closed without a word: the peer already holds its limit of connections it is not allowed to use.
        case drop
    }

    private let policy: AccessPolicy
    private let maxPerUser: Int
    private let refusals: RefusalAudit?
    private let logger: Logger
    private let open = Mutex<[UInt32: Int]>([:])
    private let identities = Mutex<[PeerCredentials: String]>([:])

    /// A gate applying `policy` with at most `maxPerUser` connections per account; refusals are audited through
    /// `refusals` when given.
    public init(policy: AccessPolicy, maxPerUser: Int, refusals: RefusalAudit?, logger: Logger) {
        self.policy = policy
        self.maxPerUser = maxPerUser
        self.refusals = refusals
        self.logger = logger
    }

    /// The connections an account holds now.
    public func openConnections(uid: UInt32) -> Int { open.withLock { $0[uid] ?? 0 } }

    /// Decides about a connection from `peer` (nil: no credentials, which a Unix socket on Linux always has).
    func admit(_ peer: PeerCredentials?) -> Verdict {
        guard let peer else {
            return .refuse(status: 403, code: "access.denied", detail: "The connection carries no peer credentials; connect over the daemon's Unix socket.", uid: nil, linger: true)
        }
        let roles = policy.roles(for: peer)
        let counted = open.withLock { open -> Bool in
            let held = open[peer.uid] ?? 0
            guard held < maxPerUser else { return false }
            open[peer.uid] = held + 1
            return true
        }
        if roles.isEmpty {
            guard counted else { return .drop }
            let who = "\(identity(of: peer)), pid \(peer.pid)"
            return .refuse(
                status: 403, code: "access.denied",
                detail: "This connection's peer (\(who)) holds no role, so the daemon serves it nothing and closes it. Ask the operator to add the account to a group mapped to a role (docs/OPERATIONS.md, Roles).",
                uid: peer.uid, linger: true)
        }
        guard counted else {
            return .refuse(
                status: 429, code: "connections.tooMany",
                detail: "The account uid \(peer.uid) already holds \(maxPerUser) connections to the daemon (connections.maxConnectionsPerUser); close idle ones or reuse them.",
                uid: nil, linger: false)
        }
        return .serve(uid: peer.uid)
    }

    /// The peer's account with names, looked up once per account: the lookups go to the user and group
    /// databases (NSS), and a flood of refused connections must not repeat them on the event loop.
    private func identity(of peer: PeerCredentials) -> String {
        let key = PeerCredentials(pid: 0, uid: peer.uid, gid: peer.gid, groups: peer.groups)
        if let known = identities.withLock({ $0[key] }) { return known }
        let text = PeerAccess.identity(of: peer)
        identities.withLock { known in
            if known.count >= 256 { known.removeAll() }
            known[key] = text
        }
        return text
    }

    /// Gives back a connection counted by ``admit(_:)``.
    func release(uid: UInt32) {
        open.withLock { open in
            let held = (open[uid] ?? 1) - 1
            open[uid] = held > 0 ? held : nil
        }
    }

    /// Audits a refusal (rate-limited per account by ``RefusalAudit``).
    func audit(_ verdict: Verdict, peer: PeerCredentials?) {
        let reason: String
        let detail: String
        switch verdict {
        case .serve: return
        case .refuse(_, let code, let text, _, _):
            reason = code == "connections.tooMany" ? "tooManyConnections" : "noRole"
            detail = text
        case .drop:
            reason = "noRole"
            detail = "a peer with no role over its connection limit; closed at once"
        }
        logger.info("connection refused", metadata: ["infusion.reason": "\(reason)", "infusion.uid": "\(peer.map { String($0.uid) } ?? "none")"])
        guard let refusals else { return }
        let actor = AuditActor(uid: peer?.uid, gid: peer?.gid, pid: peer?.pid)
        Task { try? await refusals.recordConnection(reason: reason, detail: detail, actor: actor) }
    }

    /// The bytes of a refusal: a complete HTTP/1.1 response that closes the connection.
    static func reply(status: Int, code: String, detail: String) -> ByteBuffer {
        let problem = Problem(status: status, code: code, title: status == 429 ? "Too many connections" : "Access denied", detail: detail)
        let body = (try? WireJSON.encode(problem)) ?? Data("{}".utf8)
        let reason = HTTPResponse.Status(code: status).reasonPhrase
        var buffer = ByteBuffer()
        buffer.writeString("HTTP/1.1 \(status) \(reason)\r\ncontent-type: application/problem+json\r\ncontent-length: \(body.count)\r\nconnection: close\r\n\r\n")
        buffer.writeBytes(body)
        return buffer
    }
}

/// A served connection or a refused one, as the gated HTTP/1 channel hands it to the server.
public enum GatedConnection: ServerChildChannelValue {
    case http(HTTP1Channel.Value)
    case refused(any Channel)

    public var channel: any Channel {
        switch self {
        case .http(let value): value.channel
        case .refused(let channel): channel
        }
    }
}

/// Hummingbird's HTTP/1 child channel behind a ``ConnectionGate``: the peer is read with SO_PEERCRED as the
/// connection is set up, and only connections the gate serves get an HTTP pipeline.
public struct GatedHTTP1Channel: ServerChildChannel {
    public typealias Value = GatedConnection

    let inner: HTTP1Channel
    let gate: ConnectionGate
    /// How long a refused connection stays open for its client to read the answer.
    static let linger: TimeAmount = .seconds(1)

    /// A server builder serving HTTP/1 with `configuration` through `gate`.
    public static func builder(configuration: HTTP1Channel.Configuration, gate: ConnectionGate) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            GatedHTTP1Channel(inner: HTTP1Channel(responder: responder, configuration: configuration), gate: gate)
        }
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let gate = self.gate
        let inner = self.inner
        return PeerCredentials.read(on: channel).flatMap { peer -> EventLoopFuture<Value> in
            let verdict = gate.admit(peer)
            switch verdict {
            case .serve(let uid):
                channel.closeFuture.whenComplete { _ in gate.release(uid: uid) }
                return inner.setup(channel: channel, logger: logger).map { .http($0) }
            case .refuse(let status, let code, let detail, let uid, let linger):
                if let uid { channel.closeFuture.whenComplete { _ in gate.release(uid: uid) } }
                gate.audit(verdict, peer: peer)
                do {
                    try channel.pipeline.syncOperations.addHandler(
                        RefusalReplyHandler(reply: ConnectionGate.reply(status: status, code: code, detail: detail),
                                            linger: linger ? Self.linger : nil))
                } catch {
                    channel.close(promise: nil)
                }
                return channel.eventLoop.makeSucceededFuture(.refused(channel))
            case .drop:
                gate.audit(verdict, peer: peer)
                channel.close(promise: nil)
                return channel.eventLoop.makeSucceededFuture(.refused(channel))
            }
        }
    }

    public func handle(value: Value, logger: Logger) async {
        switch value {
        case .http(let connection): await inner.handle(value: connection, logger: logger)
        case .refused: break
        }
    }
}

/// Writes a refusal as soon as the connection is up, ignores whatever the client sends, and closes: at once, or
/// after half-closing and a short linger so a client still sending its request can read the answer first.
final class RefusalReplyHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let reply: ByteBuffer
    private let linger: TimeAmount?
    private var sent = false

    init(reply: ByteBuffer, linger: TimeAmount?) {
        self.reply = reply
        self.linger = linger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { send(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        send(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func send(context: ChannelHandlerContext) {
        guard !sent else { return }
        sent = true
        let channel = context.channel
        let written = context.writeAndFlush(wrapOutboundOut(reply))
        guard let linger else {
            written.whenComplete { _ in channel.close(promise: nil) }
            return
        }
        written.whenComplete { _ in
            channel.close(mode: .output).whenFailure { _ in channel.close(promise: nil) }
        }
        context.eventLoop.scheduleTask(in: linger) { channel.close(promise: nil) }
    }
}
