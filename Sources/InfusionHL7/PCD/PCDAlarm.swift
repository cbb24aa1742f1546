import Foundation
import InfusionCore

/// A device alarm from ORU^R40 (IHE PCD-04): what it is about, its phase and priority, and the rhythm it means when
/// it is an ECG arrhythmia alarm. Only that rhythm, as a reading, can reach the rules; every other alarm is recorded
/// with no clinical action, and no phase (least of all `end`) ever clears anything.
public struct PCDAlarm: Sendable, Hashable {
    /// The OBR that opens the alarm.
    public var location: HL7Location
    /// The OBX-3 that identifies the alarm (the event or the measurement it is about).
    public var event: PCDCode
    /// OBX-5 of that row as sent (often a text such as `Ventricular tachycardia`).
    public var text: String
    /// The rhythm the alarm means, for arrhythmia alarms in the table; nil for any other alarm.
    public var rhythm: Rhythm?
    /// MDC_ATTR_EVENT_PHASE, when sent.
    public var phase: PCDAlarmPhase?
    /// MDC_ATTR_ALARM_STATE as sent (`active`, `inactive`, `latched`, ...).
    public var state: String?
    /// The priority from OBX-8 (PN/PL/PM/PH).
    public var priority: PCDAlarmPriority?
    /// OBX-14 of the identifying row, or OBR-7.
    public var observedAt: Date?
    /// The device identifiers of the alarm's rows.
    public var devices: [PCDDeviceIdentifier]
    /// OBX-8 values of the alarm's rows.
    public var flags: [String]
    /// What the daemon may do with the rhythm it carries (TEST/DEMO alarms are audit only).
    public var use: PCDReadingUse

    /// Whether the alarm acts on the session: an arrhythmia in the table, not at its end, and patient data.
    public var isClinical: Bool { rhythm != nil && phase != .end && use != .auditOnly }
}

/// The alarm phase (IHE PCD ACM, MDC_ATTR_EVENT_PHASE).
public enum PCDAlarmPhase: Sendable, Hashable {
    case start, startOnly, `continue`, end, present, update, escalate, inactivate, deescalate, reset
    /// A value outside the ones above, as sent.
    case other(String)

    /// Reads the OBX-5 value (case-insensitive, `start_only` and `start only` alike).
    public init(_ text: String) {
        switch text.lowercased().replacingOccurrences(of: "_", with: " ") {
        case "start": self = .start
        case "start only": self = .startOnly
        case "continue": self = .continue
        case "end": self = .end
        case "present": self = .present
        case "update": self = .update
        case "escalate": self = .escalate
        case "inactivate": self = .inactivate
        case "deescalate", "de-escalate": self = .deescalate
        case "reset": self = .reset
        default: self = .other(text)
        }
    }
}

/// Alarm priority (OBX-8 in PCD-04).
public enum PCDAlarmPriority: String, Sendable, Hashable, Codable {
    case none = "PN", low = "PL", medium = "PM", high = "PH"
}
