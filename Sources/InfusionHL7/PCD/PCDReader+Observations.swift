import Foundation
import InfusionCore

extension Reading {
    /// VMD codes that tell a generic MDC_RESP_RATE's source (GE sends it under both, HL7 notes "OBX-4").
    static let respirationSourceByVMD: [Int: PCDSource] = [
        70666: .impedance, // MDC_DEV_ECG_RESP_VMD
        69682: .airway, // MDC_DEV_ANALY_AWAY_MULTI_PARAM_VMD
    ]

    /// Reads the OBX rows of one OBR of an ORU^R01.
    mutating func readObservations(_ group: Group) {
        var deviceRows: [[Int]: DeviceRow] = [:]
        for obx in group.rows {
            let code = PCDCode(obx[field: 3])
            let hierarchy = obx[field: 4].value
            let path = Self.path(hierarchy)
            let ownDevices = Self.entityIdentifiers(obx[field: 18], kind: .obx18)
            ownDevices.forEach { remember($0) }
            if obx[field: 5].isEmpty && obx[field: 2].isEmpty {
                // A device or structure row (MDS, VMD, channel): it describes the rows under it.
                if let path { deviceRows[path] = DeviceRow(code: code, flags: Self.ownFlags(obx), devices: ownDevices) }
                continue
            }
            if code.identifier.isEmpty && code.refid.isEmpty {
                report.problems.append(HL7Problem(.requiredFieldMissing, at: obx.location(field: 3), "OBX-3 observation identifier is empty."))
                continue
            }
            let entry: PCDCodeTable.Entry
            switch PCDCodeTable.lookup(code) {
            case .mapped(let found):
                entry = found
            case .unknown:
                // Object-infrastructure codes (partition 1: device, channel and attribute rows) describe the device
                // rather than the patient; a warning on every such row would drown the ones that matter.
                if code.partition != 1 {
                    report.problems.append(.warning(at: obx.location(field: 3),
                                                    "OBX-3 '\(code)' is not in this receiver's code table; stored with the message, not evaluated."))
                }
                continue
            case .mismatch:
                if let number = code.code, PCDCodeTable.prConflictCodes.contains(number) {
                    report.problems.append(.warning(at: obx.location(field: 3),
                                                    "OBX-3 '\(code)': this code means PR or PQ depending on the source; only the reference id MDC_ECG_TIME_PD_PR_GL or MDC_ECG_TIME_PD_PR is read as PR. Ignored."))
                } else {
                    report.problems.append(HL7Problem(.tableValueNotFound, at: obx.location(field: 3),
                                                      "OBX-3 '\(code)': the code and reference id do not name the same measurement; not mapped. Send the code with its own reference id."))
                }
                continue
            }
            let inherited = Self.inherited(path, devices: deviceRows)
            let flags = inherited.flags + Self.ownFlags(obx)
            let statusText = obx[field: 11].value
            guard let use = use(status: PCDResultStatus(code: statusText), statusText: statusText, flags: flags, obx: obx, code: code) else {
                continue
            }
            guard let (observedAt, timeField) = time(of: obx, obr: group.obr) else { continue }
            var source = entry.source
            if entry.quantity == .respiratoryRate, source == .generic, let vmd = inherited.vmd?.code,
               let bySource = Self.respirationSourceByVMD[vmd] {
                source = bySource
            }
            var reading = PCDReading(
                quantity: entry.quantity, source: source, value: nil, rhythm: nil, code: code,
                sentValue: obx[field: 5].encoded(with: .standard), sentUnit: obx[field: 6].encoded(with: .standard),
                observedAt: observedAt, timeField: timeField, hierarchy: hierarchy, location: obx.location,
                devices: ownDevices.isEmpty ? inherited.devices : ownDevices,
                resultStatus: PCDResultStatus(code: statusText), flags: flags, use: use, corrects: nil)
            if reading.resultStatus == .correction { reading.corrects = reading.key }
            if entry.quantity == .rhythm {
                guard let rhythm = rhythmValue(obx, code: code) else { continue }
                reading.rhythm = rhythm
            } else {
                guard let value = numericValue(obx, quantity: entry.quantity) else { continue }
                reading.value = value
            }
            report.readings.append(reading)
        }
    }

