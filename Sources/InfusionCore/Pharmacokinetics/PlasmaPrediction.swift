import Foundation

/// The predicted plasma concentration of a session at a time, with its upper band and the steady state of the
/// programmed rate (CLINICAL §4). A low prediction never suppresses an alert raised by what was observed.
public struct PlasmaPrediction: Codable, Sendable, Hashable {
    /// The parameter set used.
    public var parameterSet: PKParameterSet
    /// The set's name, e.g. `Rowland 1971 (two-compartment)`.
    public var model: String
    /// The weight the model was scaled to (the dosing weight).
    public var weightKg: Double
    /// Whether k10 was adjusted for severe hepatic impairment.
    public var hepaticAdjustment: Bool
    /// The predicted central concentration now, µg/mL (rounded to 0.001).
    public var concentrationUgPerMl: Double
    /// The upper band: the prediction times `bandFactor`, µg/mL.
    public var upperBandUgPerMl: Double
    /// The steady state of the programmed infusion rate, µg/mL; nil once delivery has stopped or ended.
    public var steadyStateUgPerMl: Double?
    /// The steady state's upper band, µg/mL.
    public var steadyStateUpperBandUgPerMl: Double?
    /// The multiple of the prediction measured levels reach (2).
    public var bandFactor: Double
    /// The time the prediction is for.
    public var asOf: Date

    public init(
        parameterSet: PKParameterSet, model: String, weightKg: Double, hepaticAdjustment: Bool,
        concentrationUgPerMl: Double, upperBandUgPerMl: Double, steadyStateUgPerMl: Double?,
        steadyStateUpperBandUgPerMl: Double?, bandFactor: Double, asOf: Date
    ) {
        self.parameterSet = parameterSet
        self.model = model
        self.weightKg = weightKg
        self.hepaticAdjustment = hepaticAdjustment
        self.concentrationUgPerMl = concentrationUgPerMl
        self.upperBandUgPerMl = upperBandUgPerMl
        self.steadyStateUgPerMl = steadyStateUgPerMl
        self.steadyStateUpperBandUgPerMl = steadyStateUpperBandUgPerMl
        self.bandFactor = bandFactor
        self.asOf = asOf
    }
}

/// Runs a compartment model over a delivery plan.
public enum PlasmaPredictor {
    /// The central concentration (µg/mL, unrounded) at `date` for a delivery plan: exact updates over each
    /// constant-rate segment and the gaps between them.
    public static func concentration(model: CompartmentModel, plan: DeliveryPlan, at date: Date) -> Double {
        let target = plan.minute(of: date)
        guard target > 0 else { return 0 }
        var amounts = model.empty
        var clock = 0.0
        for segment in plan.segments where segment.startMinute < target {
            if segment.startMinute > clock {
                amounts = model.advance(amounts, minutes: segment.startMinute - clock, rateMgPerMin: 0)
                clock = segment.startMinute
            }
            let end = min(segment.endMinute ?? .infinity, target)
            amounts = model.advance(amounts, minutes: end - clock, rateMgPerMin: segment.mgPerMinute)
            clock = end
        }
        if target > clock { amounts = model.advance(amounts, minutes: target - clock, rateMgPerMin: 0) }
        return model.concentration(amounts)
    }

    /// The session's prediction at `date` with the profile's settings, or nil when the dosing weight or the
    /// settings cannot give a model (a non-positive weight or k10 factor): no figure rather than a wrong one.
    public static func predict(
        session: Session, plan: DeliveryPlan, settings: PharmacokineticsSettings, at date: Date
    ) -> PlasmaPrediction? {
        let set = settings.parameterSet(for: session, at: date)
        let factor = settings.k10Factor(for: session)
        guard session.dosingWeightKg.isFinite, session.dosingWeightKg > 0, factor.isFinite, factor > 0,
              settings.upperBandFactor.isFinite else { return nil }
        let model = set.model(weightKg: session.dosingWeightKg, k10Factor: factor)
        let now = concentration(model: model, plan: plan, at: date)
        let steady = plan.programmedInfusionMgPerHour.map { model.steadyStateConcentration(rateMgPerMin: $0 / 60) }
        return PlasmaPrediction(
            parameterSet: set, model: set.title, weightKg: session.dosingWeightKg, hepaticAdjustment: factor != 1,
            concentrationUgPerMl: round(now), upperBandUgPerMl: round(now * settings.upperBandFactor),
            steadyStateUgPerMl: steady.map(round), steadyStateUpperBandUgPerMl: steady.map { round($0 * settings.upperBandFactor) },
            bandFactor: settings.upperBandFactor, asOf: date)
    }

    /// Rounds a concentration to 0.001 µg/mL (1 ng/mL), so figures compare and replay stably.
    public static func round(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}
