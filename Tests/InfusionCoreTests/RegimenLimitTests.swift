import Foundation
import InfusionCore
import Testing

/// One regimen at a dosing weight and how the shipped limits must treat it.
struct LimitCase: Sendable, CustomTestStringConvertible {
    /// What the limits must say.
    enum Verdict: Sendable, Equatable {
        case accepted
        /// Needs an override; the named limit is the first one breached.
        case soft(String)
        /// Refused outright; the named limit is the first hard one breached.
        case hard(String)
    }

    /// What the row is about, shown in the test report.
    var label: String
    /// The dosing weight.
    var weightKg: Double
    /// The bolus ordered, if any.
    var bolus: BolusOrder?
    /// The infusion ordered, if any.
    var infusion: InfusionOrder?
    /// What the limits must say.
    var verdict: Verdict
    /// The breached figure and its bound, for a breach.
    var value: Double?
    var bound: Double?

    /// A row at a dosing weight (70 kg unless given).
    init(_ label: String, weightKg: Double = 70, bolus: BolusOrder? = nil, infusion: InfusionOrder? = nil,
         _ verdict: Verdict, value: Double? = nil, bound: Double? = nil) {
        self.label = label
        self.weightKg = weightKg
        self.bolus = bolus
        self.infusion = infusion
        self.verdict = verdict
        self.value = value
        self.bound = bound
    }

    /// The row as shown in the test report.
    var testDescription: String { label }
}

private func rate(_ mgPerKgPerHour: Double) -> InfusionOrder { InfusionOrder(rateMgPerKgPerHour: mgPerKgPerHour) }
private func bolus(_ mgPerKg: Double, over minutes: Double) -> BolusOrder { BolusOrder(doseMgPerKg: mgPerKg, durationMin: minutes) }

/// The shipped profile's regimen limits (CLINICAL §1, §6 L15; SPEC §5) through `SessionMachine.checkLimits`.
@Suite("Regimen limits (shipped lidocaine profile)")
struct RegimenLimitTests {
    /// A valid clinician override.
    static let override = Override(by: "dr.ada", reason: "Consultant-approved alternative regimen")

    @Test("Shipped limits are the protocol's figures")
    func shippedFigures() throws {
        let limits = try ProfileFixture.lidocaine().limits
        #expect(limits.bolusDoseMgPerKg == DoseLimit(softMin: 1, softMax: 3, hardMax: 5))
        #expect(limits.bolusDurationMin == DoseLimit(softMin: 20, softMax: 30, hardMin: 5))
        #expect(limits.infusionRateMgPerKgPerHour == DoseLimit(softMin: 0.5, softMax: 2, hardMax: 3))
        #expect(limits.infusionMgPerHour == DoseLimit(hardMax: 100))
    }

    @Test("Infusion rates", arguments: [
        LimitCase("70 kg × 1.0 mg/kg/h = 70 mg/h", infusion: rate(1.0), .accepted),
        LimitCase("70 kg × 0.5 mg/kg/h", infusion: rate(0.5), .accepted),
        LimitCase("70 kg × 1.4 mg/kg/h = 98 mg/h", infusion: rate(1.4), .accepted),
        LimitCase("70 kg × 1.5 mg/kg/h = 105 mg/h", infusion: rate(1.5), .hard("infusionMgPerHour.hardMax"), value: 105, bound: 100),
        LimitCase("50 kg × 2.0 mg/kg/h = 100 mg/h", weightKg: 50, infusion: rate(2.0), .accepted),
        LimitCase("50 kg × 2.01 mg/kg/h = 100.5 mg/h", weightKg: 50, infusion: rate(2.01),
                  .hard("infusionMgPerHour.hardMax"), value: 100.5, bound: 100),
        LimitCase("70 kg × 0.4 mg/kg/h", infusion: rate(0.4), .soft("infusionRateMgPerKgPerHour.softMin"), value: 0.4, bound: 0.5),
        LimitCase("70 kg × 2.1 mg/kg/h = 147 mg/h", infusion: rate(2.1), .hard("infusionMgPerHour.hardMax"), value: 147, bound: 100),
        LimitCase("40 kg × 2.1 mg/kg/h = 84 mg/h", weightKg: 40, infusion: rate(2.1),
                  .soft("infusionRateMgPerKgPerHour.softMax"), value: 2.1, bound: 2),
        LimitCase("30 kg × 3.0 mg/kg/h = 90 mg/h", weightKg: 30, infusion: rate(3.0),
                  .soft("infusionRateMgPerKgPerHour.softMax"), value: 3, bound: 2),
        LimitCase("30 kg × 3.1 mg/kg/h = 93 mg/h", weightKg: 30, infusion: rate(3.1),
                  .hard("infusionRateMgPerKgPerHour.hardMax"), value: 3.1, bound: 3),
    ])
    func infusion(_ row: LimitCase) throws { try check(row) }

