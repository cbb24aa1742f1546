import Foundation
import InfusionCore
import Testing

/// Delivered dose integrated from a session's events (SPEC §5): the start bolus then the infusion, pauses,
/// resumes, rate changes, extra boluses, stops and the end.
@Suite("Delivered dose")
struct DeliveryTests {
    /// 70 kg: 1.5 mg/kg over 20 min (105 mg at 315 mg/h), then 1 mg/kg/h (70 mg/h).
    static func standard() -> TimelineFixture {
        TimelineFixture(bolus: BolusOrder(doseMgPerKg: 1.5, durationMin: 20), infusion: InfusionOrder(rateMgPerKgPerHour: 1))
    }

    static func mg(_ timeline: TimelineFixture, at minute: Double) -> Double {
        Dosing.round(timeline.plan.deliveredMg(at: TimelineFixture.at(minute)))
    }

    @Test("The start bolus runs first, then the infusion")
    func bolusThenInfusion() {
        let timeline = Self.standard()
        #expect(Self.mg(timeline, at: 0) == 0)
        #expect(Self.mg(timeline, at: 10) == 52.5)
        #expect(Self.mg(timeline, at: 20) == 105)
        #expect(Self.mg(timeline, at: 80) == 175)
        #expect(timeline.plan.rateMgPerHour(at: TimelineFixture.at(10)) == 315)
        #expect(Dosing.round(timeline.plan.rateMgPerHour(at: TimelineFixture.at(30))) == 70)
        let dose = timeline.plan.delivered(at: TimelineFixture.at(80))
        #expect(dose.mg == 175 && dose.mgPerKg == 2.5 && dose.programmedInfusionMgPerHour == 70)
    }

    @Test("A pause holds delivery; resuming continues what was left of the bolus")
    func pauseDuringBolus() {
        var timeline = Self.standard()
        timeline.act(.pause, at: 10, state: .paused)
        #expect(Self.mg(timeline, at: 40) == 52.5)
        #expect(timeline.plan.rateMgPerHour(at: TimelineFixture.at(30)) == 0)
        timeline.act(.resume, at: 40, state: .running)
        #expect(Self.mg(timeline, at: 50) == 105)
        #expect(Self.mg(timeline, at: 110) == 175)
        // Paused delivery still has a programmed rate to resume at.
        timeline.act(.pause, at: 110, state: .paused)
        #expect(timeline.plan.programmedInfusionMgPerHour == 70)
    }

    @Test("A rule's pause (an observation that left the session paused) holds delivery like a clinician's")
    func rulePause() {
        var timeline = Self.standard()
        timeline.observe(at: 30, state: .paused, symptoms: [.tinnitus])
        #expect(Self.mg(timeline, at: 30) == Self.mg(timeline, at: 90))
        #expect(Self.mg(timeline, at: 90) == Dosing.round(105 + 70.0 / 6))
    }

    @Test("A rate change takes effect when recorded")
    func rateChange() {
        var timeline = Self.standard()
        timeline.act(.rateChange, at: 80, state: .running, infusion: InfusionOrder(rateMgPerKgPerHour: 0.5))
        #expect(Self.mg(timeline, at: 140) == 210)
        #expect(timeline.plan.programmedInfusionMgPerHour == 35)
    }

    @Test("A later bolus runs on top of the infusion")
    func extraBolus() {
        var timeline = Self.standard()
        timeline.act(.bolus, at: 80, state: .running, bolus: BolusOrder(doseMgPerKg: 1, durationMin: 20))
        #expect(Self.mg(timeline, at: 90) == Dosing.round(175 + 35 + 70.0 / 6))
        #expect(Self.mg(timeline, at: 100) == Dosing.round(175 + 70 + 70.0 / 3))
        #expect(Dosing.round(timeline.plan.rateMgPerHour(at: TimelineFixture.at(90))) == 280)
    }

    @Test("Stop and end finish delivery for good", arguments: [SessionActionKind.stop, .end])
    func stopAndEnd(_ action: SessionActionKind) {
        var timeline = Self.standard()
        timeline.act(action, at: 50, state: action == .stop ? .stopped : .ended)
        #expect(Self.mg(timeline, at: 50) == 140)
        #expect(Self.mg(timeline, at: 500) == 140)
        #expect(timeline.plan.programmedInfusionMgPerHour == nil)
        #expect(timeline.plan.timeReaching(mg: 141) == nil)
    }

    @Test("The CLINICAL §1 5-hour regimen (630 mg at 70 kg) reaches a 500 mg cap at 235.71 min")
    func fiveHourRegimen() throws {
        var timeline = TimelineFixture(bolus: BolusOrder(doseMgPerKg: 1.5, durationMin: 10),
                                       infusion: InfusionOrder(rateMgPerKgPerHour: 1.5))
        timeline.act(.end, at: 310, state: .ended)
        #expect(Self.mg(timeline, at: 310) == 630)
        #expect(timeline.plan.delivered(at: TimelineFixture.at(310)).mgPerKg == 9)
        let cap = try #require(timeline.plan.timeReaching(mg: 500))
        // 105 mg in the first 10 min, then 105 mg/h: 395 mg more takes 225.714 min.
        #expect(abs(cap.timeIntervalSince(TimelineFixture.origin) / 60 - (10 + 395.0 / 105 * 60)) < 1e-6)
    }

    @Test("Without the start event there is nothing to integrate")
    func noStart() {
        let session = SessionFixture.session()
        let plan = DeliveryPlan(session: session, history: .empty)
        #expect(plan.segments.isEmpty && plan.deliveredMg(at: SessionFixture.now) == 0)
    }
}
