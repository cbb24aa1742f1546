import Foundation

/// Where a session is in its life (SPEC §5).
public enum SessionState: String, Codable, Sendable, CaseIterable {
    /// Delivering the ordered bolus and/or infusion.
    case running
    /// Delivery held until a clinician resumes with a reason.
    case paused
    /// Delivery ended for this order by a stop; cannot be resumed.
    case stopped
    /// The infusion finished as planned; post-infusion observations continue.
    case ended
    /// The session is over; no more observations or actions.
    case closed

    /// Whether the session still accepts observations.
    public var isOpen: Bool { self != .closed }
}

/// One patient's drug order and everything the daemon knows about its delivery.
public struct Session: Codable, Sendable, Hashable, Identifiable {
    public var id: UUID
    public var patientId: String
    public var drug: Drug
    public var state: SessionState
    public var weightKg: Double
    public var heightCm: Double?
    public var sex: Sex?
    public var dosingWeight: DosingWeightKind
    public var dosingWeightKg: Double
    public var bolus: BolusOrder?
    public var infusion: InfusionOrder?
    public var doses: ComputedDoses
    public var prescriber: String
    public var startedBy: String
    public var startedAt: Date
    public var baseline: Vitals
    /// The soft-limit override recorded at start, if any.
    public var override: Override?
    /// When the bedside confirmed the pump stopped after a stop or pause.
    public var pumpConfirmedStoppedAt: Date?
    public var endedAt: Date?
    public var closedAt: Date?
    public var lastObservationAt: Date?
    /// The rule-set hash the session started under.
    public var ruleSetHash: String
    /// The conditions, age and last nerve block declared at start.
    public var flags: PatientFlags?
    /// How long the session was planned to last, in minutes.
    public var plannedDurationMin: Double?
    /// The assigning authority of `patientId` given at start (HL7 PID-3.4); absent when none was given.
    public var patientIdAuthority: String?
    /// The bed given at start, for wall screens; absent when none was given.
    public var bed: String?
    /// The patient's initials given at start, for wall screens; absent when none were given.
    public var patientInitials: String?
    /// The bed and devices whose monitor messages belong to this session (HL7 PV1-3, OBX-18); absent when none.
    public var binding: DeviceBinding?

    public init(
        id: UUID, patientId: String, drug: Drug, state: SessionState, weightKg: Double, heightCm: Double?,
        sex: Sex?, dosingWeight: DosingWeightKind, dosingWeightKg: Double, bolus: BolusOrder?,
        infusion: InfusionOrder?, prescriber: String, startedBy: String, startedAt: Date, baseline: Vitals,
        override: Override?, ruleSetHash: String
    ) {
        self.id = id
        self.patientId = patientId
        self.drug = drug
        self.state = state
        self.weightKg = weightKg
        self.heightCm = heightCm
        self.sex = sex
        self.dosingWeight = dosingWeight
        self.dosingWeightKg = dosingWeightKg
        self.bolus = bolus
        self.infusion = infusion
        self.doses = ComputedDoses(bolus: bolus, infusion: infusion, dosingWeightKg: dosingWeightKg)
        self.prescriber = prescriber
        self.startedBy = startedBy
        self.startedAt = startedAt
        self.baseline = baseline
        self.override = override
        self.ruleSetHash = ruleSetHash
    }
}
