import Foundation
import InfusionCore
import Testing

/// Escalation is for alarms that need a response (CLINICAL §7). An alert that records a decision a clinician has
/// already made (L18 contraindication override, L19 review before start, L15/K01 regimen override, L22 early close)
/// has no response left, so the shipped profiles never escalate or re-sound it; every other alert escalates as before.
@Suite("Override and review records do not escalate (CLINICAL §7)")
struct OverrideRecordEscalationTests {
    static func alert(_ ruleId: String, _ priority: AlertPriority, state: AlertState = .active) -> Alert {
        AlertLifecycleTests.alert(priority: priority, state: state, ruleId: ruleId,
                                  acknowledgedAt: state == .acknowledged ? AlertLifecycleTests.raised : nil)
    }

    static func profile(_ drug: Drug) throws -> RuleProfile {
        drug == .ketamine ? try ProfileFixture.ketamine() : try ProfileFixture.lidocaine()
    }

    @Test("records never escalate, however long they stay unacknowledged", arguments: [
        (Drug.lidocaine, "L19", AlertPriority.low), (.lidocaine, "L18", .medium), (.lidocaine, "L15", .low),
        (.lidocaine, "L22", .low), (.ketamine, "K01", .medium), (.ketamine, "L18", .medium),
    ] as [(Drug, String, AlertPriority)])
    func recordsStay(drug: Drug, ruleId: String, priority: AlertPriority) throws {
        let spec = try Self.profile(drug).resolvedEscalation
        for seconds in [300.0, 900, 1200, 86_400] {
            #expect(AlertPolicy.escalation(for: Self.alert(ruleId, priority), history: [], spec: spec,
                                           now: AlertLifecycleTests.after(seconds)) == nil)
        }
    }

    @Test("alerts that need a response escalate at the boundary as before", arguments: [
        (Drug.lidocaine, "L17", AlertPriority.low, 899.999, nil), (.lidocaine, "L17", .low, 900, AlertPolicy.EscalationStep.raisePriority(.medium)),
        (.lidocaine, "L20", .low, 900, .raisePriority(.medium)), (.lidocaine, "L03", .medium, 299.999, nil),
        (.lidocaine, "L03", .medium, 300, .raisePriority(.high)), (.lidocaine, "L14", .medium, 300, .raisePriority(.high)),
        (.lidocaine, "L12", .low, 900, .raisePriority(.medium)), (.ketamine, "K03", .medium, 300, .raisePriority(.high)),
        (.lidocaine, "L04", .high, 60, .level(1)),
    ] as [(Drug, String, AlertPriority, Double, AlertPolicy.EscalationStep?)])
    func othersEscalate(drug: Drug, ruleId: String, priority: AlertPriority, seconds: Double, expected: AlertPolicy.EscalationStep?) throws {
        let spec = try Self.profile(drug).resolvedEscalation
        #expect(AlertPolicy.escalation(for: Self.alert(ruleId, priority), history: [], spec: spec,
                                       now: AlertLifecycleTests.after(seconds)) == expected)
    }

    @Test("the shipped profiles list exactly the override and review records")
    func shippedLists() throws {
        #expect(try Self.profile(.lidocaine).escalation?.neverEscalate == ["L15", "L18", "L19", "L22"])
        #expect(try Self.profile(.ketamine).escalation?.neverEscalate == ["K01", "L18", "L19", "L22"])
        #expect(try Self.profile(.ketamine).overrideRecordRuleIds == ["L18", "L19", "K01", "L22"])
    }

    @Test("without a neverEscalate list the records still do not escalate; an empty list escalates them")
    func defaults() throws {
        var profile = try Self.profile(.lidocaine)
        profile.escalation?.neverEscalate = nil
        #expect(!profile.resolvedEscalation.escalates("L19") && profile.resolvedEscalation.escalates("L20"))
        profile.escalation = nil
        #expect(!profile.resolvedEscalation.escalates("L19"))
        #expect(!EscalationSpec.standard.escalates("L19") && !EscalationSpec.standard.escalates("L18"))
        profile.escalation = .standard
        profile.escalation?.neverEscalate = []
        #expect(AlertPolicy.escalation(for: Self.alert("L19", .low), history: [], spec: profile.resolvedEscalation,
                                       now: AlertLifecycleTests.after(900)) == .raisePriority(.medium))
    }

    @Test("a rule that pauses or stops cannot be kept from escalating", arguments: ["L04", "L10", "L13"])
    func refusedForActions(ruleId: String) throws {
        var profile = try Self.profile(.lidocaine)
        profile.escalation?.neverEscalate = ["L19", ruleId]
        #expect(profile.modelProblems.map(\.key) == ["escalation"])
        #expect(profile.modelProblems.first?.message.contains(ruleId) == true)
    }

    @Test("an acknowledged high record does not re-sound")
    func noResound() throws {
        var spec = try Self.profile(.lidocaine).resolvedEscalation
        spec.neverEscalate = ["L18"]
        #expect(AlertPolicy.escalation(for: Self.alert("L18", .high, state: .acknowledged), history: [], spec: spec,
                                       now: AlertLifecycleTests.after(3600)) == nil)
        #expect(AlertPolicy.escalation(for: Self.alert("L04", .high, state: .acknowledged), history: [], spec: spec,
                                       now: AlertLifecycleTests.after(3600)) == .resound)
    }
}
