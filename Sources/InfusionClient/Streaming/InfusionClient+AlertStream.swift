import Foundation
import InfusionCore
import NIOCore
import NIOHTTP1
import Synchronization

/// What the alert stream delivers.
public enum AlertStreamItem: Sendable, Hashable {
    /// An alert was raised, escalated, acknowledged or resolved.
    case event(AlertEvent)
    /// The daemon's heartbeat on a quiet stream.
    case heartbeat
    /// The stream opened and sends the events after this id (the resume point to use before any event arrives).
    case opened(after: Int64)
    /// An alarm about the daemon itself (`event: system`, e.g. `database.integrity`): sent when it is raised and
    /// when a stream opens while it holds. It has no event id and does not move the resume point.
    case system(SystemAlert)
}

extension InfusionClient {
    /// `GET /v1/alerts/stream`: alert events as they happen, read as they arrive (the body is never collected).
    ///
    /// The stream ends when the daemon ends it (e.g. on shutdown) and throws when the connection breaks; either way,
    /// reconnect with `after` set to the last event's id to miss nothing. Stopping the iteration closes the
    /// connection.
    ///
    /// - Parameter after: Resume after this event id (sent as `Last-Event-ID`); nil for events from now on, 0 for
    ///   every event the daemon has recorded.
    public func alertStream(after: Int64? = nil) -> AsyncThrowingStream<AlertStreamItem, any Error> {
        let (stream, continuation) = AsyncThrowingStream<AlertStreamItem, any Error>.makeStream()
        var headers: [(name: String, value: String)] = [("Accept", "text/event-stream, application/problem+json")]
        if let after { headers.append(("Last-Event-ID", String(after))) }
        let head = makeRequestHead(method: "GET", path: "/v1/alerts/stream", body: nil, headers: headers)
        let socketPath = self.socketPath
        let open = Mutex<(any Channel)?>(nil)
        let task = Task {
            do {
                let channel = try await connect(before: .now + timeout)
                open.withLock { $0 = channel.channel }
                try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(.head(head))
                    try await outbound.write(.end(nil))
                    try await Self.readAlertStream(inbound, socketPath: socketPath) { continuation.yield($0) }
                }
                continuation.finish()
            } catch let error as InfusionClientError {
                continuation.finish(throwing: error)
            } catch is CancellationError {
                continuation.finish()
            } catch {
                continuation.finish(throwing: InfusionClientError.connectionLost(path: socketPath, underlying: error))
            }
        }
        continuation.onTermination = { _ in
            task.cancel()
            open.withLock { $0?.close(promise: nil) }
        }
        return stream
    }

    /// The greeting comment the daemon opens the stream with, followed by the id it resumes after.
    static let openedComment = "infusiond alert stream: events after "

    private static func readAlertStream(
        _ inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>, socketPath: String,
        yield: (AlertStreamItem) -> Void
    ) async throws {
        var status: Int?
        var errorBody = ByteBuffer()
        var parser = ServerSentEventParser()
        for try await part in inbound {
            switch part {
            case .head(let head):
                status = Int(head.status.code)
            case .body(var chunk):
                guard status == 200 else {
                    errorBody.writeBuffer(&chunk)
                    continue
                }
                for item in parser.feed(chunk.readableBytesView) {
                    switch item {
                    case .event(let event) where event.event.hasPrefix("alert."):
                        do {
                            yield(.event(try WireJSON.decoder().decode(AlertEvent.self, from: Data(event.data.utf8))))
                        } catch {
                            throw InfusionClientError.invalidResponse(
                                "An alert event (id \(event.id ?? "?")) could not be read: \(error). Check that infusionctl and infusiond are the same version.")
                        }
                    case .event(let event) where event.event == "system":
                        do {
                            yield(.system(try WireJSON.decoder().decode(SystemAlert.self, from: Data(event.data.utf8))))
                        } catch {
                            throw InfusionClientError.invalidResponse(
                                "A system alert could not be read: \(error). Check that infusionctl and infusiond are the same version.")
                        }
                    case .comment(let text) where text.hasPrefix("heartbeat"):
                        yield(.heartbeat)
                    case .comment(let text) where text.hasPrefix(openedComment):
                        if let after = Int64(text.dropFirst(openedComment.count)) { yield(.opened(after: after)) }
                    default:
                        break
                    }
                }
            case .end:
                guard let status else { throw InfusionClientError.connectionLost(path: socketPath, underlying: nil) }
                guard status == 200 else {
                    let response = HTTPResponse(status: status, headers: [], body: Data(errorBody.readableBytesView))
                    if let problem = response.problem { throw InfusionClientError.problem(problem) }
                    throw InfusionClientError.unexpected(status: status, body: response.bodyText)
                }
                return
            }
        }
        // The connection closed without the end of the response: the daemon went away mid-stream.
        throw InfusionClientError.connectionLost(path: socketPath, underlying: nil)
    }

    /// `POST /v1/sessions/{id}/replay`: re-runs a session's events with the recorded rules and reports every
    /// decision that would differ.
    public func replay(sessionId: UUID) async throws -> ReplayReport {
        try await send(method: "POST", path: "/v1/sessions/\(sessionId.uuidString.lowercased())/replay")
            .decoded(as: ReplayReport.self, expecting: [200])
    }

    /// `POST /v1/admin/reload`: reloads the drug profiles, as SIGHUP does.
    public func reloadProfiles() async throws -> ReloadResult {
        try await send(method: "POST", path: "/v1/admin/reload").decoded(as: ReloadResult.self, expecting: [200])
    }
}
