import Foundation
import InfusionHL7
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The MLLP listener (`hl7:`): TCP on `hl7.listen` and/or a Unix socket on `hl7.socketPath`, one message at a time
/// per connection, each answered on the same connection only after ``HL7Receiver`` returned (so after the commit).
///
/// Bounds: a frame over `hl7.maxMessageBytes` is never buffered past the limit and is refused; a connection silent
/// for `hl7.idleTimeoutSeconds` is closed; connections beyond `hl7.maxConnections` (all) or
/// `hl7.maxConnectionsPerAddress` (one address) are closed at once and logged.
public struct HL7Listener: Service {
    let configuration: HL7Configuration
    let receiver: HL7Receiver
    let logger: Logger
    let counts = ConnectionCounts()
    /// The TCP listener's TLS context, when `hl7.tls` is set.
    let tls: NIOSSLContext?
    /// Told once each configured endpoint is bound (with the bound TCP port), so the daemon can report readiness.
    let onBound: @Sendable (_ tcpPort: Int?) -> Void

    /// Reads the TLS files at once, so a daemon whose certificate or key cannot be used stops at start with the
    /// setting's name instead of serving without them.
    public init(configuration: HL7Configuration, receiver: HL7Receiver, logger: Logger, onBound: @escaping @Sendable (Int?) -> Void = { _ in }) throws {
        self.configuration = configuration
        self.receiver = receiver
        self.logger = logger
        self.onBound = onBound
        self.tls = try configuration.tls.map(Self.context)
    }

