/// OBX-11 result status (HL7 table 0085) in the classes the HL7 notes give them.
public enum PCDResultStatus: String, Sendable, Hashable, Codable {
    /// `F`: final.
    case final = "F"
    /// `R`: raw device data, not verified by a person; usable, recorded as unvalidated.
    case raw = "R"
    /// `C`: a correction of an earlier result; a new reading that points at the one it corrects.
    case correction = "C"
    /// `D`: delete; recorded as an audited correction, never a delete.
    case deleted = "D"
    /// `W`: wrong, replaced; recorded as an audited correction.
    case wrong = "W"
    /// `X`: no result (device and structure rows).
    case noResult = "X"
    /// `P`, `S`, `I`, `U` and anything else: not a result to act on.
    case notActedOn

    /// Reads OBX-11.
    public init(code: String) {
        switch code {
        case "F": self = .final
        case "R": self = .raw
        case "C": self = .correction
        case "D": self = .deleted
        case "W": self = .wrong
        case "X": self = .noResult
        default: self = .notActedOn
        }
    }
}

/// OBX-8 abnormal flags and measurement status (IHE PCD, table 0078 as the PCD profile extends it), in the
/// classes the HL7 notes give them. A flag on a device row covers every row under it.
public enum PCDFlagClass: String, Sendable, Hashable, Codable {
    /// INV, NAV, BUSY, OFF, NI: the value is not a value.
    case noValue
    /// TEST, DEMO: never patient data.
    case notPatientData
    /// QUES, CAL, EARLY: doubtful; may raise an alert, never clear one.
    case questionable
    /// ALACT: the device is alarming.
    case deviceAlarming
    /// ALINH: the device's alarms are off, so the device must not be relied on to alarm.
    case deviceAlarmsInhibited
    /// L, LL, H, HH, A, AA, N, ...: the device's view of the value, recorded only.
    case deviceInterpretation
    /// PN, PL, PM, PH: alarm priority (ORU^R40).
    case priority
    /// Anything else: recorded only.
    case unrecognised

    /// The class of one OBX-8 value.
    public init(flag: String) {
        switch flag {
        case "INV", "NAV", "BUSY", "OFF", "NI": self = .noValue
        case "TEST", "DEMO": self = .notPatientData
        case "QUES", "CAL", "EARLY": self = .questionable
        case "ALACT": self = .deviceAlarming
        case "ALINH": self = .deviceAlarmsInhibited
        case "L", "LL", "H", "HH", "A", "AA", "N", "LU", "HU", "<", ">", "U", "D", "B", "W", "S", "R", "I", "MS", "VS":
            self = .deviceInterpretation
        case "PN", "PL", "PM", "PH": self = .priority
        default: self = .unrecognised
        }
    }
}

/// What the daemon may do with a mapped reading.
public enum PCDReadingUse: String, Sendable, Hashable, Codable {
    /// Evaluate with the rules like any monitor-feed reading.
    case evaluate
    /// Questionable (OBX-8 QUES/CAL/EARLY): may raise an alert, must never clear one.
    case raiseOnly
    /// Record and audit, never evaluate: TEST/DEMO data, audited corrections (D/W), results not to act on (P/S/I/U).
    case auditOnly
}
