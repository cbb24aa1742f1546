import Foundation
import InfusionClient
import InfusionCore

extension Render {
    /// The dose delivered so far, e.g. `192.5 mg = 2.75 mg/kg, now 105 mg/h`.
    static func delivered(_ dose: DeliveredDose) -> String {
        var text = quantity(dose.mg, "mg") + " = " + quantity(dose.mgPerKg, "mg/kg")
        text += dose.currentRateMgPerHour > 0 ? ", now " + quantity(dose.currentRateMgPerHour, "mg/h") : ", not delivering now"
        return text
    }

    /// The predicted plasma level with its upper band, the steady state of the programmed rate and the model, e.g.
    /// `1.38 µg/mL (upper band ×2: 2.77 µg/mL); steady state 2.01 µg/mL (band 4.01); Rowland 1971 (two-compartment)`.
    static func prediction(_ prediction: PlasmaPrediction) -> String {
        let factor = DisplayFormat.number(prediction.bandFactor)
        var text = concentration(prediction.concentrationUgPerMl)
            + " (upper band ×\(factor): " + concentration(prediction.upperBandUgPerMl) + ")"
        if let steady = prediction.steadyStateUgPerMl, let band = prediction.steadyStateUpperBandUgPerMl {
            text += "; steady state " + concentration(steady) + " (band " + concentration(band) + ")"
        }
        text += "; " + prediction.model
        if prediction.hepaticAdjustment { text += ", k10 adjusted for hepatic impairment" }
        return text
    }

    /// A concentration in µg/mL with up to three decimals (1 ng/mL), so ketamine levels stay readable.
    static func concentration(_ value: Double) -> String {
        DisplayFormat.number(value, fractionDigits: 3) + " µg/mL"
    }
}
