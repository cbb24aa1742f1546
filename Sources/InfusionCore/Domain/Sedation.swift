/// A sedation score on the POSS (Pasero) or RASS scale.
public struct Sedation: Codable, Sendable, Hashable {
    /// The scale the value is on.
    public enum Scale: String, Codable, Sendable { case POSS, RASS }

    public var scale: Scale
    /// POSS: `S`, `1`…`4`; RASS: `-5`…`+4`.
    public var value: String

    public init(scale: Scale, value: String) {
        self.scale = scale
        self.value = value
    }

    /// The POSS level as a number (S counts as 1), or nil when the value is not on the POSS scale.
    public var possLevel: Int? {
        guard scale == .POSS else { return nil }
        if value.uppercased() == "S" { return 1 }
        guard value.count == 1, let level = Int(value), (1...4).contains(level) else { return nil }
        return level
    }

    /// The RASS level as a number, or nil when the value is not on the RASS scale.
    public var rassLevel: Int? {
        guard scale == .RASS else { return nil }
        // Exactly an optional sign and one digit: "+2", "-3", "0".
        let digits = value.first == "+" || value.first == "-" ? value.dropFirst() : Substring(value)
        guard digits.count == 1, let magnitude = Int(digits) else { return nil }
        let level = value.first == "-" ? -magnitude : magnitude
        return (-5...4).contains(level) ? level : nil
    }

    /// Whether the value is valid for its scale.
    public var isValid: Bool { possLevel != nil || rassLevel != nil }

    /// The equivalent POSS depth of sedation (CLINICAL §8): RASS −1 ≈ 2, −2/−3 ≈ 3, ≤ −4 ≈ 4, and RASS 0 or above
    /// (alert and calm, or restless to combative: not sedated) ≈ 1, awake and alert. Every valid RASS value maps to a
    /// level, so a RASS 0 set is an assessed sedation level that can clear a drowsiness alert; nil only for an
    /// invalid value.
    public var equivalentPossLevel: Int? {
        if let poss = possLevel { return poss }
        guard let rass = rassLevel else { return nil }
        switch rass {
        case ...(-4): return 4
        case -3, -2: return 3
        case -1: return 2
        default: return 1
        }
    }

    /// The RASS levels a score can stand for (CLINICAL §8 read backwards): the level itself on RASS; on POSS,
    /// 4 ≈ −5…−4, 3 ≈ −3…−2, 2 ≈ −1, S (asleep, easy to rouse) ≈ −5…0, and 1 (awake and alert) ≈ 0…+4, since POSS
    /// does not score agitation; `agitationAssessedAbsent` (a symptom checklist without `agitation`) narrows POSS 1
    /// to 0…+1 (RASS +2 is agitated, CLINICAL §6 L09). nil for an invalid value.
    public func possibleRassLevels(agitationAssessedAbsent: Bool) -> ClosedRange<Int>? {
        if let rass = rassLevel { return rass...rass }
        guard let poss = possLevel else { return nil }
        switch poss {
        case 4: return -5...(-4)
        case 3: return -3...(-2)
        case 2: return -1...(-1)
        default:
            if value.uppercased() == "S" { return -5...0 }
            return agitationAssessedAbsent ? 0...1 : 0...4
        }
    }
}
