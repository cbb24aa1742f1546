import Foundation

/// `POST /v1/sessions`: start an infusion session.
public struct StartSessionRequest: Codable, Sendable, Hashable {
    public var patientId: String
    public var drug: Drug
    public var weightKg: Double
    public var heightCm: Double?
    public var sex: Sex?
    public var dosingWeight: DosingWeightKind?
    public var bolus: BolusOrder?
    public var infusion: InfusionOrder?
    public var prescriber: String
    public var recordedBy: String
    public var baseline: Vitals?
    public var override: Override?
    /// Conditions, age and last nerve block, checked at start (L18, L19) and used to choose the PK model.
    public var flags: PatientFlags?
    /// How long the session is planned to last, in minutes (a plan of 2 h or less may use the Schnider set).
    public var plannedDurationMin: Double?
    /// A clinician's override of an absolute contraindication (L18); separate from `override` so that overriding
    /// a soft dose limit can never override a contraindication by accident.
    public var contraindicationOverride: Override?
    /// The assigning authority of `patientId` (HL7 PID-3.4, e.g. the hospital's MRN namespace). When set, a
    /// monitor message binds to this session only if its PID-3 repetition names the same authority.
    public var patientIdAuthority: String?
    /// The patient's bed, for wall screens that show bed and initials instead of the patient id
    /// (`web.patientDisplay: bedAndInitials`).
    public var bed: String?
    /// The patient's initials, for the same wall screens.
    public var patientInitials: String?
    /// The bed (PV1-3) and devices (OBX-18) whose monitor messages belong to this session.
    public var binding: DeviceBinding?

    public init(
        patientId: String, drug: Drug, weightKg: Double, heightCm: Double? = nil, sex: Sex? = nil,
        dosingWeight: DosingWeightKind? = nil, bolus: BolusOrder? = nil, infusion: InfusionOrder? = nil,
        prescriber: String, recordedBy: String, baseline: Vitals? = nil, override: Override? = nil,
        flags: PatientFlags? = nil, plannedDurationMin: Double? = nil, contraindicationOverride: Override? = nil
    ) {
        self.patientId = patientId
        self.drug = drug
        self.weightKg = weightKg
        self.heightCm = heightCm
        self.sex = sex
        self.dosingWeight = dosingWeight
        self.bolus = bolus
        self.infusion = infusion
        self.prescriber = prescriber
        self.recordedBy = recordedBy
        self.baseline = baseline
        self.override = override
        self.flags = flags
        self.plannedDurationMin = plannedDurationMin
        self.contraindicationOverride = contraindicationOverride
    }
}

/// `POST /v1/sessions/{id}/observations`: what a station saw at the bedside.
public struct ObservationRequest: Codable, Sendable, Hashable {
    public var eventId: UUID
    public var observedAt: Date
    public var recordedBy: String
    public var vitals: Vitals?
    public var symptoms: [Symptom]?
    public var sedation: Sedation?
    public var painNrs: Int?
    public var serumLevelUgPerMl: Double?
    /// The station feed that sent it (e.g. a bedside monitor's id), for the stale-feed rule L21; nil for hand entry.
    public var feedId: String?
    /// Set only on a device reading (``StepTrigger/deviceReading(_:)``): the device and message it came from.
    public var device: DeviceProvenance?

    public init(
        eventId: UUID = UUID(), observedAt: Date, recordedBy: String, vitals: Vitals? = nil,
        symptoms: [Symptom]? = nil, sedation: Sedation? = nil, painNrs: Int? = nil, serumLevelUgPerMl: Double? = nil
    ) {
        self.eventId = eventId
        self.observedAt = observedAt
        self.recordedBy = recordedBy
        self.vitals = vitals
        self.symptoms = symptoms
        self.sedation = sedation
        self.painNrs = painNrs
        self.serumLevelUgPerMl = serumLevelUgPerMl
    }
}

/// A clinician's or the bedside's action on a session.
public enum SessionActionKind: String, Codable, Sendable, CaseIterable {
    case pause, resume, stop, rateChange, bolus, pumpStopped, end, close
    /// Replaces the session's monitor binding (bed and devices); an empty binding unbinds.
    case bind
}

/// `POST /v1/sessions/{id}/actions`.
public struct ActionRequest: Codable, Sendable, Hashable {
    public var action: SessionActionKind
    public var by: String
    public var reason: String?
    /// The new rate, for `rateChange`.
    public var infusion: InfusionOrder?
    /// The extra dose, for `bolus`.
    public var bolus: BolusOrder?
    /// A clinician's override of a soft limit, for `rateChange` and `bolus`.
    public var override: Override?
    /// The new monitor binding, for `bind`.
    public var binding: DeviceBinding?
    /// Optional client-generated id that makes a retried action idempotent.
    public var eventId: UUID?

    public init(
        action: SessionActionKind, by: String, reason: String? = nil, infusion: InfusionOrder? = nil,
        bolus: BolusOrder? = nil, override: Override? = nil, binding: DeviceBinding? = nil, eventId: UUID? = nil
    ) {
        self.action = action
        self.binding = binding
        self.by = by
        self.reason = reason
        self.infusion = infusion
        self.bolus = bolus
        self.override = override
        self.eventId = eventId
    }
}

/// `POST /v1/alerts/{id}/ack`.
public struct AcknowledgeRequest: Codable, Sendable, Hashable {
    public var by: String
    public var note: String?

    public init(by: String, note: String? = nil) {
        self.by = by
        self.note = note
    }
}
