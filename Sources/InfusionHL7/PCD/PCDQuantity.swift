import InfusionCore

/// Where a measurement came from, so that a value is never taken for one it is not (an arterial-line pressure for
/// a cuff pressure, skin temperature for core).
public enum PCDSource: String, Sendable, Hashable, Codable {
    case ecg, oximeter, noninvasive, invasive, generic
    /// Thoracic impedance (respiration from the ECG leads).
    case impedance
    /// Airway flow or capnography.
    case airway
    /// Respiration derived from the plethysmogram.
    case pleth
    case body, core, tympanic, skin, oral
}

/// What an OBX measured, as this receiver names it.
public enum PCDQuantity: String, Sendable, Hashable, Codable, CaseIterable {
    case heartRate, systolic, diastolic, meanPressure, spo2, respiratoryRate, temperature
    case qrsDuration, qtInterval, qtcInterval, prInterval, rhythm, pvcRate, pvcCount

    /// The unit values are converted to.
    public var canonicalUnit: String {
        switch self {
        case .heartRate, .respiratoryRate, .pvcRate: "/min"
        case .systolic, .diastolic, .meanPressure: "mm[Hg]"
        case .spo2: "%"
        case .temperature: "Cel"
        case .qrsDuration, .qtInterval, .qtcInterval, .prInterval: "ms"
        case .rhythm, .pvcCount: "1"
        }
    }

    /// The dimension its OBX-6 unit must have.
    var dimension: PCDUnit.Dimension {
        switch self {
        case .heartRate, .pvcRate: .beatRate
        case .respiratoryRate: .breathRate
        case .systolic, .diastolic, .meanPressure: .pressure
        case .spo2: .percent
        case .temperature: .temperature
        case .qrsDuration, .qtInterval, .qtcInterval, .prInterval: .duration
        case .rhythm: .none
        case .pvcCount: .count
        }
    }

    /// The plausible range after conversion: the core's ranges for the fields the rules read, and physiological
    /// bounds for the rest.
    var plausibleRange: ClosedRange<Double> {
        func core(_ field: String) -> ClosedRange<Double> {
            RequestValidation.plausibleVitals.first { $0.field == field }!.range
        }
        switch self {
        case .heartRate, .pvcRate: return core("heartRateBpm")
        case .systolic, .meanPressure: return core("systolicMmHg")
        case .diastolic: return core("diastolicMmHg")
        case .spo2: return core("spo2Percent")
        case .respiratoryRate: return core("respiratoryRatePerMin")
        case .qrsDuration: return core("qrsMs")
        case .prInterval: return core("prMs")
        case .qtInterval, .qtcInterval: return 100...1000
        case .temperature: return 20...45
        case .rhythm: return 0...0
        case .pvcCount: return 0...100_000
        }
    }
}
