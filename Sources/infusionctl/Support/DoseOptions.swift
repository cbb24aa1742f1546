import ArgumentParser
import InfusionCore

/// A bolus and/or an infusion rate given on the command line, in mg/kg of dosing weight.
struct DoseOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Bolus (loading) dose per kg of dosing weight.", valueName: "mg/kg"))
    var bolusMgPerKg: Double?

    @Option(help: ArgumentHelp("How long the bolus runs.", valueName: "minutes"))
    var bolusMinutes: Double?

    @Option(help: ArgumentHelp("Continuous infusion rate per kg of dosing weight.", valueName: "mg/kg/h"))
    var rateMgPerKgPerHour: Double?

    /// The bolus order, when both its dose and its duration were given.
    var bolus: BolusOrder? {
        guard let bolusMgPerKg, let bolusMinutes else { return nil }
        return BolusOrder(doseMgPerKg: bolusMgPerKg, durationMin: bolusMinutes)
    }

    /// The infusion order, when a rate was given.
    var infusion: InfusionOrder? {
        rateMgPerKgPerHour.map(InfusionOrder.init(rateMgPerKgPerHour:))
    }

    /// Whether any dose option was given.
    var isEmpty: Bool { bolusMgPerKg == nil && bolusMinutes == nil && rateMgPerKgPerHour == nil }

    func validate() throws {
        if (bolusMgPerKg == nil) != (bolusMinutes == nil) {
            throw ValidationError("A bolus needs both --bolus-mg-per-kg and --bolus-minutes.")
        }
    }
}
