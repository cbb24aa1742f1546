import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InfusionCore
import InfusionServer
import InfusionStore
import Testing

/// Issue 12 item 5, server side: `GET /v1/sessions/{id}/series`, the session page's chart of delivered dose and
/// predicted plasma level with the profile's lines, on both sockets, for the readers, audited like the other reads.
@Suite("Web socket: session series for the trend chart")
struct SessionSeriesRouteTests {
    @Test("the series starts at the session's start with nothing delivered, rises, ends at what the detail says, and carries the board's limit lines (500 mg cap L16, 5 and 8 µg/mL)")
    func seriesOnTheWebSocket() async throws {
        let harness = try WebHarness()
        try await harness.run { client in
            let id = try await StationPagesTests.start(client, patient: "MRN-0101")
            let reply = try await client.send(.get, "/v1/sessions/\(id.uuidString)/series", headers: WebHarness.headers())
            #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
            let trend = try reply.decode(SessionTrend.self)
            let detail = try await client.send(.get, "/v1/sessions/\(id.uuidString)", headers: WebHarness.headers()).decode(SessionDetail.self)
            #expect(trend.series.sessionId == id)
            #expect(trend.series.points.first?.at == detail.session.startedAt)
            #expect(trend.series.points.first?.deliveredMg == 0)
            #expect(zip(trend.series.points, trend.series.points.dropFirst()).allSatisfy { $0.deliveredMg <= $1.deliveredMg })
            // Read a moment apart (longer on a loaded machine): the detail may add at most what the bolus, 5.25 mg/min,
            // delivers between the two readings' times.
            let gap = try #require(detail.prediction?.asOf).timeIntervalSince(trend.series.to)
            let added = (detail.delivered?.mg ?? 0) - (trend.series.points.last?.deliveredMg ?? -1)
            #expect(gap >= 0 && added >= -0.01 && added <= 5.25 / 60 * gap + 0.02, "gap \(gap) s, added \(added) mg")
            #expect(trend.series.points.last?.predictedUgPerMl != nil && trend.series.bandFactor == 2)
            #expect(trend.limits == BoardLimits.of(session: detail.session, profile: harness.state.ruleSet.profiles[.lidocaine]))
            #expect(trend.limits.doseCapMg?.value == 500 && trend.limits.doseCapMg?.ruleId == "L16")
            #expect(trend.limits.predictedLevel.map(\.value) == [5, 8])
            let json = try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])
            #expect(Set(json.keys) == ["series", "limits"])
        }
        let records = try await harness.audit()
        let read = try #require(records.last { $0.action == "session.series.read" })
        #expect(read.actor.person == "nurse-042" && read.actor.via == "web")
        #expect(read.entity?.type == "session" && read.entity?.patientId == "MRN-0101")
    }

    @Test("the daemon's own socket serves it too, and an unknown session is 404 session.notFound")
    func seriesOnTheOwnSocket() async throws {
        let harness = try WebHarness()
        let id = Box<UUID?>(nil)
        try await harness.run { client in
            await id.set(try await StationPagesTests.start(client, patient: "MRN-0102"))
        }
        let session = try #require(await id.value)
        try await harness.runOwnSocket { client in
            let reply = try await client.get("/v1/sessions/\(session.uuidString)/series")
            #expect(reply.status == 200)
            #expect(try reply.decode(SessionTrend.self).series.sessionId == session)
            let missing = try await client.get("/v1/sessions/\(UUID().uuidString)/series")
            #expect(missing.status == 404)
            #expect(String(decoding: missing.body, as: UTF8.self).contains("session.notFound"))
        }
    }

    @Test("who may read it: the roles of GET /v1/sessions/{id}", arguments: [Role.station, .clinician, .auditor, .admin, .monitor])
    func roles(role: Role) {
        let series = AccessRules.roles(method: "GET", path: "/v1/sessions/\(UUID().uuidString)/series")
        let detail = AccessRules.roles(method: "GET", path: "/v1/sessions/\(UUID().uuidString)")
        #expect(series.contains(role) == detail.contains(role))
        #expect(series.contains(role) == (role != .monitor))
    }

    @Test("on the web socket an auditor reads it and a person without a station role is refused", arguments: [
        ("audit-office", 200), ("pain-team", 200), ("ward7-nurses", 200), ("visitors", 403),
    ])
    func webRoles(group: String, status: Int) async throws {
        let harness = try WebHarness()
        try await harness.run { client in
            let id = try await StationPagesTests.start(client, patient: "MRN-0103")
            let reply = try await client.send(.get, "/v1/sessions/\(id.uuidString)/series", headers: WebHarness.headers(user: "someone-1", groups: group))
            #expect(reply.status == status)
        }
    }

    actor Box<T: Sendable> {
        var value: T
        init(_ value: T) { self.value = value }
        func set(_ value: T) { self.value = value }
    }
}
