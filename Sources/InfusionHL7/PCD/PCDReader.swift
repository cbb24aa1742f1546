import Foundation
import InfusionCore

/// Maps a parsed ORU^R01 (IHE PCD-01) or ORU^R40 (PCD-04) message to a ``PCDReport``, as the HL7 notes specify:
/// codes only where code and reference id agree, units converted, times from OBX-14 over OBR-7 with an offset or
/// the sender's zone, OBX-8 and OBX-11 classes applied, and every problem located for the acknowledgement.
public enum PCDReader {
    /// What the reader needs besides the message.
    public struct Options: Sendable {
        /// The sender's zone, for times sent without an offset; nil means such times are refused.
        public var timeZone: TimeZone?
        /// MSH-11 values taken (`P` in production; a test system may allow `T` or `D`).
        public var acceptedProcessingIds: Set<String>
        /// When the message arrived: stored beside device times and the reference for the future-time rule.
        public var receivedAt: Date

        public init(timeZone: TimeZone? = nil, acceptedProcessingIds: Set<String> = ["P"], receivedAt: Date) {
            self.timeZone = timeZone
            self.acceptedProcessingIds = acceptedProcessingIds
            self.receivedAt = receivedAt
        }
    }

    /// Reads a message. Never throws: everything wrong is a problem in the report, whose outcome says how to answer.
    public static func read(_ message: HL7Message, options: Options) -> PCDReport {
        var reader = Reading(message: message, options: options)
        reader.run()
        return reader.report
    }
}

/// One pass over a message.
struct Reading {
    let message: HL7Message
    let options: PCDReader.Options
    var report: PCDReport

    /// A device or structure row (OBX with no value): what it says about the rows under it.
    struct DeviceRow {
        var code: PCDCode
        var flags: [String]
        var devices: [PCDDeviceIdentifier]
    }

    /// One OBR and the OBX rows under it.
    struct Group {
        var obr: HL7Segment
        var rows: [HL7Segment]
    }

    init(message: HL7Message, options: PCDReader.Options) {
        self.message = message
        self.options = options
        let kind: PCDReport.Kind = message.header.triggerEvent == "R40" ? .alarms : .observations
        self.report = PCDReport(header: message.header, kind: kind, receivedAt: options.receivedAt, patient: PCDPatient())
    }

    mutating func run() {
        guard acceptsHeader() else { return }
        let msh = message.segments[0]
        addDevice(hd: msh[field: 3], field: .msh3)
        guard let groups = structure() else { return }
        for group in groups {
            addDevice(ei: group.obr[field: 3], field: .obr3)
            switch report.kind {
            case .observations: readObservations(group)
            case .alarms: readAlarm(group)
            }
        }
    }

    // MARK: Header and structure

    private mutating func acceptsHeader() -> Bool {
        let header = message.header
        let msh9 = HL7Location(segment: "MSH", field: 9)
        if header.messageType != "ORU" {
            report.problems.append(HL7Problem(.unsupportedMessageType, at: msh9.field(9, component: 1),
                                              "Message type '\(header.messageType)' is not taken; this receiver takes ORU^R01 (PCD-01) and ORU^R40 (PCD-04)."))
            return false
        }
        if header.triggerEvent != "R01" && header.triggerEvent != "R40" {
            report.problems.append(HL7Problem(.unsupportedEventCode, at: msh9.field(9, component: 2),
                                              "Trigger event '\(header.triggerEvent)' is not taken; this receiver takes ORU^R01 and ORU^R40."))
            return false
        }
        if !options.acceptedProcessingIds.contains(header.processingId) {
            let accepted = options.acceptedProcessingIds.sorted().joined(separator: ", ")
            report.problems.append(HL7Problem(.unsupportedProcessingId, at: HL7Location(segment: "MSH", field: 11),
                                              "MSH-11 processing id '\(header.processingId)' is not taken here (accepted: \(accepted)); send production data as P."))
            return false
        }
        return true
    }

