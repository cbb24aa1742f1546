/// A set of vital signs and ECG readings; every field is optional so a station can post what it measured.
public struct Vitals: Codable, Sendable, Hashable {
    public var heartRateBpm: Double?
    public var systolicMmHg: Double?
    public var diastolicMmHg: Double?
    public var spo2Percent: Double?
    public var respiratoryRatePerMin: Double?
    public var qrsMs: Double?
    public var prMs: Double?
    public var rhythm: Rhythm?

    public init(
        heartRateBpm: Double? = nil, systolicMmHg: Double? = nil, diastolicMmHg: Double? = nil,
        spo2Percent: Double? = nil, respiratoryRatePerMin: Double? = nil, qrsMs: Double? = nil,
        prMs: Double? = nil, rhythm: Rhythm? = nil
    ) {
        self.heartRateBpm = heartRateBpm
        self.systolicMmHg = systolicMmHg
        self.diastolicMmHg = diastolicMmHg
        self.spo2Percent = spo2Percent
        self.respiratoryRatePerMin = respiratoryRatePerMin
        self.qrsMs = qrsMs
        self.prMs = prMs
        self.rhythm = rhythm
    }

    /// Mean arterial pressure, (SBP + 2·DBP) / 3, when both pressures are present.
    public var meanArterialMmHg: Double? {
        guard let systolic = systolicMmHg, let diastolic = diastolicMmHg else { return nil }
        return (systolic + 2 * diastolic) / 3
    }

    /// Whether no field at all was given.
    public var isEmpty: Bool {
        heartRateBpm == nil && systolicMmHg == nil && diastolicMmHg == nil && spo2Percent == nil
            && respiratoryRatePerMin == nil && qrsMs == nil && prMs == nil && rhythm == nil
    }

    /// Whether every field of a full baseline set (CLINICAL §3) is present.
    public var isCompleteBaseline: Bool { missingBaselineFields.isEmpty }

    /// The names of the fields a baseline set needs but lacks.
    public var missingBaselineFields: [String] {
        var missing: [String] = []
        if heartRateBpm == nil { missing.append("heartRateBpm") }
        if systolicMmHg == nil { missing.append("systolicMmHg") }
        if diastolicMmHg == nil { missing.append("diastolicMmHg") }
        if spo2Percent == nil { missing.append("spo2Percent") }
        if respiratoryRatePerMin == nil { missing.append("respiratoryRatePerMin") }
        if qrsMs == nil { missing.append("qrsMs") }
        if prMs == nil { missing.append("prMs") }
        if rhythm == nil { missing.append("rhythm") }
        return missing
    }
}
