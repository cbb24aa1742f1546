import Foundation

/// How much drug a session has delivered so far, integrated from its events (SPEC §5).
public struct DeliveredDose: Codable, Sendable, Hashable {
    /// Cumulative mg, rounded to 0.01.
    public var mg: Double
    /// Cumulative mg per kg of dosing weight, rounded to 0.01.
    public var mgPerKg: Double
    /// The rate being delivered at `asOf` (bolus and infusion together), mg/h; 0 while paused or after the end.
    public var currentRateMgPerHour: Double
    /// The programmed infusion rate in mg/h (what a paused session resumes at); nil once stopped or ended.
    public var programmedInfusionMgPerHour: Double?
    /// The time these figures are for.
    public var asOf: Date

    public init(mg: Double, mgPerKg: Double, currentRateMgPerHour: Double, programmedInfusionMgPerHour: Double?, asOf: Date) {
        self.mg = mg
        self.mgPerKg = mgPerKg
        self.currentRateMgPerHour = currentRateMgPerHour
        self.programmedInfusionMgPerHour = programmedInfusionMgPerHour
        self.asOf = asOf
    }
}
