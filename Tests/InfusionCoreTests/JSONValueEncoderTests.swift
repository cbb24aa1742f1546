import Foundation
import InfusionCore
import Testing

/// `JSONValue(encoding:)` must build exactly the value that writing the wire JSON and reading it back gives, for
/// every body the store keeps, or an answer's body would differ from the stored text.
@Suite("JSONValue built from a typed value")
struct JSONValueEncoderTests {
    static func throughText(_ value: some Encodable) throws -> JSONValue {
        try WireJSON.decoder().decode(JSONValue.self, from: try WireJSON.encode(value))
    }

    static let now = SessionFixture.now

    static let everyObservationField: ObservationRequest = {
        var request = ObservationRequest(
            eventId: UUID(), observedAt: now.addingTimeInterval(0.123), recordedBy: "rn.bo",
            vitals: Vitals(heartRateBpm: 72.5, systolicMmHg: 120, diastolicMmHg: 80, spo2Percent: 97, respiratoryRatePerMin: 14,
                           qrsMs: 90, prMs: 160, rhythm: .sinus),
            symptoms: [.tinnitus, .perioralNumbness], sedation: nil, painNrs: 6, serumLevelUgPerMl: 2.25)
        request.feedId = "monitor-7"
        request.device = DeviceProvenance(deviceId: "0012340000ABCDEF", receivedAt: now, questionable: true, message: "hl7 ORU^R01 \"1\"/é")
        return request
    }()

    @Test("observations, actions, starts, daemon events and schedule checks: the same value either way", arguments: [
        "observation (every field)", "observation (only required fields)", "start", "action (rate change with override)",
        "system event", "schedule check", "session", "alert", "decision",
    ])
    func sameValue(kind: String) throws {
        let value: any Encodable & Sendable = switch kind {
        case "observation (every field)": Self.everyObservationField
        case "observation (only required fields)": ObservationRequest(observedAt: Self.now, recordedBy: "rn.bo")
        case "start":
            StartSessionRequest(
                patientId: "MRN-1", drug: .lidocaine, weightKg: 70.5, heightCm: 175, sex: .female, dosingWeight: .ideal,
                bolus: BolusOrder(doseMgPerKg: 1.5, durationMin: 20), infusion: InfusionOrder(rateMgPerKgPerHour: 1),
                prescriber: "dr.ada", recordedBy: "rn.bo", baseline: SessionFixture.baseline)
        case "action (rate change with override)":
            ActionRequest(action: .rateChange, by: "dr.ada", reason: "pain", infusion: InfusionOrder(rateMgPerKgPerHour: 1.75),
                          override: Override(by: "dr.ada", reason: "above soft limit"), eventId: UUID())
        case "system event": SystemEvent(cause: .otherSessionStopped, otherSessionId: UUID(), otherDrug: .ketamine, otherRuleId: "L04")
        case "schedule check":
            ScheduleCheck(status: ObservationSchedule.status(
                history: ScheduleHistory(sessionId: UUID(), drug: .lidocaine, startedAt: Self.now), spec: .standard(for: .lidocaine),
                now: Self.now.addingTimeInterval(600)), silentFeeds: ["monitor-7": Self.now])
        case "session": SessionFixture.session()
        case "alert":
            Alert(id: 3, sessionId: UUID(), ruleId: "L10", priority: .medium, state: .acknowledged, latched: false, reason: "r",
                  guidance: nil, raisedAt: Self.now, updatedAt: Self.now, acknowledgedBy: "rn.bo", acknowledgedAt: Self.now, note: "seen",
                  resolvedAt: nil, escalationLevel: 1)
        default: try #require(try RuleEngine.evaluate(ProfileFixture.lidocaine().rules, context: RuleContext(
            session: SessionFixture.session(), at: Self.now,
            observation: ObservationRequest(observedAt: Self.now, recordedBy: "rn.bo", vitals: Vitals(heartRateBpm: 35)),
            history: SessionHistory(entries: []))).first)
        }
        #expect(try JSONValue(encoding: value) == (try Self.throughText(value)))
    }

    @Test("plain values, arrays, dictionaries and nils", arguments: [0, 1, 2, 3])
    func plainValues(index: Int) throws {
        switch index {
        case 0: #expect(try JSONValue(encoding: [1.5, -0.0, 1e-7, 123456789.125]) == (try Self.throughText([1.5, -0.0, 1e-7, 123456789.125])))
        case 1: #expect(try JSONValue(encoding: ["b": [1, 2], "a": []]) == (try Self.throughText(["b": [1, 2], "a": []])))
        case 2: #expect(try JSONValue(encoding: [Optional<Int>.none, 3]) == (try Self.throughText([Optional<Int>.none, 3])))
        default: #expect(try JSONValue(encoding: "text") == .string("text"))
        }
    }

    @Test("a number that is not finite is refused, as the wire encoder refuses it", arguments: [Double.infinity, -.infinity, .nan])
    func nonFiniteRefused(number: Double) {
        #expect(throws: EncodingError.self) { try JSONValue(encoding: ["x": number]) }
        #expect(throws: EncodingError.self) { try WireJSON.encode(["x": number]) }
    }
}
