import Foundation
import InfusionCore
import Testing

/// The device-reading trigger: a monitor's reading goes through the same rules as a station's feed observation;
/// a value the device marked questionable may raise but never resolves; provenance is the daemon's alone.
@Suite("SessionStep: device readings")
struct DeviceReadingStepTests {
    static let now = SessionStepTests.now

    static func reading(spo2: Double, questionable: Bool?, device: String? = "0012340000ABCDEF", feed: String? = "monitor-7")
        -> ObservationRequest {
        var request = ObservationRequest(observedAt: now, recordedBy: "monitor-7", vitals: Vitals(spo2Percent: spo2))
        request.feedId = feed
        request.device = device.map { DeviceProvenance(deviceId: $0, receivedAt: now, questionable: questionable, message: "hl7 ORU^R01 MSG1") }
        return request
    }

    /// A running session with an active, unlatched L07 (low SpO2) alert.
    static func withLowSpO2Alert() throws -> SessionSnapshot {
        try SessionStepTests.snapshot(alerts: [SessionStepTests.alert(id: 5, ruleId: "L07", priority: .medium)])
    }

    @Test("a device reading back in range resolves the alert it proves clear, unless the device marked it questionable",
          arguments: [(nil as Bool?, true), (false, true), (true, false)])
    func questionableNeverClears(questionable: Bool?, resolves: Bool) throws {
        let outcome = try #require(try SessionStep.run(
            .deviceReading(Self.reading(spo2: 97, questionable: questionable)), snapshot: try Self.withLowSpO2Alert(),
            profile: try ProfileFixture.lidocaine(), ruleSetHash: "h", actor: .daemon, now: Self.now))
        #expect(outcome.alertChanges.contains { $0.kind == .resolved && $0.alert.ruleId == "L07" } == resolves)
        #expect(outcome.event?.kind == .observation)
    }

    @Test("a questionable device reading still raises: it goes through the same rules as any reading")
    func questionableStillRaises() throws {
        let ventricularTachycardia = {
            var request = Self.reading(spo2: 97, questionable: true)
            request.vitals = Vitals(heartRateBpm: 180, rhythm: .ventricularTachycardia)
            return request
        }()
        let outcome = try #require(try SessionStep.run(
            .deviceReading(ventricularTachycardia), snapshot: try SessionStepTests.snapshot(), profile: try ProfileFixture.lidocaine(),
            ruleSetHash: "h", actor: .daemon, now: Self.now))
        #expect(outcome.session.state == .stopped)
        #expect(outcome.alertChanges.contains { $0.kind == .raised && $0.alert.priority == .high && $0.alert.latched })
    }

    @Test("a station may not send device provenance, and a device reading must name its device and feed",
          arguments: [
            ("station", "observation.device", "device"),
            ("no device", "observation.deviceUnknown", "device"),
            ("no feed", "observation.deviceUnknown", "feedId"),
          ])
    func provenanceIsTheDaemons(kind: String, code: String, field: String) throws {
        let trigger: StepTrigger = switch kind {
        case "station": .observation(Self.reading(spo2: 97, questionable: nil))
        case "no device": .deviceReading(Self.reading(spo2: 97, questionable: nil, device: nil))
        default: .deviceReading(Self.reading(spo2: 97, questionable: nil, feed: nil))
        }
        #expect {
            try SessionStep.run(trigger, snapshot: try SessionStepTests.snapshot(), profile: try ProfileFixture.lidocaine(),
                                ruleSetHash: "h", actor: .daemon, now: Self.now)
        } throws: { error in
            guard let error = error as? DomainError else { return false }
            return error.code == code && error.field == field && error.kind == .invalid
        }
    }

    @Test("a device reading's provenance is kept in the stored body, so replay runs it as a device reading again")
    func provenanceRoundTrips() throws {
        let request = Self.reading(spo2: 97, questionable: true)
        let decoded = try WireJSON.decoder().decode(ObservationRequest.self, from: try WireJSON.encode(request))
        #expect(decoded.device == request.device)
        let plain = ObservationRequest(observedAt: Self.now, recordedBy: "rn.bo")
        #expect(!String(decoding: try WireJSON.encode(plain), as: UTF8.self).contains("device"))
    }
}

/// The hook notices a step lists, which the store queues as they are.
@Suite("SessionStep: hook notices in the outcome")
struct StepHookNoticeTests {
    @Test("a rule's stop lists an onAlert notice per alert change and one onStop; a quiet observation lists none")
    func noticesFollowTheChanges() throws {
        let profile = try ProfileFixture.lidocaine()
        let snapshot = try SessionStepTests.snapshot()
        let bradycardia = ObservationRequest(observedAt: SessionStepTests.now, recordedBy: "rn.bo", vitals: Vitals(heartRateBpm: 35))
        let stopped = try #require(try SessionStep.run(.observation(bradycardia), snapshot: snapshot, profile: profile, ruleSetHash: "h",
                                                       actor: .daemon, now: SessionStepTests.now))
        #expect(stopped.hookNotices == stopped.alertChanges.indices.map(StepHookNotice.alert) + [.sessionHalted(from: .running, to: .stopped)])
        let quiet = try #require(try SessionStep.run(
            .observation(ObservationRequest(observedAt: SessionStepTests.now, recordedBy: "rn.bo", vitals: Vitals(heartRateBpm: 72))),
            snapshot: snapshot, profile: profile, ruleSetHash: "h", actor: .daemon, now: SessionStepTests.now))
        #expect(quiet.hookNotices.isEmpty)
    }

    @Test("a clinician's resume lists no onStop; a pause does", arguments: [(SessionActionKind.pause, true), (.resume, false)])
    func onlyHaltsNotify(action: SessionActionKind, notifies: Bool) throws {
        let snapshot = try SessionStepTests.snapshot(state: action == .resume ? .paused : .running)
        let outcome = try #require(try SessionStep.run(.action(ActionRequest(action: action, by: "dr.ada", reason: "r"), eventId: UUID()),
                                                       snapshot: snapshot, profile: try ProfileFixture.lidocaine(), ruleSetHash: "h",
                                                       actor: .daemon, now: SessionStepTests.now))
        #expect(outcome.hookNotices.contains { if case .sessionHalted = $0 { true } else { false } } == notifies)
    }
}
