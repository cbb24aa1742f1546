/// A published pharmacokinetic parameter set (CLINICAL §4, from S. L. Shafer's STANPUMP sources).
public enum PKParameterSet: String, Codable, Sendable, CaseIterable {
    /// Lidocaine, Rowland 1971: V1 34.5 L at 70 kg, k10 0.0253, k12 0.0576, k21 0.0328 per min. The default.
    case rowland
    /// Lidocaine, Vozeh without heart failure (HF = 0): V1 0.67 L/kg, CL 0.58 L/h/kg, k12 1.30 /h, k21 0.53 /h.
    case vozeh
    /// Lidocaine, Vozeh with heart failure (HF = 1): V1 0.51 L/kg, CL 0.32 L/h/kg, k12 1.30 /h, k21 0.53 /h.
    case vozehHeartFailure
    /// Lidocaine, Schnider 1996: V1 0.088 L/kg, k10 0.227273, k12 0.636364, k21 0.14 per min; sessions ≤ 2 h.
    case schnider
    /// Ketamine, Domino 1984, three compartments: V1 0.063 L/kg, k10 0.438, k12 0.592, k13 0.590, k21 0.247,
    /// k31 0.0146 per min.
    case domino

    /// The set's name as staff see it, e.g. `Rowland 1971 (two-compartment)`.
    public var title: String {
        switch self {
        case .rowland: "Rowland 1971 (two-compartment)"
        case .vozeh: "Vozeh (two-compartment, no heart failure)"
        case .vozehHeartFailure: "Vozeh with heart failure (two-compartment)"
        case .schnider: "Schnider 1996 (two-compartment, sessions up to 2 h)"
        case .domino: "Domino 1984 (three-compartment)"
        }
    }

    /// The drug the set describes.
    public var drug: Drug {
        switch self {
        case .rowland, .vozeh, .vozehHeartFailure, .schnider: .lidocaine
        case .domino: .ketamine
        }
    }

    /// The model for a patient of `weightKg`, with k10 multiplied by `k10Factor` (0.5 for severe hepatic
    /// impairment, CLINICAL §4 [default]).
    public func model(weightKg: Double, k10Factor: Double = 1) -> CompartmentModel {
        switch self {
        case .rowland:
            // 34.5 L at 70 kg (0.493 L/kg), scaled linearly with weight.
            return CompartmentModel(
                centralVolumeL: 34.5 / 70 * weightKg, k10: 0.0253 * k10Factor,
                peripherals: [PeripheralRates(fromCentral: 0.0576, toCentral: 0.0328)])
        case .vozeh, .vozehHeartFailure:
            let heartFailure = self == .vozehHeartFailure ? 1.0 : 0.0
            let v1PerKg = 0.67 - 0.16 * heartFailure
            let clearancePerKgPerHour = 0.58 - 0.26 * heartFailure
            return CompartmentModel(
                centralVolumeL: v1PerKg * weightKg, k10: clearancePerKgPerHour / v1PerKg / 60 * k10Factor,
                peripherals: [PeripheralRates(fromCentral: 1.30 / 60, toCentral: 0.53 / 60)])
        case .schnider:
            return CompartmentModel(
                centralVolumeL: 0.088 * weightKg, k10: 0.227273 * k10Factor,
                peripherals: [PeripheralRates(fromCentral: 0.636364, toCentral: 0.14)])
        case .domino:
            return CompartmentModel(
                centralVolumeL: 0.063 * weightKg, k10: 0.438 * k10Factor,
                peripherals: [PeripheralRates(fromCentral: 0.592, toCentral: 0.247),
                              PeripheralRates(fromCentral: 0.590, toCentral: 0.0146)])
        }
    }
}
