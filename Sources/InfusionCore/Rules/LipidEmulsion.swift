/// The ASRA 20 % lipid emulsion doses for local anaesthetic systemic toxicity (CLINICAL §2).
public enum LipidEmulsion {
    /// One sentence with the patient's bolus, infusion and upper limit.
    public static func guidance(weightKg: Double) -> String {
        let limit = RegimenLimits.format((12 * weightKg).rounded())
        if weightKg > 70 {
            return "Lipid emulsion 20 % to bedside: 100 mL over 2–3 min, then 200–250 mL over 15–20 min; upper limit about \(limit) mL."
        }
        let bolus = RegimenLimits.format(Dosing.round(1.5 * weightKg))
        let rate = RegimenLimits.format(Dosing.round(0.25 * weightKg))
        return "Lipid emulsion 20 % to bedside: \(bolus) mL over 2–3 min, then \(rate) mL/min; upper limit about \(limit) mL."
    }
}
