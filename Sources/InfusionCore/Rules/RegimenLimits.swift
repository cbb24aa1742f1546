/// Soft and hard bounds for one dose figure (DERS-style: hard is refused, soft needs an override).
public struct DoseLimit: Codable, Sendable, Hashable {
    public var softMin: Double?
    public var softMax: Double?
    public var hardMin: Double?
    public var hardMax: Double?

    public init(softMin: Double? = nil, softMax: Double? = nil, hardMin: Double? = nil, hardMax: Double? = nil) {
        self.softMin = softMin
        self.softMax = softMax
        self.hardMin = hardMin
        self.hardMax = hardMax
    }
}

/// A regimen figure outside a limit.
public struct LimitBreach: Codable, Sendable, Hashable {
    public enum Severity: String, Codable, Sendable { case soft, hard }

    public var severity: Severity
    /// The request field, e.g. `infusion.rateMgPerKgPerHour`.
    public var field: String
    /// The limit's name, e.g. `infusionMgPerHour.hardMax`.
    public var limit: String
    public var value: Double
    public var bound: Double
    public var unit: String
    public var message: String
}

/// The profile's regimen limits (CLINICAL §1, SPEC §5).
public struct RegimenLimits: Codable, Sendable, Hashable {
    public var bolusDoseMgPerKg: DoseLimit
    public var bolusDurationMin: DoseLimit
    public var infusionRateMgPerKgPerHour: DoseLimit
    public var infusionMgPerHour: DoseLimit

    public init(
        bolusDoseMgPerKg: DoseLimit, bolusDurationMin: DoseLimit, infusionRateMgPerKgPerHour: DoseLimit,
        infusionMgPerHour: DoseLimit
    ) {
        self.bolusDoseMgPerKg = bolusDoseMgPerKg
        self.bolusDurationMin = bolusDurationMin
        self.infusionRateMgPerKgPerHour = infusionRateMgPerKgPerHour
        self.infusionMgPerHour = infusionMgPerHour
    }

    /// Every breach of the order at this dosing weight, hard ones first.
    public func check(bolus: BolusOrder?, infusion: InfusionOrder?, dosingWeightKg: Double) -> [LimitBreach] {
        var breaches: [LimitBreach] = []
        if let bolus {
            breaches += Self.breaches(bolus.doseMgPerKg, of: bolusDoseMgPerKg, name: "bolusDoseMgPerKg",
                                      field: "bolus.doseMgPerKg", unit: "mg/kg", what: "Bolus dose")
            breaches += Self.breaches(bolus.durationMin, of: bolusDurationMin, name: "bolusDurationMin",
                                      field: "bolus.durationMin", unit: "min", what: "Bolus duration")
        }
        if let infusion {
            breaches += Self.breaches(infusion.rateMgPerKgPerHour, of: infusionRateMgPerKgPerHour,
                                      name: "infusionRateMgPerKgPerHour", field: "infusion.rateMgPerKgPerHour",
                                      unit: "mg/kg/h", what: "Infusion rate")
            let mgPerHour = Dosing.round(infusion.rateMgPerKgPerHour * dosingWeightKg)
            breaches += Self.breaches(mgPerHour, of: infusionMgPerHour, name: "infusionMgPerHour",
                                      field: "infusion.rateMgPerKgPerHour", unit: "mg/h",
                                      what: "Infusion rate at \(Self.format(dosingWeightKg)) kg dosing weight")
        }
        return breaches.filter { $0.severity == .hard } + breaches.filter { $0.severity == .soft }
    }

    private static func breaches(
        _ value: Double, of limit: DoseLimit, name: String, field: String, unit: String, what: String
    ) -> [LimitBreach] {
        func breach(_ severity: LimitBreach.Severity, _ bound: Double, _ suffix: String, _ relation: String) -> LimitBreach {
            LimitBreach(
                severity: severity, field: field, limit: "\(name).\(suffix)", value: value, bound: bound, unit: unit,
                message: "\(what) \(format(value)) \(unit) is \(relation) the \(severity.rawValue) limit of \(format(bound)) \(unit).")
        }
        if let hardMax = limit.hardMax, value > hardMax { return [breach(.hard, hardMax, "hardMax", "above")] }
        if let hardMin = limit.hardMin, value < hardMin { return [breach(.hard, hardMin, "hardMin", "below")] }
        if let softMax = limit.softMax, value > softMax { return [breach(.soft, softMax, "softMax", "above")] }
        if let softMin = limit.softMin, value < softMin { return [breach(.soft, softMin, "softMin", "below")] }
        return []
    }

    /// Formats a figure without a trailing `.0`.
    static func format(_ value: Double) -> String {
        // Only whole numbers well inside Int64 print without a fraction; converting anything larger would trap.
        guard value.isFinite, abs(value) < 1e15 else { return String(describing: value) }
        return value.rounded() == value ? String(Int64(value)) : String(Dosing.round(value))
    }
}
