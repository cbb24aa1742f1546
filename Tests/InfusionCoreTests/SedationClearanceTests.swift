import Foundation
import InfusionCore
import Testing

/// Clearing sedation and agitation alerts (CLINICAL §7: a condition that clears resolves its alert; §8: the POSS and
/// RASS scales and their mapping). Every valid score on either scale is an assessed level: RASS 0 and above are
/// POSS 1 (not sedated), and a POSS score rules out the RASS levels it cannot stand for.
@Suite("Sedation clearance (L12, K04, K05; CLINICAL §7, §8)")
struct SedationClearanceTests {
    static func poss(_ value: String) -> Sedation { Sedation(scale: .POSS, value: value) }
    static func rass(_ value: String) -> Sedation { Sedation(scale: .RASS, value: value) }

    /// What the shipped profile decides on an observation with this sedation and symptom list, and which rules it
    /// proves clear.
    static func evaluate(_ drug: Drug, sedation: Sedation, symptoms: [Symptom]? = []) throws -> (fired: Set<String>, cleared: Set<String>) {
        let profile = drug == .ketamine ? try ProfileFixture.ketamine() : try ProfileFixture.lidocaine()
        var session = SessionFixture.session()
        session.drug = drug
        let context = RuleContext(session: session, at: SessionFixture.now,
                                  observation: SessionFixture.observation(symptoms: symptoms, sedation: sedation))
        let decisions = RuleEngine.evaluate(profile.rules, context: context)
        return (Set(decisions.map(\.ruleId)), RuleEngine.clearedRuleIds(profile.rules, context: context, decisions: decisions))
    }

    enum Outcome: String, Sendable { case fires, clears, stays }

    static func outcome(_ result: (fired: Set<String>, cleared: Set<String>), _ rule: String) -> Outcome {
        result.fired.contains(rule) ? .fires : result.cleared.contains(rule) ? .clears : .stays
    }

    @Test("L12 (mild drowsiness, POSS 2 / RASS −1) clears on any assessed level above it, at the boundary", arguments: [
        (rass("-1"), Outcome.fires), (rass("0"), .clears), (rass("+1"), .clears), (rass("+4"), .clears),
        (poss("2"), .fires), (poss("1"), .clears), (poss("S"), .clears),
        // Deeper sedation is another rule's (L09, L01), which suppresses L12; L12's own condition is not met.
        (rass("-2"), .clears), (poss("3"), .clears),
    ])
    func lidocaineDrowsiness(sedation: Sedation, expected: Outcome) throws {
        #expect(Self.outcome(try Self.evaluate(.lidocaine, sedation: sedation), "L12") == expected)
    }

    @Test("L12 stays when the symptom checklist was not taken, whatever the sedation score")
    func symptomsNotAsked() throws {
        #expect(Self.outcome(try Self.evaluate(.lidocaine, sedation: Self.rass("0"), symptoms: nil), "L12") == .stays)
    }

    @Test("ketamine L12 clears on RASS 0 like lidocaine's", arguments: [
        (rass("-1"), Outcome.fires), (rass("0"), .clears), (poss("1"), .clears),
    ])
    func ketamineDrowsiness(sedation: Sedation, expected: Outcome) throws {
        #expect(Self.outcome(try Self.evaluate(.ketamine, sedation: sedation), "L12") == expected)
    }

    @Test("K05 (POSS 3 / RASS −2…−3 pause, POSS 4 stop) clears on any lighter level, RASS 0 included", arguments: [
        (rass("-2"), Outcome.fires), (rass("-1"), .clears), (rass("0"), .clears), (rass("+2"), .clears),
        (poss("3"), .fires), (poss("2"), .clears), (poss("1"), .clears), (poss("S"), .clears),
    ])
    func ketamineSedation(sedation: Sedation, expected: Outcome) throws {
        #expect(Self.outcome(try Self.evaluate(.ketamine, sedation: sedation), "K05") == expected)
    }

    @Test("K04 (RASS ≥ +2 or psychotomimetic symptoms) clears on a RASS below +2 or a POSS score that rules +2 out", arguments: [
        (rass("+2"), [Symptom](), Outcome.fires), (rass("+1"), [], .clears), (rass("0"), [], .clears),
        (poss("2"), [], .clears), (poss("3"), [], .clears), (poss("S"), [], .clears),
        // POSS 1 (awake) does not score agitation: only a checklist without agitation rules it out.
        (poss("1"), [], .clears), (poss("1"), [.agitation], .stays),
    ] as [(Sedation, [Symptom], Outcome)])
    func ketamineAgitation(sedation: Sedation, symptoms: [Symptom], expected: Outcome) throws {
        #expect(Self.outcome(try Self.evaluate(.ketamine, sedation: sedation, symptoms: symptoms), "K04") == expected)
    }

    @Test("the RASS levels a score can stand for", arguments: [
        (poss("4"), false, -5...(-4)), (poss("3"), false, -3...(-2)), (poss("2"), false, -1...(-1)),
        (poss("S"), false, -5...0), (poss("1"), false, 0...4), (poss("1"), true, 0...1), (rass("+3"), false, 3...3),
    ] as [(Sedation, Bool, ClosedRange<Int>)])
    func possibleRass(sedation: Sedation, noAgitation: Bool, expected: ClosedRange<Int>) {
        #expect(sedation.possibleRassLevels(agitationAssessedAbsent: noAgitation) == expected)
    }
}
