import ArgumentParser
import InfusionCore

/// Vital signs and ECG readings given on the command line.
struct VitalsOptions: ParsableArguments {
    @Option(name: .customLong("hr"), help: ArgumentHelp("Heart rate, beats per minute.", valueName: "bpm"))
    var heartRate: Double?

    @Option(name: .customLong("sbp"), help: ArgumentHelp("Systolic blood pressure.", valueName: "mmHg"))
    var systolic: Double?

    @Option(name: .customLong("dbp"), help: ArgumentHelp("Diastolic blood pressure.", valueName: "mmHg"))
    var diastolic: Double?

    @Option(name: .customLong("spo2"), help: ArgumentHelp("Oxygen saturation.", valueName: "percent"))
    var spo2: Double?

    @Option(name: .customLong("rr"), help: ArgumentHelp("Respiratory rate, breaths per minute.", valueName: "per-min"))
    var respiratoryRate: Double?

    @Option(name: .customLong("qrs"), help: ArgumentHelp("QRS duration.", valueName: "ms"))
    var qrs: Double?

    @Option(name: .customLong("pr"), help: ArgumentHelp("PR interval.", valueName: "ms"))
    var pr: Double?

    @Option(help: ArgumentHelp("Cardiac rhythm.", valueName: "rhythm"))
    var rhythm: Rhythm?

    /// The readings given, or nil when none was.
    var vitals: Vitals? {
        let vitals = Vitals(
            heartRateBpm: heartRate, systolicMmHg: systolic, diastolicMmHg: diastolic, spo2Percent: spo2,
            respiratoryRatePerMin: respiratoryRate, qrsMs: qrs, prMs: pr, rhythm: rhythm)
        return vitals.isEmpty ? nil : vitals
    }
}
