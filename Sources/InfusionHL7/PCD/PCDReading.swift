import Foundation
import InfusionCore

/// One mapped OBX: what was measured, its value in the core's unit, when, by which device, and what the daemon may
/// do with it.
public struct PCDReading: Sendable, Hashable {
    /// What was measured.
    public var quantity: PCDQuantity
    /// Where it came from (cuff or arterial line, impedance or airway, ...).
    public var source: PCDSource
    /// The value in ``PCDQuantity/canonicalUnit``; nil for a rhythm.
    public var value: Double?
    /// The rhythm, for `.rhythm` readings.
    public var rhythm: Rhythm?
    /// OBX-3 as sent.
    public var code: PCDCode
    /// OBX-5 and OBX-6 as sent, for the record.
    public var sentValue: String
    /// OBX-6 as sent.
    public var sentUnit: String
    /// The device time: OBX-14, or OBR-7 when OBX-14 is empty.
    public var observedAt: Date
    /// Which field the time came from.
    public var timeField: TimeField
    /// OBX-4 as sent (MDS.VMD.CHAN.METRIC).
    public var hierarchy: String
    /// The OBX's place, for ERR-2 and the audit record.
    public var location: HL7Location
    /// The OBX-18 device identifiers, this row's or those of the device row above it.
    public var devices: [PCDDeviceIdentifier]
    /// OBX-11.
    public var resultStatus: PCDResultStatus
    /// OBX-8 values, this row's and the device rows' above it.
    public var flags: [String]
    /// What the daemon may do with it.
    public var use: PCDReadingUse
    /// For a correction (`C`), the reading it corrects.
    public var corrects: PCDReadingKey?

    /// Whether this reading corrects an earlier one.
    public var isCorrection: Bool { corrects != nil }

    /// Whether the device says it is alarming on this value (OBX-8 ALACT).
    public var deviceAlarming: Bool { flags.contains("ALACT") }

    /// Whether the device's alarms are off for this value (OBX-8 ALINH): do not rely on the device to alarm.
    public var deviceAlarmsInhibited: Bool { flags.contains("ALINH") }

    /// Which field an observation time was read from.
    public enum TimeField: String, Sendable, Hashable, Codable {
        case obx14, obr7
    }

    /// The identity of a reading as a later correction names it: the same code, place in the device tree and time.
    public var key: PCDReadingKey { PCDReadingKey(code: code.identifier, hierarchy: hierarchy, observedAt: observedAt) }

    /// The feed this reading counts for (L21, artefact confirmation): its first device identifier.
    public var feedId: String? { devices.first?.feedId }
}

/// What identifies a reading across messages, for corrections.
public struct PCDReadingKey: Sendable, Hashable, Codable {
    /// OBX-3.1.
    public var code: String
    /// OBX-4.
    public var hierarchy: String
    /// The device time.
    public var observedAt: Date

    public init(code: String, hierarchy: String, observedAt: Date) {
        self.code = code
        self.hierarchy = hierarchy
        self.observedAt = observedAt
    }
}

/// An equipment or application identifier: OBX-18 (EI), OBR-3 (EI) or MSH-3 (HD).
public struct PCDDeviceIdentifier: Sendable, Hashable, Codable {
    /// Where it was read.
    public enum Field: String, Sendable, Hashable, Codable {
        case msh3, obr3, obx18
    }

    /// EI.1 (entity id), or HD.1 for MSH-3.
    public var entityId: String
    /// EI.2 / HD.2 (namespace, or universal id for HD).
    public var namespace: String
    /// EI.3 / HD.3.
    public var universalId: String
    /// EI.4 / HD.3 type, e.g. `EUI-64`.
    public var universalIdType: String
    /// Where it was read.
    public var field: Field

    public init(entityId: String, namespace: String, universalId: String, universalIdType: String, field: Field) {
        self.entityId = entityId
        self.namespace = namespace
        self.universalId = universalId
        self.universalIdType = universalIdType
        self.field = field
    }

    /// The EUI-64 in it, if any: a 16-hex-digit value marked `EUI-64` or standing alone as the entity id.
    public var eui64: String? {
        func isEUI(_ text: String) -> Bool { text.count == 16 && text.allSatisfy(\.isHexDigit) }
        for candidate in [universalId, entityId, namespace] where isEUI(candidate) {
            if universalIdType == "EUI-64" || candidate == entityId || field == .msh3 { return candidate.uppercased() }
        }
        return nil
    }

    /// The stable name of the device for feeds and bindings: the EUI-64 when there is one, else the entity id.
    public var feedId: String { eui64 ?? (entityId.isEmpty ? namespace : entityId) }
}