    @Test("Bolus doses and durations", arguments: [
        LimitCase("1.0 mg/kg over 20 min", bolus: bolus(1.0, over: 20), .accepted),
        LimitCase("3.0 mg/kg over 30 min", bolus: bolus(3.0, over: 30), .accepted),
        LimitCase("0.9 mg/kg", bolus: bolus(0.9, over: 20), .soft("bolusDoseMgPerKg.softMin"), value: 0.9, bound: 1),
        LimitCase("3.1 mg/kg", bolus: bolus(3.1, over: 20), .soft("bolusDoseMgPerKg.softMax"), value: 3.1, bound: 3),
        LimitCase("5 mg/kg over 30 min (alternative regimen)", bolus: bolus(5.0, over: 30), .soft("bolusDoseMgPerKg.softMax"),
                  value: 5, bound: 3),
        LimitCase("5.1 mg/kg", bolus: bolus(5.1, over: 30), .hard("bolusDoseMgPerKg.hardMax"), value: 5.1, bound: 5),
        LimitCase("over 19 min", bolus: bolus(1.5, over: 19), .soft("bolusDurationMin.softMin"), value: 19, bound: 20),
        LimitCase("over 20 min", bolus: bolus(1.5, over: 20), .accepted),
        LimitCase("over 30 min", bolus: bolus(1.5, over: 30), .accepted),
        LimitCase("over 31 min", bolus: bolus(1.5, over: 31), .soft("bolusDurationMin.softMax"), value: 31, bound: 30),
        LimitCase("1.5 mg/kg over 10 min (alternative regimen)", bolus: bolus(1.5, over: 10), .soft("bolusDurationMin.softMin"),
                  value: 10, bound: 20),
        LimitCase("over 5 min", bolus: bolus(1.5, over: 5), .soft("bolusDurationMin.softMin"), value: 5, bound: 20),
        LimitCase("over 4.9 min", bolus: bolus(1.5, over: 4.9), .hard("bolusDurationMin.hardMin"), value: 4.9, bound: 5),
        LimitCase("hard duration wins over soft dose", bolus: bolus(3.5, over: 4), .hard("bolusDurationMin.hardMin"),
                  value: 4, bound: 5),
    ])
    func bolusLimits(_ row: LimitCase) throws { try check(row) }

