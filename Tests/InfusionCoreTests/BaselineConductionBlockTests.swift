import Foundation
import InfusionCore
import Testing

/// A conduction block on the baseline ECG (CLINICAL §3: 2nd/3rd-degree AV block is an absolute contraindication,
/// and the baseline ECG is part of the start check) and what the rules do while such a session runs under a
/// clinician's override (CLINICAL §2, §6 L03).
@Suite("Baseline conduction block (L18 at start, L03 while running)")
struct BaselineConductionBlockTests {
    static let override = Override(by: "dr.ada", reason: "Paced patient, pacing checked by cardiology")

    static func request(drug: Drug = .lidocaine, rhythm: Rhythm, contraindicationOverride: Override? = nil) -> StartSessionRequest {
        var request = StartCheckTests.request(drug: drug, contraindicationOverride: contraindicationOverride)
        request.baseline = SessionFixture.baseline(rhythm: rhythm)
        return request
    }

    @Test("L18: a baseline rhythm the profile lists as absolute refuses the start, naming the rhythm", arguments: [
        (Rhythm.avBlock2, "2nd-degree AV block"), (.avBlock3, "3rd-degree AV block"),
        (.ventricularTachycardia, "ventricular tachycardia"), (.ventricularFibrillation, "ventricular fibrillation"),
        (.asystole, "asystole"), (.pea, "pulseless electrical activity"),
    ])
    func refused(rhythm: Rhythm, named: String) throws {
        let problem = try #require(StartCheckTests.problem(Self.request(rhythm: rhythm)))
        #expect(problem.code == "session.contraindicated" && problem.kind == .invalid)
        #expect(problem.field == "baseline.rhythm")
        #expect(problem.detail.contains(named) && problem.detail.contains(rhythm.rawValue))
        #expect(problem.detail.contains("contraindicationOverride"))
    }

    @Test("L18: the rhythms just short of a 2nd-degree block start as before", arguments: [
        Rhythm.sinus, .sinusBradycardia, .sinusTachycardia, .atrialFibrillation, .avBlock1, .ventricularEctopy,
    ])
    func accepted(rhythm: Rhythm) throws {
        let (session, decisions) = try StartCheckTests.start(Self.request(rhythm: rhythm))
        #expect(decisions.isEmpty && session.state == .running)
    }

    @Test("L18: contraindicationOverride starts a baseline block and records the override with the rhythm", arguments: [
        Rhythm.avBlock2, .avBlock3,
    ])
    func overridden(rhythm: Rhythm) throws {
        let (session, decisions) = try StartCheckTests.start(Self.request(rhythm: rhythm, contraindicationOverride: Self.override))
        #expect(session.state == .running && session.baseline.rhythm == rhythm)
        #expect(decisions.map(ExpectedDecision.init) == [ExpectedDecision("L18", .review, .medium)])
        let l18 = try #require(decisions.first)
        #expect(l18.inputs["overrideBy"] == "dr.ada" && l18.inputs["baselineRhythm"] == .string(rhythm.rawValue))
        #expect(l18.reason.contains(rhythm.clinicalName) && l18.reason.contains("dr.ada"))
    }

    @Test("L18: a declared conductionBlock and a baseline block are both named")
    func bothNamed() throws {
        var request = Self.request(rhythm: .avBlock3)
        request.flags = PatientFlags(conditions: [.conductionBlock])
        let problem = try #require(StartCheckTests.problem(request))
        #expect(problem.field == "flags")
        #expect(problem.limits?["contraindications"] == ["conductionBlock", "baseline ECG shows 3rd-degree AV block (avBlock3)"])
    }

    @Test("Ketamine refuses a baseline arrest rhythm but not an AV block (CLINICAL §5 does not list it)", arguments: [
        (Rhythm.ventricularTachycardia, true), (.pea, true), (.avBlock2, false), (.avBlock3, false),
    ])
    func ketamine(rhythm: Rhythm, refused: Bool) throws {
        let problem = StartCheckTests.problem(Self.request(drug: .ketamine, rhythm: rhythm))
        #expect((problem?.code == "session.contraindicated") == refused)
    }

    @Test("While running: the block present at baseline is a medium L03 alert; any change of it is a new block and stops",
          arguments: [
              (Rhythm.avBlock2, Rhythm.avBlock2, ExpectedDecision("L03", .alert, .medium)),
              (.avBlock3, .avBlock3, ExpectedDecision("L03", .alert, .medium)),
              (.avBlock2, .avBlock3, ExpectedDecision("L03", .stop, .high)),
              (.avBlock3, .avBlock2, ExpectedDecision("L03", .stop, .high)),
              (.sinus, .avBlock2, ExpectedDecision("L03", .stop, .high)),
              (.avBlock1, .avBlock2, ExpectedDecision("L03", .stop, .high)),
          ] as [(Rhythm, Rhythm, ExpectedDecision)])
    func running(baseline: Rhythm, observed: Rhythm, expected: ExpectedDecision) throws {
        let profile = try ProfileFixture.lidocaine()
        let session = SessionFixture.session(baseline: SessionFixture.baseline(rhythm: baseline))
        let decisions = RuleEngine.evaluate(
            profile.rules, observation: SessionFixture.observation(vitals: Vitals(rhythm: observed)), session: session)
        #expect(decisions.map(ExpectedDecision.init) == [expected])
        if expected.action == .alert {
            #expect(decisions.first?.inputs["rhythm"] == .string(observed.rawValue))
            #expect(decisions.first?.reason.contains("present before start") == true)
        }
    }

    @Test("While running: the standing alert needs no block; a baseline 1st-degree block seen again is nothing", arguments: [
        (Rhythm.avBlock1, Rhythm.avBlock1), (.sinus, .sinus), (.atrialFibrillation, .atrialFibrillation),
    ])
    func quiet(baseline: Rhythm, observed: Rhythm) throws {
        let profile = try ProfileFixture.lidocaine()
        let session = SessionFixture.session(baseline: SessionFixture.baseline(rhythm: baseline))
        let decisions = RuleEngine.evaluate(
            profile.rules, observation: SessionFixture.observation(vitals: Vitals(rhythm: observed)), session: session)
        #expect(decisions.isEmpty)
    }
}
