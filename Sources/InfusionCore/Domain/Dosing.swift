/// Which body weight mg/kg doses are computed from (CLINICAL §3).
public enum DosingWeightKind: String, Codable, Sendable, CaseIterable {
    case actual
    case ideal
    case adjusted
}

/// Biological sex, used only for the Devine ideal body weight.
public enum Sex: String, Codable, Sendable {
    case male
    case female
}

/// Dosing-weight arithmetic.
public enum Dosing {
    /// Devine ideal body weight: 50 kg (male) / 45.5 kg (female) + 0.9 kg per cm above 152.4 cm.
    public static func idealBodyWeightKg(heightCm: Double, sex: Sex) -> Double {
        let base = sex == .male ? 50.0 : 45.5
        return base + 0.9 * (heightCm - 152.4)
    }

    /// The weight used for mg/kg figures, or nil when height or sex is needed and missing.
    public static func dosingWeightKg(kind: DosingWeightKind, actualKg: Double, heightCm: Double?, sex: Sex?) -> Double? {
        switch kind {
        case .actual:
            return round(actualKg)
        case .ideal:
            guard let heightCm, let sex else { return nil }
            // Never dose on more than the patient weighs.
            return round(min(actualKg, idealBodyWeightKg(heightCm: heightCm, sex: sex)))
        case .adjusted:
            guard let heightCm, let sex else { return nil }
            let ideal = idealBodyWeightKg(heightCm: heightCm, sex: sex)
            guard actualKg > ideal else { return round(actualKg) }
            return round(ideal + 0.4 * (actualKg - ideal))
        }
    }

    /// Rounds a dose figure to 0.01 so results compare and print stably.
    public static func round(_ value: Double) -> Double {
        (value * 100).rounded() / 100
    }
}
