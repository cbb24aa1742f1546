import Foundation

/// Builds a new session from a start request: dosing weight, start checks (L18/L19), regimen limits (L15/K01),
/// baseline (L18), and the rules that already apply to the programmed order (e.g. L14 on the steady state).
public enum SessionFactory {
    /// The rule id under which an overridden absolute contraindication is recorded (CLINICAL §6).
    public static let contraindicationRuleId = "L18"
    /// The rule id under which the clinician review of relative contraindications and risk flags is recorded.
    public static let reviewRuleId = "L19"

    /// A new session and the decisions its start recorded (overrides, reviews, rules on the programmed order), or a
    /// problem that refuses the start.
    public static func start(
        _ request: StartSessionRequest, profile: RuleProfile, ruleSetHash: String, id: UUID, now: Date
    ) throws(DomainError) -> (session: Session, decisions: [Decision]) {
        guard request.bolus != nil || request.infusion != nil else {
            throw DomainError(.invalid, code: "session.noRegimen", title: "No regimen",
                          detail: "Give a bolus, an infusion or both.", field: "infusion")
        }
        guard let baseline = request.baseline, baseline.isCompleteBaseline else {
            let missing = request.baseline?.missingBaselineFields ?? ["baseline"]
            throw DomainError(.invalid, code: "session.baselineMissing", title: "Baseline observations missing",
                          detail: "A full baseline set (HR, BP, SpO2, RR, QRS, PR, rhythm) is needed before start; missing: \(missing.joined(separator: ", ")).",
                          field: missing.first.map { $0 == "baseline" ? $0 : "baseline.\($0)" })
        }
        let kind = request.dosingWeight ?? profile.defaultDosingWeight
        guard let dosingWeightKg = Dosing.dosingWeightKg(kind: kind, actualKg: request.weightKg, heightCm: request.heightCm, sex: request.sex) else {
            throw DomainError(.invalid, code: "session.heightAndSexRequired", title: "Height and sex needed",
                          detail: "The \(kind.rawValue) dosing weight needs heightCm and sex.",
                          field: request.heightCm == nil ? "heightCm" : "sex")
        }
        guard dosingWeightKg > 0 else {
            throw DomainError(.invalid, code: "session.implausible", title: "Implausible dosing weight",
                          detail: "The \(kind.rawValue) dosing weight computes to \(RegimenLimits.format(dosingWeightKg)) kg from heightCm \(request.heightCm.map(RegimenLimits.format) ?? "-"); check the height, or dose on the actual weight.",
                          field: "heightCm")
        }
        var decisions = try startChecks(request, profile: profile, now: now)
        decisions += try SessionMachine.checkLimits(
            bolus: request.bolus, infusion: request.infusion, dosingWeightKg: dosingWeightKg, limits: profile.limits,
            override: request.override, regimenRule: profile.resolvedRegimenRule)
        let reviewed = decisions.contains { $0.ruleId != contraindicationRuleId }
        var session = Session(
            id: id, patientId: request.patientId, drug: request.drug, state: .running, weightKg: request.weightKg,
            heightCm: request.heightCm, sex: request.sex, dosingWeight: kind, dosingWeightKg: dosingWeightKg,
            bolus: request.bolus, infusion: request.infusion, prescriber: request.prescriber,
            startedBy: request.recordedBy, startedAt: now, baseline: baseline,
            override: reviewed ? request.override : nil, ruleSetHash: ruleSetHash)
        session.flags = request.flags
        session.plannedDurationMin = request.plannedDurationMin
        session.patientIdAuthority = request.patientIdAuthority
        session.bed = request.bed
        session.patientInitials = request.patientInitials
        session.binding = request.binding?.normalized

        // Rules on the programmed order itself (a predicted steady state above the L14 band acts at once).
        let history = SessionHistory(entries: [SessionHistory.Entry(
            sequence: 1, recordedAt: now, occurredAt: now, stateAfter: .running, payload: .start(request))])
        let context = RuleContext(session: session, at: now, history: history, pharmacokinetics: profile.resolvedPharmacokinetics)
        let ruled = RuleEngine.evaluate(profile.rules, context: context)
        session = SessionMachine.apply(ruled, to: session)
        return (session, decisions + ruled)
    }

    /// L18 and L19: absolute contraindications refuse the start unless `contraindicationOverride` is given;
    /// relative ones and risk flags need a clinician review given as `override`. Returns the decisions that record
    /// the override and the review.
    static func startChecks(_ request: StartSessionRequest, profile: RuleProfile, now: Date) throws(DomainError) -> [Decision] {
        guard let checks = profile.startChecks else { return [] }
        let findings = checks.findings(for: request, now: now)
        var decisions: [Decision] = []
        let drug = profile.drug.rawValue
        if !findings.absolute.isEmpty {
            guard let override = request.contraindicationOverride, overrideIsComplete(override) else {
                throw DomainError(.invalid, code: "session.contraindicated", title: "Absolute contraindication",
                              detail: "Absolute contraindication to \(drug): \(findings.absolute.joined(separator: "; ")). Do not start. A clinician who has weighed the risk may proceed only by sending contraindicationOverride {by, reason}.",
                              field: findings.absoluteFields.first ?? "flags", limits: ["contraindications": .array(findings.absolute.map(JSONValue.string))])
            }
            decisions.append(Decision(
                ruleId: contraindicationRuleId, action: .review, priority: .medium,
                reason: "Absolute contraindication to \(drug) (\(findings.absolute.joined(separator: "; "))) overridden by \(override.by): \(override.reason)",
                inputs: findings.inputs.merging([
                    "contraindications": .array(findings.absolute.map(JSONValue.string)),
                    "overrideBy": .string(override.by), "overrideReason": .string(override.reason),
                ]) { _, new in new },
                thresholds: findings.thresholds, requiresReview: true))
        }
        if !findings.relative.isEmpty {
            guard let override = request.override, overrideIsComplete(override) else {
                throw DomainError(.invalid, code: "session.reviewRequired", title: "Clinician review needed",
                              detail: "Starting \(drug) with \(findings.relative.joined(separator: "; ")) needs a clinician review: send override {by, reason} naming the reviewing clinician and why it is safe to proceed.",
                              field: "override", limits: ["reviewFor": .array(findings.relative.map(JSONValue.string))])
            }
            decisions.append(Decision(
                ruleId: reviewRuleId, action: .review, priority: .low,
                reason: "Reviewed before start (\(findings.relative.joined(separator: "; "))) by \(override.by): \(override.reason)",
                inputs: findings.inputs.merging([
                    "reviewFor": .array(findings.relative.map(JSONValue.string)),
                    "overrideBy": .string(override.by), "overrideReason": .string(override.reason),
                ]) { _, new in new },
                thresholds: findings.thresholds, requiresReview: true))
        }
        return decisions
    }

    private static func overrideIsComplete(_ override: Override) -> Bool {
        !override.by.trimmingCharacters(in: .whitespaces).isEmpty && !override.reason.trimmingCharacters(in: .whitespaces).isEmpty
    }
}
