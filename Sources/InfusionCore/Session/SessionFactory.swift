import Foundation

/// Builds a new session from a start request: dosing weight, regimen limits (L15), baseline (L18).
public enum SessionFactory {
    /// A new running session and the decisions its start recorded (soft-limit overrides), or a problem.
    public static func start(
        _ request: StartSessionRequest, profile: RuleProfile, ruleSetHash: String, id: UUID, now: Date
    ) throws(Problem) -> (session: Session, decisions: [Decision]) {
        guard request.bolus != nil || request.infusion != nil else {
            throw Problem(status: 422, code: "session.noRegimen", title: "No regimen",
                          detail: "Give a bolus, an infusion or both.", field: "infusion")
        }
        guard let baseline = request.baseline, baseline.isCompleteBaseline else {
            let missing = request.baseline?.missingBaselineFields ?? ["baseline"]
            throw Problem(status: 422, code: "session.baselineMissing", title: "Baseline observations missing",
                          detail: "A full baseline set (HR, BP, SpO2, RR, QRS, PR, rhythm) is needed before start; missing: \(missing.joined(separator: ", ")).",
                          field: missing.first.map { $0 == "baseline" ? $0 : "baseline.\($0)" })
        }
        let kind = request.dosingWeight ?? profile.defaultDosingWeight
        guard let dosingWeightKg = Dosing.dosingWeightKg(kind: kind, actualKg: request.weightKg, heightCm: request.heightCm, sex: request.sex) else {
            throw Problem(status: 422, code: "session.heightAndSexRequired", title: "Height and sex needed",
                          detail: "The \(kind.rawValue) dosing weight needs heightCm and sex.",
                          field: request.heightCm == nil ? "heightCm" : "sex")
        }
        let decisions = try SessionMachine.checkLimits(
            bolus: request.bolus, infusion: request.infusion, dosingWeightKg: dosingWeightKg, limits: profile.limits,
            override: request.override)
        let session = Session(
            id: id, patientId: request.patientId, drug: request.drug, state: .running, weightKg: request.weightKg,
            heightCm: request.heightCm, sex: request.sex, dosingWeight: kind, dosingWeightKg: dosingWeightKg,
            bolus: request.bolus, infusion: request.infusion, prescriber: request.prescriber,
            startedBy: request.recordedBy, startedAt: now, baseline: baseline,
            override: decisions.isEmpty ? nil : request.override, ruleSetHash: ruleSetHash)
        return (session, decisions)
    }
}
