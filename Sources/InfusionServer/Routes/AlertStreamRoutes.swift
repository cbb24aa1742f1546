import Foundation
import HTTPTypes
import Hummingbird
import InfusionCore
import InfusionStore
import Logging
import NIOCore
import ServiceLifecycle

/// `GET /v1/alerts/stream`: every alert raised, escalated, acknowledged and resolved, live, as Server-Sent Events;
/// and the daemon's own system alerts that do not live in the database (`database.integrity`) as `event: system`,
/// when they are raised and to every stream opened while they hold.
enum AlertStreamRoutes {
    /// How many events one read of the table sends at most before looking again.
    static let batchSize = 256

    static func add(to router: Router<InfusionRequestContext>, state: ServerState) {
        router.get("/v1/alerts/stream") { request, context in
            let resume = try ServerSentEvents.resumePoint(
                lastEventId: request.headers[HTTPField.Name("Last-Event-ID")!], after: request.uri.queryParameters.get("after"))
            let latest = try await state.store.latestAlertEventId()
            // Without a resume point the client wants what happens from now on. A resume point above the newest event
            // means the database was restored or replaced since the client's last event: waiting for ids to climb
            // past it would show nothing for a long time, so the client gets the current state and goes on from now.
            let start = min(resume ?? latest, latest)
            let snapshot = if let resume, resume > latest { try await currentState(upTo: latest, store: state.store) } else { [AlertEvent]() }
            let actor = await context.actor(person: try ReadAudit.person(request))
            let route = ReadAudit.routeDetail(request)
            try await ReadAudit.store("alert.stream.open", actor: actor, entity: AuditEntity(type: "alerts"), detail: route.merging([
                "after": .number(Double(start)), "lastEventId": resume.map { .number(Double($0)) } ?? .null,
                "snapshot": .number(Double(snapshot.count)),
            ]) { own, _ in own }, state: state, logger: context.logger)
            let store = state.store
            let bus = state.alertBus
            let metrics = state.metrics
            let logger = context.logger
            logger.info("alert stream opened", metadata: ["infusion.stream.after": "\(start)"])
            let body = ResponseBody { writer in
                let subscription = bus.subscribe()
                metrics.streamClientJoined()
                var sent: [String] = []
                defer {
                    subscription.cancel()
                    metrics.streamClientLeft()
                }
                var last = start
                var systemSent: Set<SystemAlert> = []
                // System alerts this stream has not sent yet, formatted; they go before alert events, as they ask
                // for action on the whole ward.
                func unsentSystemAlerts() throws -> String {
                    let new = state.integrity.systemAlerts.filter { !systemSent.contains($0) }
                    systemSent.formUnion(new)
                    return try new.map(ServerSentEvents.format).joined()
                }
                try await writer.write(ByteBuffer(string: ServerSentEvents.retry(milliseconds: 2000)
                    + ServerSentEvents.comment("infusiond alert stream: events after \(start)") + (try unsentSystemAlerts())))
                do {
                    if let resume, resume > latest {
                        try await writer.write(ByteBuffer(string: ServerSentEvents.comment(
                            "Last-Event-ID \(resume) is above the newest event \(latest) (the database was restored or replaced): the current state of \(snapshot.count) open alert(s) follows")
                            + (try snapshot.map(ServerSentEvents.format).joined())))
                        sent += snapshot.map { String($0.id) }
                    }
                    // Graceful shutdown ends the subscription, which ends the loop and the response, so SIGTERM is
                    // never held up by a connected client.
                    try await withGracefulShutdownHandler {
                        for await signal in subscription.signals {
                            var wrote = false
                            let system = try unsentSystemAlerts()
                            if !system.isEmpty {
                                try await writer.write(ByteBuffer(string: system))
                                wrote = true
                            }
                            while true {
                                let events = try await store.alertEvents(after: last, limit: batchSize)
                                guard let newest = events.last else { break }
                                try await writer.write(ByteBuffer(string: try events.map(ServerSentEvents.format).joined()))
                                sent += events.map { String($0.id) }
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
                } catch {
                    await recordClose(sent: sent, last: last, actor: actor, route: route, state: state, logger: logger)
                    throw error
                }
                await recordClose(sent: sent, last: last, actor: actor, route: route, state: state, logger: logger)
                logger.info("alert stream closed", metadata: ["infusion.stream.last": "\(last)"])
                try await writer.finish(nil)
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"],
                body: body)
        }
    }

    /// The newest event at or before `latest` of every unresolved alert, oldest first: what a client that lost
    /// track needs to show the ward's alerts as they stand.
    static func currentState(upTo latest: Int64, store: ClinicalStore) async throws -> [AlertEvent] {
        try await store.unresolvedAlertsWithHistory()
            .compactMap { $0.history.last { $0.id <= latest } }
            .sorted { $0.id < $1.id }
    }

    /// Records what a stream sent (its events' number and digest, not each id) when it ends. The stream has
    /// already been served, so a record that cannot be written is deferred like any read's.
    static func recordClose(sent: [String], last: Int64, actor: AuditActor, route: [String: JSONValue], state: ServerState, logger: Logger) async {
        var detail = route.merging(ReadAudit.digest(of: sent)) { own, _ in own }
        detail["lastEventId"] = .number(Double(last))
        do {
            try await ReadAudit.store("alert.stream.read", actor: actor, entity: AuditEntity(type: "alerts"), detail: detail,
                                      state: state, logger: logger)
        } catch {
            logger.error("could not audit what an alert stream sent", metadata: ["infusion.error": "\(error)"])
        }
    }
}
