import Foundation

/// Plausibility checks on incoming requests (SPEC §4): anything outside physiology is refused naming the field,
/// before it can reach the database or the rules.
public enum RequestValidation {
    /// How far in the future an observation time may be (clock skew between stations and the daemon).
    public static let maxFutureSkew: TimeInterval = 120

    /// Physiologically plausible ranges for each vital sign, inclusive.
    public static let plausibleVitals: [(field: String, path: any KeyPath<Vitals, Double?> & Sendable, range: ClosedRange<Double>, unit: String)] = [
        ("heartRateBpm", \.heartRateBpm, 0...350, "/min"),
        ("systolicMmHg", \.systolicMmHg, 0...300, "mmHg"),
        ("diastolicMmHg", \.diastolicMmHg, 0...250, "mmHg"),
        ("spo2Percent", \.spo2Percent, 0...100, "%"),
        ("respiratoryRatePerMin", \.respiratoryRatePerMin, 0...80, "/min"),
        ("qrsMs", \.qrsMs, 20...400, "ms"),
        ("prMs", \.prMs, 0...1000, "ms"),
    ]

    /// Checks an observation; throws `observation.implausible`, `observation.futureTime` or `observation.empty`.
    public static func validate(_ observation: ObservationRequest, now: Date) throws(DomainError) {
        try requireStaff(observation.recordedBy, field: "recordedBy")
        if observation.observedAt.timeIntervalSince(now) > maxFutureSkew {
            throw DomainError(.invalid, code: "observation.futureTime", title: "Observation time in the future",
                          detail: "observedAt \(WireJSON.formatTimestamp(observation.observedAt)) is more than 2 minutes ahead of the daemon's clock (\(WireJSON.formatTimestamp(now))); check the station's clock.",
                          field: "observedAt")
        }
        if let vitals = observation.vitals { try validate(vitals, prefix: "vitals") }
        if let sedation = observation.sedation, !sedation.isValid {
            throw implausible("sedation.value", "Sedation value '\(sedation.value)' is not on the \(sedation.scale.rawValue) scale (POSS: S, 1–4; RASS: −5…+4).")
        }
        if let pain = observation.painNrs, !(0...10).contains(pain) {
            throw implausible("painNrs", "Pain score \(pain) is outside the 0–10 NRS.")
        }
        if let serum = observation.serumLevelUgPerMl, !(serum.isFinite && (0...100).contains(serum)) {
            throw implausible("serumLevelUgPerMl", "Serum level \(serum) µg/mL is outside the plausible 0–100 µg/mL.")
        }
        let empty = (observation.vitals?.isEmpty ?? true) && (observation.symptoms ?? []).isEmpty
            && observation.sedation == nil && observation.painNrs == nil && observation.serumLevelUgPerMl == nil
        if empty {
            throw DomainError(.invalid, code: "observation.empty", title: "Nothing observed",
                          detail: "An observation needs at least one of vitals, symptoms, sedation, painNrs or serumLevelUgPerMl.",
                          field: "vitals")
        }
    }

    /// An observation dated before its session started: it cannot belong to the session (the baseline is taken at
    /// start), and the rules would see a negative time since start. The server answers `422 observation.beforeStart`.
    public struct ObservationBeforeStart: Error, Sendable, Hashable {
        /// The observation's `observedAt`.
        public var observedAt: Date
        /// When the session started.
        public var startedAt: Date

        public init(observedAt: Date, startedAt: Date) {
            self.observedAt = observedAt
            self.startedAt = startedAt
        }
    }

    /// Throws ``ObservationBeforeStart`` when `observedAt` is before `startedAt`.
    public static func requireAfterStart(observedAt: Date, startedAt: Date) throws(ObservationBeforeStart) {
        if observedAt < startedAt { throw ObservationBeforeStart(observedAt: observedAt, startedAt: startedAt) }
    }

    /// Checks a set of vitals against the plausible ranges and that diastolic is below systolic.
    public static func validate(_ vitals: Vitals, prefix: String) throws(DomainError) {
        for check in plausibleVitals {
            if let value = vitals[keyPath: check.path], !(value.isFinite && check.range.contains(value)) {
                throw implausible("\(prefix).\(check.field)",
                                  "\(check.field) \(RegimenLimits.format(value)) \(check.unit) is outside the plausible range \(RegimenLimits.format(check.range.lowerBound))–\(RegimenLimits.format(check.range.upperBound)) \(check.unit); check the reading.")
            }
        }
        if let systolic = vitals.systolicMmHg, let diastolic = vitals.diastolicMmHg, diastolic >= systolic, systolic > 0 {
            throw implausible("\(prefix).diastolicMmHg", "Diastolic \(RegimenLimits.format(diastolic)) mmHg is not below systolic \(RegimenLimits.format(systolic)) mmHg; check the reading.")
        }
    }

