import Foundation
import InfusionCore
import Testing

/// Start checks L18/L19 (CLINICAL §3, §6) with the shipped profiles: absolute contraindications refuse the start
/// unless a clinician overrides them, relative ones and risk flags need a recorded review, a nerve block within 4 h
/// refuses, a missing baseline refuses.
@Suite("Start checks (L18, L19)")
struct StartCheckTests {
    static let now = SessionFixture.now
    static let review = Override(by: "dr.ada", reason: "Reviewed: cardiology agrees, ECG monitored bed")

    static func request(drug: Drug = .lidocaine, weightKg: Double = 70, rate: Double? = nil, flags: PatientFlags? = nil,
                        override: Override? = nil, contraindicationOverride: Override? = nil) -> StartSessionRequest {
        StartSessionRequest(
            patientId: "MRN-START", drug: drug, weightKg: weightKg,
            infusion: InfusionOrder(rateMgPerKgPerHour: rate ?? (drug == .ketamine ? 0.2 : 1)), prescriber: "dr.ada", recordedBy: "rn.bo",
            baseline: SessionFixture.baseline, override: override, flags: flags, contraindicationOverride: contraindicationOverride)
    }

    static func start(_ request: StartSessionRequest) throws -> (session: Session, decisions: [Decision]) {
        let profile = request.drug == .ketamine ? try ProfileFixture.ketamine() : try ProfileFixture.lidocaine()
        return try SessionFactory.start(request, profile: profile, ruleSetHash: "test", id: UUID(), now: now)
    }

    static func problem(_ request: StartSessionRequest) -> DomainError? {
        do {
            _ = try start(request)
            return nil
        } catch let problem as DomainError {
            return problem
        } catch {
            return nil
        }
    }

    @Test("No flags: the start records nothing extra")
    func plainStart() throws {
        let (session, decisions) = try Self.start(Self.request())
        #expect(decisions.isEmpty && session.state == .running && session.flags == nil)
    }

    @Test("L18: each absolute contraindication refuses the start", arguments: [
        PatientCondition.localAnaestheticAllergy, .conductionBlock, .cardiovascularInstability, .reducedConsciousness,
        .uncontrolledSeizures,
    ])
    func absoluteRefused(_ condition: PatientCondition) throws {
        let problem = try #require(Self.problem(Self.request(flags: PatientFlags(conditions: [condition]))))
        #expect(problem.code == "session.contraindicated" && problem.kind == .invalid && problem.field == "flags")
        #expect(problem.detail.contains(condition.rawValue))
        #expect(problem.detail.contains("contraindicationOverride"))
    }

    @Test("L18: a soft-limit override does not override a contraindication; contraindicationOverride does")
    func absoluteOverridden() throws {
        let flags = PatientFlags(conditions: [.conductionBlock])
        #expect(Self.problem(Self.request(flags: flags, override: Self.review))?.code == "session.contraindicated")
        let (session, decisions) = try Self.start(Self.request(flags: flags, contraindicationOverride: Self.review))
        #expect(decisions.map(ExpectedDecision.init) == [ExpectedDecision("L18", .review, .medium)])
        #expect(decisions.first?.inputs["overrideBy"] == "dr.ada")
        #expect(decisions.first?.requiresReview == true)
        #expect(session.flags == flags)
    }

