import Foundation
import HTTPTypes
import InfusionCore
import InfusionServer
import InfusionStore
import Testing

@Suite("Routes: sessions, observations, actions, alerts, audit")
struct RouteTests {
    @Test("health reports version, database, rule-set hash and counts")
    func health() async throws {
        let harness = try RouterHarness()
        try await harness.run { client in
            let reply = try await client.get("/v1/health")
            #expect(reply.status == 200)
            let health = try reply.decode(Health.self)
            #expect(health.status == "ok")
            #expect(health.ruleSetHash == harness.state.ruleSet.hash)
            #expect(health.ruleSetHash.count == 64)
            #expect(health.openSessions == 0)
        }
    }

    @Test("a start answers 201 with the id, state, doses in mg and mg/h and the dosing weight")
    func start() async throws {
        try await RouterHarness().run { client in
            let reply = try await client.send(.post, "/v1/sessions", json: RouterHarness.startRequest())
            #expect(reply.status == 201)
            let session = try reply.decode(Session.self)
            #expect(session.state == .running)
            #expect(session.dosingWeight == .actual && session.dosingWeightKg == 70)
            #expect(session.doses == ComputedDoses(bolus: BolusOrder(doseMgPerKg: 1.5, durationMin: 20), infusion: InfusionOrder(rateMgPerKgPerHour: 1), dosingWeightKg: 70))
            #expect(session.doses.infusionMgPerHour == 70)
            #expect(reply.headers[.location] == "/v1/sessions/\(session.id.uuidString)")
        }
    }

    @Test("70 kg × 1.5 mg/kg/h = 105 mg/h is refused as over the 100 mg/h hard cap, override or not")
    func hardCap() async throws {
        try await RouterHarness().run { client in
            for override in [nil, Override(by: "clin-017", reason: "insist")] {
                let reply = try await client.send(.post, "/v1/sessions", json: RouterHarness.startRequest(rate: 1.5, override: override))
                #expect(reply.status == 422)
                #expect(reply.problem?.code == "dose.hardLimit")
                #expect(reply.problem?.limits?["limit"] == "infusionMgPerHour.hardMax")
                #expect(reply.problem?.detail.contains("105") == true)
            }
        }
    }

    @Test("a soft-limit breach needs an override, and the override is recorded")
    func softLimit() async throws {
        try await RouterHarness().run { client in
            let refused = try await client.send(.post, "/v1/sessions", json: RouterHarness.startRequest(bolus: 3.5))
            #expect(refused.status == 422)
            #expect(refused.problem?.code == "dose.softLimit")
            #expect(refused.problem?.limits?["limit"] == "bolusDoseMgPerKg.softMax")
            let override = Override(by: "clin-017", reason: "mixed neuropathic pain regimen")
            let accepted = try await client.send(.post, "/v1/sessions", json: RouterHarness.startRequest(bolus: 3.5, override: override))
            #expect(accepted.status == 201)
            let session = try accepted.decode(Session.self)
            #expect(session.override == override)
            let events = try await client.get("/v1/sessions/\(session.id)/events").decode(EventList.self)
            #expect(events.decisions.map(\.decision.ruleId) == ["L15"])
        }
    }

    @Test("a start without a full baseline is refused naming what is missing")
    func missingBaseline() async throws {
        try await RouterHarness().run { client in
            var request = RouterHarness.startRequest()
            request.baseline?.prMs = nil
            let reply = try await client.send(.post, "/v1/sessions", json: request)
            #expect(reply.status == 422)
            #expect(reply.problem?.code == "session.baselineMissing")
            #expect(reply.problem?.field == "baseline.prMs")
        }
    }

    @Test("tinnitus, perioral numbness and an arrhythmia each act at once", arguments: [
        (["tinnitus"], nil, "L10", DecisionAction.pause, SessionState.paused),
        (["perioralNumbness"], nil, "L10", .pause, .paused),
        (["arrhythmia"], nil, "L03", .stop, .stopped),
        ([], "atrialFibrillation", "L03", .stop, .stopped),
        ([], "ventricularTachycardia", "L02", .stop, .stopped),
    ] as [([String], String?, String, DecisionAction, SessionState)])
    func immediateRules(symptoms: [String], rhythm: String?, ruleId: String, action: DecisionAction, state: SessionState) async throws {
        try await RouterHarness().run { client in
            let session = try await client.send(.post, "/v1/sessions", json: RouterHarness.startRequest()).decode(Session.self)
            let observation = ObservationRequest(
                observedAt: Date(), recordedBy: "nurse-042", vitals: rhythm.map { Vitals(rhythm: Rhythm(rawValue: $0)) },
                symptoms: symptoms.isEmpty ? nil : symptoms.compactMap(Symptom.init(rawValue:)))
            let reply = try await client.send(.post, "/v1/sessions/\(session.id)/observations", json: observation)
            #expect(reply.status == 201)
            let response = try reply.decode(EventResponse.self)
            let decision = try #require(response.decisions.first { $0.ruleId == ruleId })
            #expect(decision.action == action)
            #expect(!decision.reason.isEmpty)
            #expect(response.session.state == state)
            let detail = try await client.get("/v1/sessions/\(session.id)").decode(SessionDetail.self)
            #expect(detail.session.state == state)
            #expect(detail.openAlerts.contains { $0.ruleId == ruleId })
            #expect(detail.recentDecisions.contains { $0.decision.ruleId == ruleId })
            let alerts = try await client.get("/v1/alerts?state=active").decode(AlertList.self)
            #expect(alerts.alerts.contains { $0.ruleId == ruleId && $0.sessionId == session.id })
        }
    }