    /// Splits the message into OBR groups and reads PID and PV1; nil when the structure is wrong.
    private mutating func structure() -> [Group]? {
        var groups: [Group] = []
        var sawPID = false
        for segment in message.segments.dropFirst() {
            switch segment.id {
            case "PID":
                if sawPID {
                    report.problems.append(HL7Problem(.segmentSequenceError, at: segment.location,
                                                      "More than one PID: send one patient per message, so no reading can be bound to the wrong patient."))
                    return nil
                }
                if !groups.isEmpty {
                    report.problems.append(HL7Problem(.segmentSequenceError, at: segment.location, "PID after OBR: the patient must come before the results."))
                    return nil
                }
                sawPID = true
                readPatient(segment)
            case "PV1":
                readBed(segment)
            case "OBR":
                groups.append(Group(obr: segment, rows: []))
            case "OBX":
                guard !groups.isEmpty else {
                    report.problems.append(HL7Problem(.segmentSequenceError, at: segment.location,
                                                      "OBX before any OBR: every result needs the OBR that dates and groups it."))
                    return nil
                }
                groups[groups.count - 1].rows.append(segment)
            default:
                continue
            }
        }
        if groups.isEmpty {
            report.problems.append(HL7Problem(.segmentSequenceError, at: HL7Location(segment: "OBR"),
                                              "The message has no OBR segment; \(report.kind == .alarms ? "ORU^R40" : "ORU^R01") needs OBR then OBX."))
            return nil
        }
        if report.patient.identifiers.isEmpty && report.patient.bed == nil {
            report.problems.append(HL7Problem(.requiredFieldMissing, at: HL7Location(segment: "PID", field: 3),
                                              "Neither PID-3 (patient identifier) nor PV1-3 (bed) is sent; the readings cannot be bound to a patient."))
            return nil
        }
        return groups
    }

    private mutating func readPatient(_ pid: HL7Segment) {
        for repetition in pid[field: 3].repetitions where !repetition[component: 1].isEmpty {
            let authority = repetition.components.count >= 4 ? repetition.components[3] : HL7Component(subcomponents: [])
            report.patient.identifiers.append(PCDPatientIdentifier(
                id: repetition[component: 1], assigningAuthority: authority[subcomponent: 1],
                assigningAuthorityUniversalId: authority[subcomponent: 2], typeCode: repetition[component: 5]))
        }
    }

    private mutating func readBed(_ pv1: HL7Segment) {
        let field = pv1[field: 3]
        guard !field.isEmpty else { return }
        report.patient.bed = PCDBed(pointOfCare: field[component: 1], room: field[component: 2], bed: field[component: 3],
                                    facility: field[component: 4], text: field.encoded(with: .standard))
    }

    // MARK: Devices

    private mutating func addDevice(hd field: HL7Field, field kind: PCDDeviceIdentifier.Field) {
        guard !field.isEmpty else { return }
        remember(PCDDeviceIdentifier(entityId: field[component: 1], namespace: "", universalId: field[component: 2],
                                     universalIdType: field[component: 3], field: kind))
    }

    private mutating func addDevice(ei field: HL7Field, field kind: PCDDeviceIdentifier.Field) {
        for identifier in Self.entityIdentifiers(field, kind: kind) { remember(identifier) }
    }

    static func entityIdentifiers(_ field: HL7Field, kind: PCDDeviceIdentifier.Field) -> [PCDDeviceIdentifier] {
        field.repetitions.filter { !$0.isEmpty }.map {
            PCDDeviceIdentifier(entityId: $0[component: 1], namespace: $0[component: 2], universalId: $0[component: 3],
                                universalIdType: $0[component: 4], field: kind)
        }
    }

    mutating func remember(_ identifier: PCDDeviceIdentifier) {
        if !report.devices.contains(identifier) { report.devices.append(identifier) }
    }

    // MARK: Rows shared by R01 and R40

    /// OBX-4 as numbers, trailing zeros dropped (`1.5.0.0` → `[1, 5]`), which is the key of a device row and the
    /// path along which its flags and identifiers reach the rows under it; nil when it is not dotted numbers.
    static func path(_ hierarchy: String) -> [Int]? {
        guard !hierarchy.isEmpty else { return nil }
        var numbers: [Int] = []
        for part in hierarchy.split(separator: ".", omittingEmptySubsequences: false) {
            guard let number = Int(part), number >= 0 else { return nil }
            numbers.append(number)
        }
        while numbers.last == 0 { numbers.removeLast() }
        return numbers
    }

