import Foundation
import InfusionCore

extension Reading {
    /// Attribute rows of an alarm, by reference id and by the codes the sources give (Mindray's ACM attributes
    /// 68165/68166 and the 68481/68482 others use; HL7 notes, "Alarm codes unconfirmed"). They only describe the
    /// alarm, so reading either set is safe.
    static let phaseCodes: Set<Int> = [68165, 68481]
    static let stateCodes: Set<Int> = [68166, 68482]

    /// Reads one OBR of an ORU^R40 as one alarm.
    mutating func readAlarm(_ group: Group) {
        var eventRow: HL7Segment?
        var phase: PCDAlarmPhase?
        var state: String?
        var flags: [String] = []
        var devices: [PCDDeviceIdentifier] = []
        var rhythm: Rhythm?
        for obx in group.rows {
            let code = PCDCode(obx[field: 3])
            let own = Self.entityIdentifiers(obx[field: 18], kind: .obx18)
            own.forEach { remember($0) }
            for identifier in own where !devices.contains(identifier) { devices.append(identifier) }
            flags += Self.ownFlags(obx)
            if code.refid == "MDC_ATTR_EVENT_PHASE" || (code.refid.isEmpty && code.code.map(Self.phaseCodes.contains) == true) {
                phase = PCDAlarmPhase(obx[field: 5].value)
                continue
            }
            if code.refid == "MDC_ATTR_ALARM_STATE" || (code.refid.isEmpty && code.code.map(Self.stateCodes.contains) == true) {
                state = obx[field: 5].value
                continue
            }
            if code.partition == 1 { continue }
            // The arrhythmia may be named by OBX-3 or, under a generic alarm event code, by a coded OBX-5.
            for candidate in [code, PCDCode(obx[field: 5])] where rhythm == nil {
                switch arrhythmia(candidate) {
                case .rhythm(let found):
                    rhythm = found
                    eventRow = obx
                case .mismatch:
                    report.problems.append(HL7Problem(.tableValueNotFound, at: obx.location(field: candidate == code ? 3 : 5),
                                                      "'\(candidate)': the code and reference id do not name the same arrhythmia; not mapped."))
                case .noRhythm, .notArrhythmia:
                    break
                }
            }
            if eventRow == nil { eventRow = obx }
        }
        guard let event = eventRow else {
            report.problems.append(HL7Problem(.requiredFieldMissing, at: group.obr.location,
                                              "The alarm under OBR^\(group.obr.sequence) has no OBX naming what it is about."))
            return
        }
        let code = PCDCode(event[field: 3])
        let statusText = event[field: 11].value
        let use = self.use(status: PCDResultStatus(code: statusText), statusText: statusText, flags: flags, obx: event, code: code)
        let time = self.time(of: event, obr: group.obr)
        let priority = flags.compactMap(PCDAlarmPriority.init(rawValue:)).first
        let alarm = PCDAlarm(
            location: group.obr.location, event: code, text: event[field: 5].encoded(with: .standard), rhythm: rhythm,
            phase: phase, state: state, priority: priority, observedAt: time?.0, devices: devices, flags: flags,
            use: use ?? .auditOnly)
        report.alarms.append(alarm)
        // The rhythm reaches the rules as a monitor reading, unless the alarm is ending (an end says only that the
        // device stopped alarming; it must never read as the rhythm having resolved) or carries no usable value.
        guard let rhythm, let use, let (observedAt, timeField) = time, phase != .end else { return }
        report.readings.append(PCDReading(
            quantity: .rhythm, source: .ecg, value: nil, rhythm: rhythm, code: code,
            sentValue: event[field: 5].encoded(with: .standard), sentUnit: "", observedAt: observedAt, timeField: timeField,
            hierarchy: event[field: 4].value, location: event.location, devices: devices,
            resultStatus: PCDResultStatus(code: statusText), flags: flags, use: use,
            corrects: PCDResultStatus(code: statusText) == .correction
                ? PCDReadingKey(code: code.identifier, hierarchy: event[field: 4].value, observedAt: observedAt) : nil))
    }

    /// How a code reads against the arrhythmia table.
    enum ArrhythmiaMatch {
        case notArrhythmia, mismatch, rhythm(Rhythm)
        /// An arrhythmia alarm with no rhythm in the core's list (brady, tachy): it stays a device alarm.
        case noRhythm
    }

    private func arrhythmia(_ code: PCDCode) -> ArrhythmiaMatch {
        let table = PCDCodeTable.arrhythmias
        let byCode = table.first { $0.code == code.code }
        let byRefid = table.first { $0.refid == code.refid }
        switch (byCode, byRefid) {
        case (nil, nil): return .notArrhythmia
        case let (found?, other?) where found.code == other.code: return found.rhythm.map(ArrhythmiaMatch.rhythm) ?? .noRhythm
        default: return .mismatch
        }
    }
}