    @Test("the whole clinical flow: pause, acknowledge, resume, stop, pump stopped, acknowledge, end states")
    func clinicalFlow() async throws {
        try await RouterHarness().run { client in
            let session = try await client.send(.post, "/v1/sessions", json: RouterHarness.startRequest()).decode(Session.self)
            let base = "/v1/sessions/\(session.id)"
            let paused = try await client.send(.post, "\(base)/observations", json: ObservationRequest(observedAt: Date(), recordedBy: "nurse-042", symptoms: [.tinnitus])).decode(EventResponse.self)
            let alert = try #require(paused.alerts.first)
            let acked = try await client.send(.post, "/v1/alerts/\(alert.id)/ack", json: AcknowledgeRequest(by: "nurse-042", note: "at bedside"))
            #expect(acked.status == 200)
            #expect(try acked.decode(Alert.self).state == .acknowledged)
            let noReason = try await client.send(.post, "\(base)/actions", json: ActionRequest(action: .resume, by: "clin-017"))
            #expect(noReason.status == 422 && noReason.problem?.code == "action.reasonRequired")
            let resumed = try await client.send(.post, "\(base)/actions", json: ActionRequest(action: .resume, by: "clin-017", reason: "symptom settled"))
            #expect(try resumed.decode(EventResponse.self).session.state == .running)
            let stopped = try await client.send(.post, "\(base)/observations", json: ObservationRequest(observedAt: Date(), recordedBy: "nurse-042", symptoms: [.tinnitus, .perioralNumbness])).decode(EventResponse.self)
            #expect(stopped.session.state == .stopped)
            let stopAlert = try #require(stopped.alerts.first { $0.ruleId == "L11" })
            #expect(stopAlert.latched && stopAlert.priority == .high)
            let resume = try await client.send(.post, "\(base)/actions", json: ActionRequest(action: .resume, by: "clin-017", reason: "try again"))
            #expect(resume.status == 409 && resume.problem?.code == "session.stopped")
            _ = try await client.send(.post, "\(base)/actions", json: ActionRequest(action: .pumpStopped, by: "nurse-042"))
            let resolved = try await client.send(.post, "/v1/alerts/\(stopAlert.id)/ack", json: AcknowledgeRequest(by: "nurse-042")).decode(Alert.self)
            #expect(resolved.state == .resolved)
            // L22: the post-infusion observation window runs on after the stop, so closing now needs an override.
            let early = try await client.send(.post, "\(base)/actions", json: ActionRequest(action: .close, by: "clin-017"))
            #expect(early.status == 409 && early.problem?.code == "session.postInfusionWindow")
            let closed = try await client.send(.post, "\(base)/actions", json: ActionRequest(
                action: .close, by: "clin-017", override: Override(by: "clin-017", reason: "transferred to the ward team")))
            #expect(try closed.decode(EventResponse.self).session.state == .closed)
            let verification = try await client.get("/v1/audit/verify").decode(AuditVerification.self)
            #expect(verification.ok)
        }
    }

    @Test("a retried observation returns the original answer with 200; a changed body is 409")
    func idempotency() async throws {
        try await RouterHarness().run { client in
            let session = try await client.send(.post, "/v1/sessions", json: RouterHarness.startRequest()).decode(Session.self)
            let observation = ObservationRequest(observedAt: Date(), recordedBy: "nurse-042", symptoms: [.tinnitus])
            let first = try await client.send(.post, "/v1/sessions/\(session.id)/observations", json: observation)
            let second = try await client.send(.post, "/v1/sessions/\(session.id)/observations", json: observation)
            #expect(first.status == 201 && second.status == 200)
            #expect(second.headers[.init("Idempotent-Replay")!] == "true")
            #expect(String(decoding: first.body, as: UTF8.self) == String(decoding: second.body, as: UTF8.self))
            var changed = observation
            changed.symptoms = [.nausea]
            let conflict = try await client.send(.post, "/v1/sessions/\(session.id)/observations", json: changed)
            #expect(conflict.status == 409 && conflict.problem?.code == "event.conflict")
            let events = try await client.get("/v1/sessions/\(session.id)/events").decode(EventList.self)
            #expect(events.events.count == 2)
        }
    }

    @Test("audit pages follow seq and stop at the end")
    func auditPages() async throws {
        try await RouterHarness().run { client in
            _ = try await client.send(.post, "/v1/sessions", json: RouterHarness.startRequest())
            _ = try await client.send(.post, "/v1/sessions", json: RouterHarness.startRequest())
            let first = try await client.get("/v1/audit?after=0&limit=1").decode(AuditPage.self)
            #expect(first.records.map(\.record.seq) == [1])
            #expect(first.nextAfter == 1)
            let rest = try await client.get("/v1/audit?after=1&limit=1000").decode(AuditPage.self)
            // Record 3 is the audit of the first page's read (reads are audited after they are fetched).
            #expect(rest.records.map(\.record.seq) == [2, 3])
            #expect(rest.records.last?.record.action == "audit.read")
            #expect(rest.nextAfter == nil)
        }
    }
}