    static func ownFlags(_ obx: HL7Segment) -> [String] {
        obx[field: 8].repetitions.map { $0[component: 1] }.filter { !$0.isEmpty }
    }

    /// Flags and identifiers inherited from the device rows above a row, and the VMD it sits under.
    static func inherited(_ path: [Int]?, devices rows: [[Int]: DeviceRow]) -> (flags: [String], devices: [PCDDeviceIdentifier], vmd: PCDCode?) {
        guard let path, path.count > 1 else { return ([], [], nil) }
        var flags: [String] = []
        var devices: [PCDDeviceIdentifier] = []
        for length in 1..<path.count {
            guard let row = rows[Array(path.prefix(length))] else { continue }
            flags += row.flags
            if !row.devices.isEmpty { devices = row.devices }
        }
        return (flags, devices, rows[Array(path.prefix(2))]?.code)
    }

    /// The time of a row: OBX-14, else OBR-7; problems located at the field the time came from.
    mutating func time(of obx: HL7Segment, obr: HL7Segment) -> (Date, PCDReading.TimeField)? {
        let own = obx[field: 14].value
        let (text, field, location) = own.isEmpty
            ? (obr[field: 7].value, PCDReading.TimeField.obr7, obr.location(field: 7))
            : (own, PCDReading.TimeField.obx14, obx.location(field: 14))
        if text.isEmpty {
            report.problems.append(HL7Problem(.requiredFieldMissing, at: obr.location(field: 7),
                                              "No observation time: neither OBX-14 nor OBR-7 is sent for \(obx.id)^\(obx.sequence)."))
            return nil
        }
        switch PCDTime.instant(text, zone: options.timeZone) {
        case .failure(.malformed):
            report.problems.append(HL7Problem(.dataTypeError, at: location,
                                              "Time '\(text)' is not an HL7 date/time precise to the minute (YYYYMMDDHHMM[SS][+/-ZZZZ])."))
            return nil
        case .failure(.missingOffset):
            report.problems.append(HL7Problem(.dataTypeError, at: location,
                                              "Time '\(text)' has no UTC offset and no time zone is configured for this sender; send the offset (e.g. +0100) or configure the sender's zone."))
            return nil
        case .success(let date):
            if date.timeIntervalSince(options.receivedAt) > RequestValidation.maxFutureSkew {
                report.problems.append(HL7Problem(.dataTypeError, at: location,
                                                  "Time '\(text)' is more than 2 minutes ahead of the receiver's clock; check the device's clock and offset."))
                return nil
            }
            return (date, field)
        }
    }

    /// What a row's status and flags allow; nil (with the row recorded as dropped) when it carries no value.
    mutating func use(status: PCDResultStatus, statusText: String, flags: [String], obx: HL7Segment, code: PCDCode) -> PCDReadingUse? {
        let classes = Set(flags.map(PCDFlagClass.init(flag:)))
        if status == .noResult {
            report.dropped.append(PCDDroppedRow(location: obx.location, code: code, reason: "OBX-11 X: no result"))
            return nil
        }
        if classes.contains(.noValue) {
            let which = flags.filter { PCDFlagClass(flag: $0) == .noValue }.joined(separator: ", ")
            report.dropped.append(PCDDroppedRow(location: obx.location, code: code, reason: "OBX-8 \(which): no valid value"))
            return nil
        }
        if statusText.isEmpty {
            report.problems.append(HL7Problem(.requiredFieldMissing, severity: .warning, at: obx.location(field: 11),
                                              "OBX-11 result status is empty; the value is recorded but not evaluated."))
            return .auditOnly
        }
        if classes.contains(.notPatientData) { return .auditOnly }
        switch status {
        case .deleted, .wrong, .notActedOn: return .auditOnly
        case .final, .raw, .correction, .noResult: break
        }
        return classes.contains(.questionable) ? .raiseOnly : .evaluate
    }
}