    /// Checks a start request's identity, body measurements, regimen figures and baseline values.
    public static func validate(_ request: StartSessionRequest) throws(DomainError) {
        try requireStaff(request.patientId, field: "patientId")
        try requireStaff(request.prescriber, field: "prescriber")
        try requireStaff(request.recordedBy, field: "recordedBy")
        guard request.weightKg.isFinite, (0.5...400).contains(request.weightKg) else {
            throw implausible("weightKg", "Weight \(request.weightKg) kg is outside the plausible 0.5–400 kg.", code: "session.implausible")
        }
        if let height = request.heightCm, !(height.isFinite && (30...250).contains(height)) {
            throw implausible("heightCm", "Height \(height) cm is outside the plausible 30–250 cm.", code: "session.implausible")
        }
        try validateRegimen(bolus: request.bolus, infusion: request.infusion)
        if let baseline = request.baseline { try validate(baseline, prefix: "baseline") }
        if let override = request.override { try validate(override) }
        if let override = request.contraindicationOverride { try validate(override) }
        if let age = request.flags?.ageYears, !(0...130).contains(age) {
            throw implausible("flags.ageYears", "Age \(age) years is outside the plausible 0–130.", code: "session.implausible")
        }
        if let planned = request.plannedDurationMin, !(planned.isFinite && planned > 0 && planned <= 7 * 24 * 60) {
            throw implausible("plannedDurationMin", "A planned duration of \(planned) min is outside the plausible 0–10080 min (7 days).",
                              code: "session.implausible")
        }
        try request.binding?.validate(field: "binding")
    }

    /// Checks an action's person, reason length and any new regimen figures.
    public static func validate(_ request: ActionRequest) throws(DomainError) {
        try requireStaff(request.by, field: "by")
        try validateRegimen(bolus: request.bolus, infusion: request.infusion)
        if let override = request.override { try validate(override) }
        try request.binding?.validate(field: "binding")
    }

    /// Checks an acknowledgement names a person.
    public static func validate(_ request: AcknowledgeRequest) throws(DomainError) {
        try requireStaff(request.by, field: "by")
    }

    private static func validate(_ override: Override) throws(DomainError) {
        try requireStaff(override.by, field: "override.by")
        if override.reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw DomainError(.invalid, code: "request.missingField", title: "Override reason missing",
                          detail: "An override needs a reason a reviewer can read.", field: "override.reason")
        }
    }

    private static func validateRegimen(bolus: BolusOrder?, infusion: InfusionOrder?) throws(DomainError) {
        // Bounds far outside any profile's hard limits: they only keep arithmetic on the figures finite.
        if let bolus {
            guard bolus.doseMgPerKg.isFinite, bolus.doseMgPerKg > 0, bolus.doseMgPerKg <= 1000 else {
                throw implausible("bolus.doseMgPerKg", "Bolus dose must be a positive number of mg/kg, at most 1000.", code: "dose.invalid")
            }
            guard bolus.durationMin.isFinite, bolus.durationMin > 0, bolus.durationMin <= 10_080 else {
                throw implausible("bolus.durationMin", "Bolus duration must be a positive number of minutes, at most a week.", code: "dose.invalid")
            }
        }
        if let infusion, !(infusion.rateMgPerKgPerHour.isFinite && infusion.rateMgPerKgPerHour > 0 && infusion.rateMgPerKgPerHour <= 1000) {
            throw implausible("infusion.rateMgPerKgPerHour", "Infusion rate must be a positive number of mg/kg/h, at most 1000.", code: "dose.invalid")
        }
    }

    private static func requireStaff(_ value: String, field: String) throws(DomainError) {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 128 else {
            throw DomainError(.invalid, code: "request.missingField", title: "\(field) missing",
                          detail: "\(field) must name who it is (1–128 characters).", field: field)
        }
    }

    private static func implausible(_ field: String, _ detail: String, code: String = "observation.implausible") -> DomainError {
        DomainError(.invalid, code: code, title: "Implausible value", detail: detail, field: field)
    }
}
