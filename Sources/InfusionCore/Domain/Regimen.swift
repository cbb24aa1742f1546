/// A loading dose given as a short infusion.
public struct BolusOrder: Codable, Sendable, Hashable {
    public var doseMgPerKg: Double
    public var durationMin: Double

    public init(doseMgPerKg: Double, durationMin: Double) {
        self.doseMgPerKg = doseMgPerKg
        self.durationMin = durationMin
    }
}

/// A continuous infusion rate.
public struct InfusionOrder: Codable, Sendable, Hashable {
    public var rateMgPerKgPerHour: Double

    public init(rateMgPerKgPerHour: Double) {
        self.rateMgPerKgPerHour = rateMgPerKgPerHour
    }
}

/// A clinician's override of a soft limit or a review, with who and why.
public struct Override: Codable, Sendable, Hashable {
    public var by: String
    public var reason: String

    public init(by: String, reason: String) {
        self.by = by
        self.reason = reason
    }
}

/// The doses of an order in absolute units for one dosing weight.
public struct ComputedDoses: Codable, Sendable, Hashable {
    public var bolusMg: Double?
    public var bolusRateMgPerHour: Double?
    public var infusionMgPerHour: Double?

    public init(bolus: BolusOrder?, infusion: InfusionOrder?, dosingWeightKg: Double) {
        if let bolus {
            let mg = Dosing.round(bolus.doseMgPerKg * dosingWeightKg)
            bolusMg = mg
            bolusRateMgPerHour = bolus.durationMin > 0 ? Dosing.round(mg * 60 / bolus.durationMin) : nil
        }
        if let infusion {
            infusionMgPerHour = Dosing.round(infusion.rateMgPerKgPerHour * dosingWeightKg)
        }
    }
}
