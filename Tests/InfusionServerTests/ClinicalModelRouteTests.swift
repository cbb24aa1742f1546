import Foundation
import HTTPTypes
import InfusionCore
import InfusionServer
import InfusionStore
import Testing

/// The clinical model over the real router with the shipped profiles: start checks (L18/L19) and their problems,
/// the session view's dose and prediction, ketamine K01 and X01 across two sessions of one patient.
@Suite("Routes: start checks, dose and prediction, ketamine, X01")
struct ClinicalModelRouteTests {
    static let review = Override(by: "clin-017", reason: "Reviewed with cardiology; monitored bed")

    static func start(_ drug: Drug = .lidocaine, patient: String = "MRN-3001", rate: Double = 1, bolus: BolusOrder? = nil,
                      flags: PatientFlags? = nil, override: Override? = nil, contraindicationOverride: Override? = nil) -> StartSessionRequest {
        StartSessionRequest(
            patientId: patient, drug: drug, weightKg: 70, heightCm: 175, sex: .male, dosingWeight: .actual, bolus: bolus,
            infusion: InfusionOrder(rateMgPerKgPerHour: rate), prescriber: "clin-017", recordedBy: "nurse-042",
            baseline: RouterHarness.baseline, override: override, flags: flags, contraindicationOverride: contraindicationOverride)
    }

    static func observation(_ symptoms: [Symptom]) -> ObservationRequest {
        ObservationRequest(eventId: UUID(), observedAt: WireJSON.truncatedToMilliseconds(Date()), recordedBy: "nurse-042", symptoms: symptoms)
    }

    @Test("L19: heart failure needs a review; with it the session starts on the Vozeh heart-failure model")
    func reviewRequired() async throws {
        try await RouterHarness().run { client in
            let flags = PatientFlags(conditions: [.heartFailure], ageYears: 64)
            let refused = try await client.send(.post, "/v1/sessions", json: Self.start(rate: 0.5, flags: flags))
            #expect(refused.status == 422)
            #expect(refused.problem?.code == "session.reviewRequired")
            #expect(refused.problem?.limits?["reviewFor"] == ["heartFailure"])

            let accepted = try await client.send(.post, "/v1/sessions", json: Self.start(rate: 0.5, flags: flags, override: Self.review))
            #expect(accepted.status == 201)
            let session = try accepted.decode(Session.self)
            #expect(session.flags == flags)
            let detail = try await client.get("/v1/sessions/\(session.id.uuidString)").decode(SessionDetail.self)
            #expect(detail.prediction?.parameterSet == .vozehHeartFailure)
            #expect(detail.recentDecisions.map(\.decision.ruleId) == ["L19"])
        }
    }

    @Test("L18: an absolute contraindication is refused; contraindicationOverride starts it and is recorded")
    func contraindicated() async throws {
        try await RouterHarness().run { client in
            let flags = PatientFlags(conditions: [.conductionBlock])
            let refused = try await client.send(.post, "/v1/sessions", json: Self.start(flags: flags, override: Self.review))
            #expect(refused.status == 422)
            #expect(refused.problem?.code == "session.contraindicated")
            let accepted = try await client.send(.post, "/v1/sessions", json: Self.start(flags: flags, contraindicationOverride: Self.review))
            #expect(accepted.status == 201)
            let id = try accepted.decode(Session.self).id
            let events = try await client.get("/v1/sessions/\(id.uuidString)/events").decode(EventList.self)
            #expect(events.decisions.map(\.decision.ruleId) == ["L18"])
        }
    }

    @Test("An unknown flag is refused before anything is stored")
    func unknownFlag() async throws {
        try await RouterHarness().run { client in
            var body = try JSONSerialization.jsonObject(with: WireJSON.encode(Self.start())) as! [String: Any]
            body["flags"] = ["heartFaliure": true]
            let reply = try await client.send(.post, "/v1/sessions", raw: try JSONSerialization.data(withJSONObject: body))
            #expect(reply.status == 422)
            #expect(reply.problem?.code == "request.invalidField")
            #expect(reply.problem?.detail.contains("heartFaliure") == true)
            #expect(try await client.get("/v1/sessions?state=all").decode(SessionList.self).sessions.isEmpty)
        }
    }

    @Test("The session view shows the dose so far and the predicted level with its band and steady state")
    func sessionView() async throws {
        try await RouterHarness().run { client in
            let started = try await client.send(.post, "/v1/sessions", json: Self.start(bolus: BolusOrder(doseMgPerKg: 1.5, durationMin: 20)))
            let id = try started.decode(Session.self).id
            let detail = try await client.get("/v1/sessions/\(id.uuidString)").decode(SessionDetail.self)
            let delivered = try #require(detail.delivered)
            // Read straight after the start: the bolus (315 mg/h) is running and almost nothing is in yet.
            #expect(delivered.currentRateMgPerHour == 315)
            #expect(delivered.mg >= 0 && delivered.mg < 5)
            #expect(delivered.programmedInfusionMgPerHour == 70)
            let prediction = try #require(detail.prediction)
            #expect(prediction.parameterSet == .rowland && prediction.bandFactor == 2)
            // 70 mg/h under Rowland at 70 kg: steady state 1.3366 µg/mL, band 2.6732.
            #expect(prediction.steadyStateUgPerMl == 1.337 && prediction.steadyStateUpperBandUgPerMl == 2.673)
        }
    }

    @Test("Ketamine: K01 needs a review above 1 mg/kg/h and records it at medium priority")
    func ketamineK01() async throws {
        try await RouterHarness().run { client in
            let refused = try await client.send(.post, "/v1/sessions", json: Self.start(.ketamine, rate: 1.2))
            #expect(refused.status == 422 && refused.problem?.code == "dose.softLimit")
            let accepted = try await client.send(.post, "/v1/sessions", json: Self.start(.ketamine, rate: 1.2, override: Self.review))
            #expect(accepted.status == 201)
            let id = try accepted.decode(Session.self).id
            let detail = try await client.get("/v1/sessions/\(id.uuidString)").decode(SessionDetail.self)
            #expect(detail.openAlerts.map(\.ruleId) == ["K01"] && detail.openAlerts.first?.priority == .medium)
            #expect(detail.prediction?.parameterSet == .domino)
        }
    }

    @Test("X01: an L09 stop on the lidocaine session stops the same patient's ketamine session")
    func x01() async throws {
        try await RouterHarness().run { client in
            let lidocaine = try await client.send(.post, "/v1/sessions", json: Self.start()).decode(Session.self)
            let ketamine = try await client.send(.post, "/v1/sessions", json: Self.start(.ketamine, rate: 0.2)).decode(Session.self)
            let other = try await client.send(.post, "/v1/sessions", json: Self.start(.ketamine, patient: "MRN-3002", rate: 0.2)).decode(Session.self)
            let reply = try await client.send(.post, "/v1/sessions/\(lidocaine.id.uuidString)/observations", json: Self.observation([.slurredSpeech]))
            #expect(reply.status == 201)
            #expect(try reply.decode(EventResponse.self).session.state == .stopped)
            let stopped = try await client.get("/v1/sessions/\(ketamine.id.uuidString)").decode(SessionDetail.self)
            #expect(stopped.session.state == .stopped)
            #expect(stopped.openAlerts.map(\.ruleId) == ["X01"])
            #expect(try await client.get("/v1/sessions/\(other.id.uuidString)").decode(SessionDetail.self).session.state == .running)
        }
    }
}
