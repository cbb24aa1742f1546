/// A cardiac rhythm as read from the monitor or ECG.
public enum Rhythm: String, Codable, Sendable, CaseIterable {
    case sinus, sinusBradycardia, sinusTachycardia, atrialFibrillation, avBlock1, avBlock2, avBlock3
    case ventricularEctopy, ventricularTachycardia, ventricularFibrillation, asystole, pea

    /// The rhythm as staff name it, for messages (e.g. `2nd-degree AV block`).
    public var clinicalName: String {
        switch self {
        case .sinus: "sinus rhythm"
        case .sinusBradycardia: "sinus bradycardia"
        case .sinusTachycardia: "sinus tachycardia"
        case .atrialFibrillation: "atrial fibrillation"
        case .avBlock1: "1st-degree AV block"
        case .avBlock2: "2nd-degree AV block"
        case .avBlock3: "3rd-degree AV block"
        case .ventricularEctopy: "ventricular ectopy"
        case .ventricularTachycardia: "ventricular tachycardia"
        case .ventricularFibrillation: "ventricular fibrillation"
        case .asystole: "asystole"
        case .pea: "pulseless electrical activity"
        }
    }
}