    /// OBX-5 as a number in the quantity's canonical unit, or nil with the problem recorded.
    private mutating func numericValue(_ obx: HL7Segment, quantity: PCDQuantity) -> Double? {
        let valueType = obx[field: 2].value
        guard valueType == "NM" else {
            report.problems.append(HL7Problem(.dataTypeError, at: obx.location(field: 2),
                                              "OBX-2 value type '\(valueType)' for \(quantity.rawValue); a measurement is sent as NM."))
            return nil
        }
        let field = obx[field: 5]
        guard field.repetitions.count == 1, let number = Self.number(field.value) else {
            report.problems.append(HL7Problem(.dataTypeError, at: obx.location(field: 5),
                                              "OBX-5 '\(field.encoded(with: .standard))' is not an NM number (digits, an optional sign and decimal point)."))
            return nil
        }
        let unit = PCDCode(obx[field: 6])
        guard !(unit.identifier.isEmpty && unit.refid.isEmpty) else {
            report.problems.append(HL7Problem(.tableValueNotFound, at: obx.location(field: 6),
                                              "OBX-6 units are empty; a \(quantity.rawValue) value needs its unit."))
            return nil
        }
        guard let definition = PCDUnit.definition(for: unit, dimension: quantity.dimension) else {
            report.problems.append(HL7Problem(.tableValueNotFound, at: obx.location(field: 6),
                                              "OBX-6 unit '\(unit)' is not a unit this receiver reads for \(quantity.rawValue)."))
            return nil
        }
        let value = definition.convert(number)
        guard quantity.plausibleRange.contains(value) else {
            report.problems.append(HL7Problem(.dataTypeError, at: obx.location(field: 5),
                                              "OBX-5 \(field.value) \(unit.identifier) for \(quantity.rawValue) is outside the plausible \(Self.format(quantity.plausibleRange.lowerBound))–\(Self.format(quantity.plausibleRange.upperBound)) \(quantity.canonicalUnit)."))
            return nil
        }
        return value
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// HL7 NM: an optional sign, digits and at most one decimal point; no exponent, no spaces.
    static func number(_ text: String) -> Double? {
        var body = Substring(text)
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        let digits = body.filter { $0 != "." }
        guard !digits.isEmpty, body.filter({ $0 == "." }).count <= 1,
              digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Double(text.hasPrefix("+") ? String(text.dropFirst()) : text)
    }

    /// OBX-5 of MDC_ECG_STAT_RHY as a rhythm, or nil with the problem (or the dropped row) recorded.
    private mutating func rhythmValue(_ obx: HL7Segment, code: PCDCode) -> Rhythm? {
        let field = obx[field: 5]
        let sent = PCDCode(field)
        let candidates = PCDCodeTable.rhythmValues
        let match: (code: Int, refid: String, rhythm: Rhythm?)?
        if !sent.refid.isEmpty {
            let byCode = candidates.first { $0.code == sent.code }
            let byRefid = candidates.first { $0.refid == sent.refid }
            if byCode == nil && byRefid == nil {
                match = nil
            } else if let byCode, let byRefid, byCode.code == byRefid.code {
                match = byCode
            } else {
                report.problems.append(HL7Problem(.tableValueNotFound, at: obx.location(field: 5),
                                                  "OBX-5 rhythm '\(sent)': the code and reference id do not name the same rhythm; not mapped."))
                return nil
            }
        } else {
            match = candidates.first { sent.code != nil ? $0.code == sent.code : $0.refid == sent.identifier }
        }
        guard let match else {
            report.problems.append(.warning(at: obx.location(field: 5),
                                            "OBX-5 rhythm '\(field.encoded(with: .standard))' is not in this receiver's rhythm table; stored with the message, not evaluated."))
            return nil
        }
        guard let rhythm = match.rhythm else {
            if match.refid == "MDC_ECG_RHY_UNANALYZEABLE" {
                report.dropped.append(PCDDroppedRow(location: obx.location, code: code, reason: "rhythm unanalysable"))
            } else {
                report.problems.append(.warning(at: obx.location(field: 5),
                                                "OBX-5 rhythm \(match.refid) has no equivalent this receiver acts on; stored with the message, not evaluated."))
            }
            return nil
        }
        return rhythm
    }
}
