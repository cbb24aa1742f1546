/// A cardiac rhythm as read from the monitor or ECG.
public enum Rhythm: String, Codable, Sendable, CaseIterable {
    case sinus, sinusBradycardia, sinusTachycardia, atrialFibrillation, avBlock1, avBlock2, avBlock3
    case ventricularEctopy, ventricularTachycardia, ventricularFibrillation, asystole, pea
}
