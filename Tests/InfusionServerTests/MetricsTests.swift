import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InfusionCore
import InfusionServer
import InfusionStore
import Testing

/// `GET /metrics`: Prometheus text with the counts an operator watches.
@Suite("Metrics")
struct MetricsTests {
    /// The value of one sample line, e.g. `infusiond_sessions_open` or `name{label="x"}`.
    static func sample(_ name: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }

    @Test("requests, observations, decisions, alerts, sessions and commits are counted")
    func counts() async throws {
        let base = try RouterHarness()
        let metrics = DaemonMetrics()
        let store = ClinicalStore(database: try ClinicalDatabase(), onCommit: { metrics.commitFinished(batchSize: $0, duration: $1) })
        let state = ServerState(store: store, ruleSet: base.state.ruleSet, version: "test",
                                access: .inProcessTests(as: [.admin]), metrics: metrics)
        let app = Application(router: InfusionDaemon.buildRouter(state: state))
        try await app.test(.router) { client in
            _ = try await client.execute(uri: "/v1/health", method: .get)
            _ = try await client.execute(uri: "/v1/health", method: .get)
            let started = try await client.execute(
                uri: "/v1/sessions", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(bytes: try WireJSON.encode(RouterHarness.startRequest())))
            #expect(started.status == .created)
            let session = try WireJSON.decoder().decode(Session.self, from: Data(started.body.readableBytesView))
            let observation = ObservationRequest(observedAt: Date(), recordedBy: "nurse-042", symptoms: [.tinnitus])
            let observed = try await client.execute(
                uri: "/v1/sessions/\(session.id)/observations", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(bytes: try WireJSON.encode(observation)))
            #expect(observed.status == .created)
            _ = try await client.execute(uri: "/v1/sessions/\(UUID())", method: .get)

            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(buffer: response.body)
            #expect(Self.sample(#"infusiond_http_requests_total{method="GET",route="/v1/health",status="200"}"#, in: text) == 2)
            #expect(Self.sample(#"infusiond_http_requests_total{method="GET",route="/v1/sessions/:id",status="404"}"#, in: text) == 1)
            #expect(Self.sample(#"infusiond_http_requests_total{method="POST",route="/v1/sessions/:id/observations",status="201"}"#, in: text) == 1)
            #expect(Self.sample("infusiond_observations_accepted_total", in: text) == 1)
            #expect(Self.sample("infusiond_sessions_open", in: text) == 1)
            #expect(Self.sample(#"infusiond_decisions_total{rule="L10",action="pause"}"#, in: text) == 1)
            #expect(Self.sample(#"infusiond_alerts_raised_total{priority="medium"}"#, in: text) == 1)
            #expect(Self.sample(#"infusiond_alerts_open{state="active",priority="medium"}"#, in: text) == 1)
            #expect(Self.sample(#"infusiond_alerts_open{state="acknowledged",priority="medium"}"#, in: text) == 0)
            #expect(Self.sample("infusiond_database_readable", in: text) == 1)
            #expect((Self.sample("infusiond_commit_duration_seconds_count", in: text) ?? 0) >= 2)
            #expect(text.contains("# HELP infusiond_commit_duration_seconds"))
            #expect(!text.contains("MRN-1001"), "no patient identifiers in metrics")

            // A second scrape does not count the same rows twice.
            let again = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(Self.sample("infusiond_observations_accepted_total", in: again) == 1)
            #expect(Self.sample(#"infusiond_decisions_total{rule="L10",action="pause"}"#, in: again) == 1)
        }
    }

    @Test("the stream-client gauge follows joins and leaves; storage faults are counted by kind")
    func gauges() async throws {
        let metrics = DaemonMetrics()
        metrics.streamClientJoined()
        metrics.streamClientJoined()
        metrics.streamClientLeft()
        metrics.storageFault(kind: "full")
        let text = await metrics.render(store: ClinicalStore(database: try ClinicalDatabase()))
        #expect(Self.sample("infusiond_stream_clients", in: text) == 1)
        #expect(Self.sample(#"infusiond_storage_faults_total{kind="full"}"#, in: text) == 1)
    }
}
