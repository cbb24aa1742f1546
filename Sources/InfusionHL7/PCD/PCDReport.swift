import Foundation

/// Everything a PCD-01 or PCD-04 message says that the daemon needs to bind it to sessions, store it and answer
/// it: the sender, the patient and bed, the devices, the mapped readings and alarms, and the problems, each
/// ready to become an ERR segment.
public struct PCDReport: Sendable, Hashable {
    /// Which transaction the message is.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// ORU^R01, IHE PCD-01.
        case observations
        /// ORU^R40, IHE PCD-04.
        case alarms
    }

    /// The message header.
    public var header: HL7Header
    /// ORU^R01 or ORU^R40.
    public var kind: Kind
    /// When the receiver got it (stored with every reading beside the device time).
    public var receivedAt: Date
    /// PID-3 and PV1-3.
    public var patient: PCDPatient
    /// Every device identifier the message names (MSH-3, OBR-3, OBX-18), without repeats.
    public var devices: [PCDDeviceIdentifier]
    /// Mapped readings, in message order.
    public var readings: [PCDReading]
    /// Device alarms (ORU^R40).
    public var alarms: [PCDAlarm]
    /// Rows that carried no usable value (OBX-8 INV/NAV/BUSY/OFF/NI, OBX-11 X, unanalysable rhythm): not readings,
    /// kept so the audit record can say what was dropped.
    public var dropped: [PCDDroppedRow]
    /// Errors and warnings, in message order.
    public var problems: [HL7Problem]

    public init(
        header: HL7Header, kind: Kind, receivedAt: Date, patient: PCDPatient, devices: [PCDDeviceIdentifier] = [],
        readings: [PCDReading] = [], alarms: [PCDAlarm] = [], dropped: [PCDDroppedRow] = [], problems: [HL7Problem] = []
    ) {
        self.header = header
        self.kind = kind
        self.receivedAt = receivedAt
        self.patient = patient
        self.devices = devices
        self.readings = readings
        self.alarms = alarms
        self.dropped = dropped
        self.problems = problems
    }

    /// The outcome the mapping alone implies; the daemon adds its own problems (unknown patient 204, duplicate
    /// 205, database 207) with ``HL7Outcome/adding(_:)`` before acknowledging.
    public var outcome: HL7Outcome { HL7Outcome(problems: problems) }
}

/// The patient and place a message names.
public struct PCDPatient: Sendable, Hashable {
    /// PID-3 repetitions, as sent (whitespace counts).
    public var identifiers: [PCDPatientIdentifier]
    /// PV1-3, when sent.
    public var bed: PCDBed?

    public init(identifiers: [PCDPatientIdentifier] = [], bed: PCDBed? = nil) {
        self.identifiers = identifiers
        self.bed = bed
    }
}

/// One PID-3 repetition (CX).
public struct PCDPatientIdentifier: Sendable, Hashable, Codable {
    /// CX.1, the ID that must equal a session's `patientId`.
    public var id: String
    /// CX.4.1, the assigning authority's namespace id.
    public var assigningAuthority: String
    /// CX.4.2, its universal id (e.g. an OID).
    public var assigningAuthorityUniversalId: String
    /// CX.5, the identifier type (MR, PI, ...).
    public var typeCode: String

    public init(id: String, assigningAuthority: String = "", assigningAuthorityUniversalId: String = "", typeCode: String = "") {
        self.id = id
        self.assigningAuthority = assigningAuthority
        self.assigningAuthorityUniversalId = assigningAuthorityUniversalId
        self.typeCode = typeCode
    }
}

/// PV1-3, the assigned patient location (PL).
public struct PCDBed: Sendable, Hashable, Codable {
    /// PL.1 point of care (ward, unit).
    public var pointOfCare: String
    /// PL.2 room.
    public var room: String
    /// PL.3 bed.
    public var bed: String
    /// PL.4 facility.
    public var facility: String
    /// The field as sent, re-encoded with standard delimiters: what a configured bed link is compared with.
    public var text: String

    public init(pointOfCare: String, room: String, bed: String, facility: String, text: String) {
        self.pointOfCare = pointOfCare
        self.room = room
        self.bed = bed
        self.facility = facility
        self.text = text
    }
}

/// A row that named a known code but carried no usable value.
public struct PCDDroppedRow: Sendable, Hashable {
    /// The OBX.
    public var location: HL7Location
    /// OBX-3 as sent.
    public var code: PCDCode
    /// Why it was dropped.
    public var reason: String

    public init(location: HL7Location, code: PCDCode, reason: String) {
        self.location = location
        self.code = code
        self.reason = reason
    }
}
