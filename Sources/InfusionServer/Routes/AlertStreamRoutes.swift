import Foundation
import HTTPTypes
import Hummingbird
import InfusionCore
import InfusionStore
import Logging
import NIOCore
import ServiceLifecycle

/// `GET /v1/alerts/stream`: every alert raised, escalated, acknowledged and resolved, live, as Server-Sent Events.
enum AlertStreamRoutes {
    /// How many events one read of the table sends at most before looking again.
    static let batchSize = 256

    static func add(to router: Router<InfusionRequestContext>, state: ServerState) {
        router.get("/v1/alerts/stream") { request, context in
            let resume = try ServerSentEvents.resumePoint(
                lastEventId: request.headers[HTTPField.Name("Last-Event-ID")!], after: request.uri.queryParameters.get("after"))
            // Without a resume point the client wants what happens from now on.
            let start = if let resume { resume } else { try await state.store.latestAlertEventId() }
            let store = state.store
            let bus = state.alertBus
            let logger = context.logger
            logger.info("alert stream opened", metadata: ["infusion.stream.after": "\(start)"])
            let body = ResponseBody { writer in
                let subscription = bus.subscribe()
                defer { subscription.cancel() }
                var last = start
                try await writer.write(ByteBuffer(string: ServerSentEvents.retry(milliseconds: 2000)
                    + ServerSentEvents.comment("infusiond alert stream: events after \(start)")))
                // Graceful shutdown ends the subscription, which ends the loop and the response, so SIGTERM is never
                // held up by a connected client.
                try await withGracefulShutdownHandler {
                    for await signal in subscription.signals {
                        var wrote = false
                        while true {
                            let events = try await store.alertEvents(after: last, limit: batchSize)
                            guard let newest = events.last else { break }
                            try await writer.write(ByteBuffer(string: try events.map(ServerSentEvents.format).joined()))
                            last = newest.id
                            wrote = true
                            if events.count < batchSize { break }
                        }
                        if signal == .heartbeat && !wrote {
                            try await writer.write(ByteBuffer(string: ServerSentEvents.comment("heartbeat \(WireJSON.formatTimestamp(Date()))")))
                        }
                    }
                } onGracefulShutdown: {
                    subscription.cancel()
                }
                logger.info("alert stream closed", metadata: ["infusion.stream.last": "\(last)"])
                try await writer.finish(nil)
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"],
                body: body)
        }
    }
}