    /// The server context: the certificate chain and key, and with `clientCA` a client certificate required and
    /// verified against it (mutual TLS).
    static func context(_ tls: HL7TLSConfiguration) throws -> NIOSSLContext {
        func read<T>(_ setting: String, _ path: String, _ body: () throws -> T) throws -> T {
            do { return try body() } catch {
                throw ConfigurationError(file: setting, line: nil, message: "cannot use \(path) as a PEM file: \(error)")
            }
        }
        let chain = try read("hl7.tls.certificate", tls.certificate) { try NIOSSLCertificate.fromPEMFile(tls.certificate) }
        let key = try read("hl7.tls.key", tls.key) { try NIOSSLPrivateKey(file: tls.key, format: .pem) }
        var configuration: TLSConfiguration
        if let clientCA = tls.clientCA {
            let roots = try read("hl7.tls.clientCA", clientCA) { try NIOSSLCertificate.fromPEMFile(clientCA) }
            configuration = .makeServerConfigurationWithMTLS(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key),
                                                             trustRoots: .certificates(roots))
        } else {
            configuration = .makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        }
        configuration.minimumTLSVersion = .tlsv12
        return try read("hl7.tls", tls.certificate) { try NIOSSLContext(configuration: configuration) }
    }

    typealias Connection = NIOAsyncChannel<MLLPFramer.Event, ByteBuffer>

    public func run() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let maxBytes = configuration.resolvedMaxMessageBytes
        let idle = TimeAmount.seconds(Int64(configuration.resolvedIdleTimeoutSeconds))
        let tls = self.tls
        let initializer: @Sendable (any Channel, _ secured: Bool) -> EventLoopFuture<Connection> = { channel, secured in
            channel.eventLoop.makeCompletedFuture {
                if secured, let tls {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                }
                try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idle))
                try channel.pipeline.syncOperations.addHandler(CloseWhenIdle())
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MLLPFrameDecoder(maxMessageBytes: maxBytes)))
                return try Connection(wrappingChannelSynchronously: channel)
            }
        }
        var servers: [(NIOAsyncChannel<Connection, Never>, isUnix: Bool)] = []
        var tcpPort: Int?
        if let address = configuration.listenAddress {
            let server = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                // A sender that half-closes after its last frame (`nc -N`) still reads the answers to it.
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .bind(host: address.host, port: address.port, childChannelInitializer: { initializer($0, true) })
            tcpPort = server.channel.localAddress?.port
            logger.info("listening for HL7 over MLLP", metadata: [
                "infusion.hl7.listen": "\(address.host):\(tcpPort ?? address.port)",
                "infusion.hl7.tls": "\(tls == nil ? "off" : configuration.tls?.clientCA == nil ? "on" : "on, client certificates required")",
            ])
            servers.append((server, false))
        }
        if let path = configuration.socketPath {
            try SocketFile.prepare(path: path)
            let server = try await ServerBootstrap(group: group)
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .bind(unixDomainSocketPath: path, childChannelInitializer: { initializer($0, false) })
            try SocketFile.secure(path: path, mode: 0o660, group: configuration.socketGroup)
            logger.info("listening for HL7 over MLLP", metadata: ["infusion.hl7.socket": "\(path)"])
            servers.append((server, true))
        }
        onBound(tcpPort)
        let bound = servers
        defer { if let path = configuration.socketPath { SocketFile.remove(path: path) } }
        // A graceful shutdown cancels the accept loops and every connection: a message whose answer has not been
        // written is answered by nobody, and its resend is taken exactly once (docs/HL7.md, Exactly once).
        try await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { tasks in
                for (server, isUnix) in bound {
                    tasks.addTask {
                        try await withDiscardingTaskGroup { connections in
                            try? await server.executeThenClose { inbound in
                                for try await connection in inbound {
                                    connections.addTask { await self.serve(connection, isUnix: isUnix) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private func serve(_ connection: Connection, isUnix: Bool) async {
        let peer = isUnix ? HL7Peer.unix : Self.peer(connection.channel.remoteAddress)
        let address = isUnix ? "unix" : (connection.channel.remoteAddress?.ipAddress ?? "?")
        guard counts.enter(address, total: configuration.resolvedMaxConnections, perAddress: configuration.resolvedMaxConnectionsPerAddress) else {
            logger.warning("HL7 connection refused: too many connections", metadata: ["infusion.hl7.peer": "\(peer)"])
            try? await connection.channel.close()
            return
        }
        defer { counts.leave(address) }
        // Only a certificate that chained to clientCA is verified, so only then does the peer carry its subject.
        var unidentified = !isUnix && tls != nil && configuration.tls?.clientCA != nil
        do {
            try await connection.executeThenClose { inbound, outbound in
                var peer = peer
                for try await event in inbound {
                    if unidentified, case .network(let bytes, let text, _) = peer {
                        unidentified = false
                        peer = .network(address: bytes, text: text, certificateSubject: await HL7CertificateSubject.ofClient(on: connection.channel))
                    }
                    let answer: HL7Answer?
                    switch event {
                    case .message(let bytes):
                        answer = await receiver.receive(bytes, from: peer)
                    case .oversize(let length, let head):
                        answer = await receiver.oversize(head: head, length: length, from: peer)
                    case .discarded(let count):
                        logger.notice("HL7 bytes outside a frame dropped", metadata: ["infusion.hl7.peer": "\(peer)", "infusion.hl7.bytes": "\(count)"])
                        answer = nil
                    case .malformed(let length):
                        logger.notice("HL7 frame cut short dropped", metadata: ["infusion.hl7.peer": "\(peer)", "infusion.hl7.bytes": "\(length)"])
                        answer = nil
                    }
                    if let framed = answer?.framed {
                        // One write, so a sender reading the answer with a single recv gets all of it.
                        try await outbound.write(ByteBuffer(bytes: framed))
                    }
                }
            }
        } catch {
            logger.debug("HL7 connection ended", metadata: ["infusion.hl7.peer": "\(peer)", "infusion.error": "\(error)"])
        }
    }

    static func peer(_ address: SocketAddress?) -> HL7Peer {
        guard let address, let ip = address.ipAddress, let bytes = HL7AddressRange.addressBytes(ip) else {
            return .network(address: [], text: "\(address.map { "\($0)" } ?? "?")")
        }
        return .network(address: bytes, text: "\(ip):\(address.port ?? 0)")
    }

    /// Open connections, all together and by address.
    final class ConnectionCounts: Sendable {
        private let state = Mutex<(total: Int, byAddress: [String: Int])>((0, [:]))

        func enter(_ address: String, total: Int, perAddress: Int) -> Bool {
            state.withLock { state in
                guard state.total < total, state.byAddress[address, default: 0] < perAddress else { return false }
                state.total += 1
                state.byAddress[address, default: 0] += 1
                return true
            }
        }

        func leave(_ address: String) {
            state.withLock { state in
                state.total -= 1
                state.byAddress[address, default: 1] -= 1
                if state.byAddress[address] == 0 { state.byAddress[address] = nil }
            }
        }
    }
}

/// Closes a connection on the idle event of the `IdleStateHandler` before it.
final class CloseWhenIdle: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