    /// Checks a row without an override (the verdict), then with one (hard still refused, soft becomes L15).
    func check(_ row: LimitCase) throws {
        let limits = try ProfileFixture.lidocaine().limits
        let session = SessionFixture.session(weightKg: row.weightKg)
        switch row.verdict {
        case .accepted:
            let decisions = try SessionMachine.checkLimits(bolus: row.bolus, infusion: row.infusion, session: session,
                                                           limits: limits, override: nil)
            #expect(decisions.isEmpty)
            let overridden = try SessionMachine.checkLimits(bolus: row.bolus, infusion: row.infusion, session: session,
                                                            limits: limits, override: Self.override)
            #expect(overridden.isEmpty, "an override of nothing records nothing")
        case .hard(let limit):
            for override in [nil, Self.override] {
                let problem = try #require(#expect(throws: DomainError.self) {
                    try SessionMachine.checkLimits(bolus: row.bolus, infusion: row.infusion, session: session,
                                                   limits: limits, override: override)
                })
                #expect(problem.code == "dose.hardLimit")
                #expect(problem.kind == .invalid)
                #expect(problem.limits?["limit"] == .string(limit))
                #expect(problem.limits?["value"] == row.value.map(JSONValue.number))
                #expect(problem.limits?["bound"] == row.bound.map(JSONValue.number))
                #expect(problem.detail.contains("cannot be overridden"))
            }
        case .soft(let limit):
            let problem = try #require(#expect(throws: DomainError.self) {
                try SessionMachine.checkLimits(bolus: row.bolus, infusion: row.infusion, session: session,
                                               limits: limits, override: nil)
            })
            #expect(problem.code == "dose.softLimit")
            #expect(problem.kind == .invalid)
            #expect(problem.limits?["limit"] == .string(limit))
            #expect(problem.limits?["value"] == row.value.map(JSONValue.number))
            #expect(problem.limits?["bound"] == row.bound.map(JSONValue.number))
            let decisions = try SessionMachine.checkLimits(bolus: row.bolus, infusion: row.infusion, session: session,
                                                           limits: limits, override: Self.override)
            let first = try #require(decisions.first)
            #expect(first.ruleId == "L15")
            #expect(first.action == .review)
            #expect(first.requiresReview)
            #expect(first.inputs["overrideBy"] == "dr.ada")
            #expect(first.inputs["overrideReason"] == "Consultant-approved alternative regimen")
            #expect(first.thresholds == [limit: row.bound.map(JSONValue.number) ?? .null])
            #expect(first.reason.contains("Overridden by dr.ada: Consultant-approved alternative regimen"))
        }
    }

    @Test("The 105 mg/h refusal names the field, the limit and the figures")
    func hundredAndFiveMgPerHour() throws {
        let limits = try ProfileFixture.lidocaine().limits
        let problem = try #require(#expect(throws: DomainError.self) {
            try SessionMachine.checkLimits(bolus: nil, infusion: rate(1.5), session: SessionFixture.session(),
                                           limits: limits, override: Self.override)
        })
        #expect(problem.field == "infusion.rateMgPerKgPerHour")
        #expect(problem.limits == ["limit": "infusionMgPerHour.hardMax", "value": 105, "bound": 100, "unit": "mg/h"])
        #expect(problem.detail == "Infusion rate at 70 kg dosing weight 105 mg/h is above the hard limit of 100 mg/h. Hard limits cannot be overridden; change the order.")
    }

    @Test("Every soft breach becomes its own L15 review")
    func twoSoftBreaches() throws {
        let limits = try ProfileFixture.lidocaine().limits
        let decisions = try SessionMachine.checkLimits(bolus: bolus(5, over: 10), infusion: nil, session: SessionFixture.session(),
                                                       limits: limits, override: Self.override)
        #expect(decisions.map(\.ruleId) == ["L15", "L15"])
        #expect(decisions.map(\.thresholds) == [["bolusDoseMgPerKg.softMax": 3], ["bolusDurationMin.softMin": 20]])
        #expect(decisions.map { $0.inputs["bolus.doseMgPerKg"] ?? $0.inputs["bolus.durationMin"] } == [5, 10])
    }

    @Test("An override without a name or a reason is no override", arguments: [
        Override(by: "", reason: "because"), Override(by: "dr.ada", reason: "   "), Override(by: "dr.ada", reason: ""),
    ])
    func blankOverride(_ override: Override) throws {
        let limits = try ProfileFixture.lidocaine().limits
        let problem = try #require(#expect(throws: DomainError.self) {
            try SessionMachine.checkLimits(bolus: nil, infusion: rate(0.4), session: SessionFixture.session(),
                                           limits: limits, override: override)
        })
        #expect(problem.code == "dose.softLimit")
    }

    @Test("A rate change above 100 mg/h is refused and leaves the session as it was")
    func rateChangeRefused() throws {
        let limits = try ProfileFixture.lidocaine().limits
        let session = SessionFixture.session()
        let problem = try #require(#expect(throws: DomainError.self) {
            try SessionMachine.apply(ActionRequest(action: .rateChange, by: "dr.ada", infusion: rate(1.5)),
                                     to: session, limits: limits, now: SessionFixture.now)
        })
        #expect(problem.code == "dose.hardLimit")
        #expect(session.infusion == rate(1))
    }

    @Test("A soft-limit bolus with an override is given and recorded as L15")
    func overriddenBolus() throws {
        let limits = try ProfileFixture.lidocaine().limits
        let outcome = try SessionMachine.apply(
            ActionRequest(action: .bolus, by: "dr.ada", bolus: bolus(1.5, over: 10), override: Self.override),
            to: SessionFixture.session(), limits: limits, now: SessionFixture.now)
        #expect(outcome.session.bolus == bolus(1.5, over: 10))
        #expect(outcome.session.doses.bolusMg == 105)
        #expect(outcome.session.doses.bolusRateMgPerHour == 630)
        #expect(outcome.decisions.map(\.ruleId) == ["L15"])
        #expect(outcome.decisions.first?.inputs["bolus.durationMin"] == 10)
    }
}