    @Test("L18: a nerve block less than 4 h before start refuses it", arguments: [
        (4 * 3600.0 - 60, true), (4 * 3600.0, false), (-600.0, true),
    ] as [(Double, Bool)])
    func nerveBlock(secondsBefore: Double, refused: Bool) throws {
        let flags = PatientFlags(lastNerveBlockAt: Self.now.addingTimeInterval(-secondsBefore))
        let problem = Self.problem(Self.request(flags: flags))
        #expect((problem?.code == "session.contraindicated") == refused)
        if refused { #expect(problem?.detail.contains("nerve block") == true) }
    }

    @Test("L19: relative contraindications and risk flags need a recorded review", arguments: [
        (PatientFlags(conditions: [.heartFailure]), 70.0, true),
        (PatientFlags(conditions: [.hepaticImpairment]), 70, true),
        (PatientFlags(conditions: [.pregnancy]), 70, true),
        (PatientFlags(conditions: [.classIAntiarrhythmic]), 70, true),
        (PatientFlags(ageYears: 70), 70, false),
        (PatientFlags(ageYears: 71), 70, true),
        (PatientFlags(), 40, false),
        (PatientFlags(), 39.9, true),
    ])
    func relative(flags: PatientFlags, weightKg: Double, needsReview: Bool) throws {
        // 0.5 mg/kg/h keeps the predicted band under L14's 4 µg/mL even with heart failure or hepatic impairment.
        let request = Self.request(weightKg: weightKg, rate: 0.5, flags: flags)
        if needsReview {
            let problem = try #require(Self.problem(request))
            #expect(problem.code == "session.reviewRequired" && problem.field == "override")
            let (session, decisions) = try Self.start(Self.request(weightKg: weightKg, rate: 0.5, flags: flags, override: Self.review))
            #expect(decisions.map(ExpectedDecision.init) == [ExpectedDecision("L19", .review, .low)])
            #expect(session.override == Self.review)
        } else {
            #expect(try Self.start(request).decisions.isEmpty)
        }
    }

    @Test("An ideal dosing weight that computes to nothing (a very short height) is refused, not modelled")
    func nonPositiveDosingWeight() {
        var request = Self.request()
        request.dosingWeight = .ideal
        request.sex = .male
        request.heightCm = 90
        #expect(Self.problem(request)?.code == "session.implausible")
        request.heightCm = 160
        #expect(Self.problem(request) == nil)
    }

    @Test("Missing baseline is refused (L18)")
    func missingBaseline() {
        var request = Self.request()
        request.baseline = nil
        #expect(Self.problem(request)?.code == "session.baselineMissing")
    }

    @Test("A programmed rate whose steady-state band is above the limit is acted on at start (L14)")
    func l14AtStart() throws {
        // Heart failure at 70 kg, 1 mg/kg/h: Vozeh HF steady state 3.125 µg/mL, band 6.25 > 4 → review.
        let flags = PatientFlags(conditions: [.heartFailure], ageYears: 60)
        let (session, decisions) = try Self.start(Self.request(flags: flags, override: Self.review))
        #expect(decisions.map(ExpectedDecision.init) == [ExpectedDecision("L19", .review, .low), ExpectedDecision("L14", .review, .medium)])
        #expect(session.state == .running)
    }

    @Test("Ketamine: its contraindications are absolute")
    func ketamine() throws {
        #expect(Self.problem(Self.request(drug: .ketamine, flags: PatientFlags(conditions: [.activePsychosis])))?.code == "session.contraindicated")
        // A lidocaine contraindication means nothing to the ketamine profile.
        #expect(try Self.start(Self.request(drug: .ketamine, flags: PatientFlags(conditions: [.conductionBlock]))).decisions.isEmpty)
    }

    @Test("Flags on the wire: one boolean per condition; unknown flags are refused")
    func wireFormat() throws {
        let flags = PatientFlags(conditions: [.heartFailure, .pregnancy], ageYears: 72, lastNerveBlockAt: Self.now)
        let text = String(decoding: try WireJSON.encode(flags), as: UTF8.self)
        #expect(text == #"{"heartFailure":true,"pregnancy":true,"ageYears":72,"lastNerveBlockAt":"2027-01-15T08:00:00.000Z"}"#
                || text.contains(#""heartFailure":true"#))
        #expect(try WireJSON.decoder().decode(PatientFlags.self, from: Data(text.utf8)) == flags)
        #expect(try WireJSON.decoder().decode(PatientFlags.self, from: Data(#"{"heartFailure":false}"#.utf8)).conditions.isEmpty)
        #expect(throws: DecodingError.self) {
            try WireJSON.decoder().decode(PatientFlags.self, from: Data(#"{"heartFaliure":true}"#.utf8))
        }
    }
}
