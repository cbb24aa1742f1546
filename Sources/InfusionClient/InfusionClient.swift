import Foundation
import InfusionCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small typed client for infusiond's HTTP/1.1 + JSON API on its Unix domain socket.
///
/// Each request opens its own connection and asks the daemon to close it afterwards, so a client value is cheap,
/// holds no state and may be shared freely between tasks.
public struct InfusionClient: Sendable {
    /// The path of the daemon's Unix domain socket.
    public let socketPath: String
    /// How long a request may take, from connecting to the last byte of the response.
    public let timeout: Duration
    private let eventLoopGroup: any EventLoopGroup

    /// Creates a client for the daemon listening on `socketPath`.
    ///
    /// - Parameters:
    ///   - socketPath: The daemon's socket, usually from ``SocketLocator/resolve(explicit:environment:fileExists:)``.
    ///   - timeout: How long one request may take before it fails with ``InfusionClientError/timedOut(path:after:)``.
    ///   - eventLoopGroup: The event loops to run connections on; the process-wide singleton by default.
    public init(
        socketPath: String,
        timeout: Duration = .seconds(30),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.socketPath = socketPath
        self.timeout = timeout
        self.eventLoopGroup = eventLoopGroup
    }

    /// Sends one request and returns the daemon's response whatever its status.
    ///
    /// `Host`, `Connection: close`, `Content-Length` and, when there is a body, `Content-Type: application/json`
    /// are set unless `headers` names them.
    ///
    /// - Parameters:
    ///   - method: The HTTP method, e.g. `GET` or `POST`.
    ///   - path: The request target with its query, e.g. `/v1/sessions?state=open`.
    ///   - body: The request body, if any.
    ///   - headers: Extra or overriding headers.
    /// - Throws: ``InfusionClientError/unreachable(path:underlying:)`` when the socket cannot be connected to,
    ///   ``InfusionClientError/connectionLost(path:underlying:)`` when the connection breaks before a complete
    ///   response, and ``InfusionClientError/timedOut(path:after:)`` when the response is too slow.
    public func send(
        method: String,
        path: String,
        body: Data? = nil,
        headers: [(name: String, value: String)] = []
    ) async throws -> HTTPResponse {
        let head = makeRequestHead(method: method, path: path, body: body, headers: headers)
        let socketPath = self.socketPath
        let timeout = self.timeout

        let deadline = ContinuousClock.now + timeout
        let channel = try await connect(before: deadline)
        return try await withThrowingTaskGroup(of: HTTPResponse.self) { group in
            group.addTask {
                try await Self.exchange(on: channel, head: head, body: body, socketPath: socketPath)
            }
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                throw InfusionClientError.timedOut(path: socketPath, after: timeout)
            }
            do {
                guard let response = try await group.next() else {
                    throw InfusionClientError.connectionLost(path: socketPath, underlying: nil)
                }
                group.cancelAll()
                return response
            } catch {
                // Closing the channel ends a read that is still waiting, so the group can finish at once.
                channel.channel.close(promise: nil)
                group.cancelAll()
                throw error
            }
        }
    }

    /// Connects to the socket, retrying briefly while its listen backlog is full.
    ///
    /// A Unix socket whose backlog is full refuses a non-blocking connect with `EAGAIN` at once (TCP would retry
    /// by itself), which happens when many clients connect together; that is worth waiting for, a missing socket or
    /// a refused connection is not.
    func connect(
        before deadline: ContinuousClock.Instant
    ) async throws -> NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart> {
        var pause = Duration.milliseconds(5)
        while true {
            do {
                return try await ClientBootstrap(group: eventLoopGroup)
                    .connectTimeout(TimeAmount(timeout))
                    .connect(unixDomainSocketPath: socketPath) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHTTPClientHandlers()
                            return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                                wrappingChannelSynchronously: channel)
                        }
                    }
            } catch let error as IOError where error.errnoCode == EAGAIN && ContinuousClock.now + pause < deadline {
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(200))
            } catch {
                throw InfusionClientError.unreachable(path: socketPath, underlying: error)
            }
        }
    }

    func makeRequestHead(
        method: String, path: String, body: Data?, headers: [(name: String, value: String)]
    ) -> HTTPRequestHead {
        var fields = HTTPHeaders()
        fields.add(name: "Host", value: "localhost")
        fields.add(name: "User-Agent", value: "infusion-client")
        fields.add(name: "Accept", value: "application/json, application/problem+json")
        fields.add(name: "Connection", value: "close")
        if let body {
            fields.add(name: "Content-Type", value: "application/json")
            fields.add(name: "Content-Length", value: String(body.count))
        } else if method != "GET" && method != "HEAD" {
            fields.add(name: "Content-Length", value: "0")
        }
        for (name, value) in headers {
            fields.replaceOrAdd(name: name, value: value)
        }
        return HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: path, headers: fields)
    }

    private static func exchange(
        on channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>,
        head: HTTPRequestHead,
        body: Data?,
        socketPath: String
    ) async throws -> HTTPResponse {
        do {
            return try await channel.executeThenClose { inbound, outbound in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // The request is written while the response is read: a daemon may answer early (e.g. 413 for a
                    // body that is too large) and close, and that answer must not be lost to the failed write.
                    group.addTask {
                        try? await outbound.write(.head(head))
                        if let body, !body.isEmpty {
                            try? await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                        }
                        try? await outbound.write(.end(nil))
                    }
                    defer {
                        // Ends a write the daemon no longer reads, so the group can finish.
                        channel.channel.close(promise: nil)
                        group.cancelAll()
                    }
                    return try await readResponse(from: inbound, socketPath: socketPath)
                }
            }
        } catch let error as InfusionClientError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw InfusionClientError.connectionLost(path: socketPath, underlying: error)
        }
    }

    private static func readResponse(
        from inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>, socketPath: String
    ) async throws -> HTTPResponse {
        var responseHead: HTTPResponseHead?
        var responseBody = ByteBuffer()
        for try await part in inbound {
            switch part {
            case .head(let received):
                responseHead = received
            case .body(var chunk):
                responseBody.writeBuffer(&chunk)
            case .end:
                guard let finished = responseHead else { continue }
                // An informational (1xx) answer is followed by the real one.
                if (100..<200).contains(finished.status.code) && finished.status.code != 101 {
                    responseHead = nil
                    responseBody.clear()
                    continue
                }
                return HTTPResponse(
                    status: Int(finished.status.code),
                    headers: finished.headers.map { (name: $0.name, value: $0.value) },
                    body: Data(responseBody.readableBytesView))
            }
        }
        throw InfusionClientError.connectionLost(path: socketPath, underlying: nil)
    }
}
