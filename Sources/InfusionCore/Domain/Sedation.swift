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

    /// The equivalent POSS depth of sedation (CLINICAL §8): RASS −1 ≈ 2, −2/−3 ≈ 3, ≤ −4 ≈ 4; nil for RASS ≥ 0.
    public var equivalentPossLevel: Int? {
        if let poss = possLevel { return poss }
        guard let rass = rassLevel else { return nil }
        switch rass {
        case ...(-4): return 4
        case -3, -2: return 3
        case -1: return 2
        default: return nil
        }
    }
}
