import Foundation
import InfusionCore
import Testing
@testable import InfusionHL7

@Suite struct PCDMappingTests {
    /// The code table of the HL7 notes, written out here (not read from the implementation): code, REFID, what it
    /// is, where from, and a unit to send it with.
    static let codeTable: [(Int, String, PCDQuantity, PCDSource, String, String)] = [
        (147842, "MDC_ECG_HEART_RATE", .heartRate, .ecg, "72", "264864^MDC_DIM_BEAT_PER_MIN^MDC"),
        (147842, "MDC_ECG_CARD_BEAT_RATE", .heartRate, .ecg, "72", "/min^^UCUM"),
        (149530, "MDC_PULS_OXIM_PULS_RATE", .heartRate, .oximeter, "72", "{beats}/min^^UCUM"),
        (149546, "MDC_PULS_RATE_NON_INV", .heartRate, .noninvasive, "72", "264864^MDC_DIM_BEAT_PER_MIN^MDC"),
        (149514, "MDC_PULS_RATE", .heartRate, .generic, "72", "264864^MDC_DIM_BEAT_PER_MIN^MDC"),
        (149522, "MDC_BLD_PULS_RATE_INV", .heartRate, .invasive, "72", "264864^MDC_DIM_BEAT_PER_MIN^MDC"),
        (150021, "MDC_PRESS_BLD_NONINV_SYS", .systolic, .noninvasive, "120", "266016^MDC_DIM_MMHG^MDC"),
        (150022, "MDC_PRESS_BLD_NONINV_DIA", .diastolic, .noninvasive, "80", "mm[Hg]^^UCUM"),
        (150023, "MDC_PRESS_BLD_NONINV_MEAN", .meanPressure, .noninvasive, "93", "266016^MDC_DIM_MMHG^MDC"),
        (150301, "MDC_PRESS_CUFF_SYS", .systolic, .noninvasive, "120", "266016^MDC_DIM_MMHG^MDC"),
        (150302, "MDC_PRESS_CUFF_DIA", .diastolic, .noninvasive, "80", "266016^MDC_DIM_MMHG^MDC"),
        (150303, "MDC_PRESS_CUFF_MEAN", .meanPressure, .noninvasive, "93", "266016^MDC_DIM_MMHG^MDC"),
        (150033, "MDC_PRESS_BLD_ART_SYS", .systolic, .invasive, "120", "266016^MDC_DIM_MMHG^MDC"),
        (150034, "MDC_PRESS_BLD_ART_DIA", .diastolic, .invasive, "80", "266016^MDC_DIM_MMHG^MDC"),
        (150035, "MDC_PRESS_BLD_ART_MEAN", .meanPressure, .invasive, "93", "266016^MDC_DIM_MMHG^MDC"),
        (150456, "MDC_PULS_OXIM_SAT_O2", .spo2, .oximeter, "97", "262688^MDC_DIM_PERCENT^MDC"),
        (151562, "MDC_RESP_RATE", .respiratoryRate, .generic, "14", "264928^MDC_DIM_RESP_PER_MIN^MDC"),
        (151578, "MDC_TTHOR_RESP_RATE", .respiratoryRate, .impedance, "14", "264928^MDC_DIM_RESP_PER_MIN^MDC"),
        (151594, "MDC_CO2_RESP_RATE", .respiratoryRate, .airway, "14", "/min^^UCUM"),
        (151570, "MDC_AWAY_RESP_RATE", .respiratoryRate, .airway, "14", "264928^MDC_DIM_RESP_PER_MIN^MDC"),
        (151658, "MDC_PULS_OXIM_PLETH_RESP_RATE", .respiratoryRate, .pleth, "14", "264928^MDC_DIM_RESP_PER_MIN^MDC"),
        (150344, "MDC_TEMP", .temperature, .generic, "37", "268192^MDC_DIM_DEGC^MDC"),
        (150364, "MDC_TEMP_BODY", .temperature, .body, "37", "Cel^^UCUM"),
        (150368, "MDC_TEMP_CORE", .temperature, .core, "37", "268192^MDC_DIM_DEGC^MDC"),
        (150392, "MDC_TEMP_TYMP", .temperature, .tympanic, "37", "268192^MDC_DIM_DEGC^MDC"),
        (150388, "MDC_TEMP_SKIN", .temperature, .skin, "33", "268192^MDC_DIM_DEGC^MDC"),
        (188424, "MDC_TEMP_ORAL", .temperature, .oral, "37", "268192^MDC_DIM_DEGC^MDC"),
        (147228, "MDC_ECG_TIME_PD_QRS_GL", .qrsDuration, .ecg, "90", "264338^MDC_DIM_MILLI_SEC^MDC"),
        (139008, "MDC_ECG_TIME_PD_QRS", .qrsDuration, .ecg, "90", "ms^^UCUM"),
        (147232, "MDC_ECG_TIME_PD_QT_GL", .qtInterval, .ecg, "400", "264338^MDC_DIM_MILLI_SEC^MDC"),
        (139264, "MDC_ECG_TIME_PD_QT", .qtInterval, .ecg, "400", "264338^MDC_DIM_MILLI_SEC^MDC"),
        (147236, "MDC_ECG_TIME_PD_QTc", .qtcInterval, .ecg, "420", "264338^MDC_DIM_MILLI_SEC^MDC"),
        (146952, "MDC_ECG_TIME_PD_QTcB", .qtcInterval, .ecg, "420", "264338^MDC_DIM_MILLI_SEC^MDC"),
        (146964, "MDC_ECG_TIME_PD_QTcF", .qtcInterval, .ecg, "420", "264338^MDC_DIM_MILLI_SEC^MDC"),
        (147220, "MDC_ECG_TIME_PD_PR_GL", .prInterval, .ecg, "160", "264338^MDC_DIM_MILLI_SEC^MDC"),
        (146944, "MDC_ECG_TIME_PD_PR_GL", .prInterval, .ecg, "160", "264338^MDC_DIM_MILLI_SEC^MDC"),
        (138240, "MDC_ECG_TIME_PD_PR", .prInterval, .ecg, "160", "264338^MDC_DIM_MILLI_SEC^MDC"),
        (148066, "MDC_ECG_V_P_C_RATE", .pvcRate, .ecg, "0", "264864^MDC_DIM_BEAT_PER_MIN^MDC"),
    ]

    @Test(arguments: codeTable)
    func codeTableMaps(code: Int, refid: String, quantity: PCDQuantity, source: PCDSource, value: String, unit: String) throws {
        let report = try pcdRow(obx(code: "\(code)^\(refid)^MDC", value: value, unit: unit))
        #expect(report.problems == [])
        let reading = try #require(report.readings.first)
        #expect(reading.quantity == quantity)
        #expect(reading.source == source)
        #expect(reading.value == Double(value))
        #expect(report.outcome.disposition == .accepted)
    }

    /// Every code of the table sent with another quantity's reference id: not mapped, refused as content. The two
    /// disputed PR codes are the exception the notes make (ignored with a warning), tested on their own below.
    static let wrongPairs: [(Int, String)] = codeTable.filter { ![147220, 146944].contains($0.0) }.compactMap { entry in
        codeTable.first { $0.2 != entry.2 }.map { (entry.0, $0.1) }
    } + [
        (150456, "MDC_PULS_OXIM_PULS_RATE"), (149530, "MDC_PULS_OXIM_SAT_O2"),
        (149538, "MDC_PULS_OXIM_PULS_RATE"), // Philips label 0x24822 with the standard REFID
        (150456, ""), (150456, "SpO2"), (150021, "MDC_PRESS_BLD_ART_SYS"), (150033, "MDC_PRESS_BLD_NONINV_SYS"),
        (150388, "MDC_TEMP_CORE"), (147842, "MDC_ECG_HEART_RATE_BTB"),
    ]

    @Test(arguments: wrongPairs)
    func wrongCodeAndRefidPairsAreNotMapped(code: Int, refid: String) throws {
        let report = try pcdRow(obx(code: "\(code)^\(refid)^MDC", value: "80", unit: "264864^MDC_DIM_BEAT_PER_MIN^MDC"))
        #expect(report.readings.isEmpty)
        let problem = try #require(report.onlyProblem)
        #expect(problem.code == .tableValueNotFound)
        #expect(problem.severity == .error)
        #expect(problem.location == HL7Location(segment: "OBX", sequence: 1, field: 3))
        #expect(report.outcome.disposition == .error)
    }

    @Test(arguments: [
        "150324^MDC_SAT_O2_ART^MDC", // SaO2, not SpO2
        "147850^MDC_ECG_HEART_RATE_BTB^MDC", // beat-to-beat, not the heart rate
        "151620^MDC_VENT_RESP_RATE^MDC", "196999^MDC_PRIVATE^MDC", "0002-4bb8^SpO2^MDIL",
    ])
    func unknownCodesAreSkippedWithAWarning(code: String) throws {
        let report = try pcdRow(obx(code: code))
        #expect(report.readings.isEmpty)
        let problem = try #require(report.onlyProblem)
        #expect(problem.code == .accepted)
        #expect(problem.severity == .warning)
        #expect(report.outcome.disposition == .accepted)
    }

    @Test(arguments: ["147220^MDC_ECG_TIME_PD_PQ_GL^MDC", "146944^MDC_ECG_TIME_PD_PQ^MDC", "147220^MDC_ECG_HEART_RATE^MDC",
                      "146944^^MDC", "147220^MDC_ECG_TIME_PD_QRS_GL^MDC"])
    func prCodesWithAnotherRefidAreIgnoredWithAWarning(code: String) throws {
        let report = try pcdRow(obx(code: code, value: "150", unit: "264338^MDC_DIM_MILLI_SEC^MDC"))
        #expect(report.readings.isEmpty)
        #expect(report.onlyProblem?.severity == .warning)
    }

    @Test func qtcRecordsWhichCodeWasSent() throws {
        let report = try pcdRow(obx(code: "146948^MDC_ECG_TIME_PD_QTc^MDC", value: "430", unit: "264338^MDC_DIM_MILLI_SEC^MDC"))
        #expect(report.readings.first?.quantity == .qtcInterval)
        #expect(report.readings.first?.code.code == 146948)
    }

    @Test func infrastructureRowsNeedNoWarning() throws {
        let report = try pcdRow(obx(type: "ST", code: "68220^MDC_TIME_SYNC_PROTOCOL^MDC", value: "532224^MDC_TIME_SYNC_NONE^MDC", unit: ""))
        #expect(report.problems == [])
    }

    // MARK: Units

    @Test(arguments: [
        ("150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "16", "265987^MDC_DIM_KILO_PASCAL^MDC", 16 * 7.50062),
        ("150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "16", "kPa^^UCUM", 120.00992),
        ("150022^MDC_PRESS_BLD_NONINV_DIA^MDC", "10.5", "kPa", 78.75651),
        ("150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "120", "266016^MDC_DIM_MMHG^MDC", 120),
        ("150344^MDC_TEMP^MDC", "98.6", "266560^MDC_DIM_FAHR^MDC", 37),
        ("150344^MDC_TEMP^MDC", "95", "[degF]^^UCUM", 35),
        ("150344^MDC_TEMP^MDC", "104", "[degF]^^UCUM", 40),
        ("150344^MDC_TEMP^MDC", "37.5", "Cel^^UCUM", 37.5),
        ("147228^MDC_ECG_TIME_PD_QRS_GL^MDC", "0.12", "264320^MDC_DIM_SEC^MDC", 120),
        ("147220^MDC_ECG_TIME_PD_PR_GL^MDC", "0.2", "s^^UCUM", 200),
        ("147228^MDC_ECG_TIME_PD_QRS_GL^MDC", "96", "ms", 96),
        ("147842^MDC_ECG_HEART_RATE^MDC", "60", "{beat}/min^^UCUM", 60),
        ("151562^MDC_RESP_RATE^MDC", "12", "{breaths}/min^^UCUM", 12),
    ] as [(String, String, String, Double)])
    func unitConversions(code: String, value: String, unit: String, expected: Double) throws {
        let report = try pcdRow(obx(code: code, value: value, unit: unit))
        #expect(report.problems == [])
        let reading = try #require(report.readings.first)
        #expect(abs(try #require(reading.value) - expected) < 1e-9)
        #expect(reading.sentUnit == unit)
    }

    @Test(arguments: [
        ("150456^MDC_PULS_OXIM_SAT_O2^MDC", "266016^MDC_DIM_MMHG^MDC"), // wrong dimension
        ("150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "266016^MDC_DIM_KILO_PASCAL^MDC"), // unit code and refid disagree
        ("150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "cmH2O^^UCUM"),
        ("150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "mmHg^mmHg^MDIL"),
        ("147842^MDC_ECG_HEART_RATE^MDC", "264928^MDC_DIM_RESP_PER_MIN^MDC"),
        ("150456^MDC_PULS_OXIM_SAT_O2^MDC", ""),
    ])
    func unknownUnitsAreRefused(code: String, unit: String) throws {
        let report = try pcdRow(obx(code: code, value: "97", unit: unit))
        #expect(report.readings.isEmpty)
        #expect(report.onlyProblem?.code == .tableValueNotFound)
        #expect(report.onlyProblem?.location == HL7Location(segment: "OBX", sequence: 1, field: 6))
    }

    @Test(arguments: [("97", true), ("+97", true), ("97.5", true), ("-0", true), (".5", true),
                      ("abc", false), ("9e1", false), ("1.2.3", false), ("97 ", false), ("", false), ("1,5", false), ("nan", false)])
    func numericValues(value: String, accepted: Bool) throws {
        let report = try pcdRow(obx(value: value.isEmpty ? "\"\"" : value))
        #expect(report.readings.count == (accepted ? 1 : 0))
        if !accepted { #expect(report.onlyProblem?.code == .dataTypeError) }
    }

    @Test func measurementMustBeNM() throws {
        let report = try pcdRow(obx(type: "ST"))
        #expect(report.onlyProblem?.code == .dataTypeError)
        #expect(report.onlyProblem?.location?.field == 2)
    }

    @Test(arguments: [
        ("150456^MDC_PULS_OXIM_SAT_O2^MDC", "100", "262688^MDC_DIM_PERCENT^MDC", true),
        ("150456^MDC_PULS_OXIM_SAT_O2^MDC", "100.1", "262688^MDC_DIM_PERCENT^MDC", false),
        ("147842^MDC_ECG_HEART_RATE^MDC", "350", "264864^MDC_DIM_BEAT_PER_MIN^MDC", true),
        ("147842^MDC_ECG_HEART_RATE^MDC", "351", "264864^MDC_DIM_BEAT_PER_MIN^MDC", false),
        ("151562^MDC_RESP_RATE^MDC", "80", "264928^MDC_DIM_RESP_PER_MIN^MDC", true),
        ("151562^MDC_RESP_RATE^MDC", "81", "264928^MDC_DIM_RESP_PER_MIN^MDC", false),
        // 300 mmHg is the plausible limit: 39.99 kPa is 299.95 mmHg, 40 kPa is 300.02 mmHg.
        ("150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "39.99", "265987^MDC_DIM_KILO_PASCAL^MDC", true),
        ("150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "40", "265987^MDC_DIM_KILO_PASCAL^MDC", false),
        ("147228^MDC_ECG_TIME_PD_QRS_GL^MDC", "0.019", "264320^MDC_DIM_SEC^MDC", false),
        ("147228^MDC_ECG_TIME_PD_QRS_GL^MDC", "0.02", "264320^MDC_DIM_SEC^MDC", true),
    ])
    func implausibleValuesAreRefused(code: String, value: String, unit: String, accepted: Bool) throws {
        let report = try pcdRow(obx(code: code, value: value, unit: unit))
        #expect(report.readings.count == (accepted ? 1 : 0))
        #expect(report.outcome.disposition == (accepted ? .accepted : .error))
        if !accepted { #expect(report.onlyProblem?.code == .dataTypeError) }
    }

    // MARK: OBX-8 and OBX-11

    @Test(arguments: [
        ("", PCDReadingUse.evaluate as PCDReadingUse?), ("N", .evaluate), ("H", .evaluate), ("LL", .evaluate),
        ("ALACT", .evaluate), ("ALINH", .evaluate), ("PH", .evaluate),
        ("QUES", .raiseOnly), ("CAL", .raiseOnly), ("EARLY", .raiseOnly), ("EARLY~QUES", .raiseOnly), ("H~QUES", .raiseOnly),
        ("TEST", .auditOnly), ("DEMO", .auditOnly), ("QUES~TEST", .auditOnly),
        ("INV", nil), ("NAV", nil), ("BUSY", nil), ("OFF", nil), ("NI", nil), ("TEST~INV", nil),
    ])
    func measurementStatusClasses(flags: String, use: PCDReadingUse?) throws {
        let report = try pcdRow(obx(flags: flags))
        #expect(report.problems == [])
        #expect(report.readings.first?.use == use)
        #expect(report.dropped.count == (use == nil ? 1 : 0))
    }

    @Test func deviceAlarmFlagsAreRecorded() throws {
        let alarming = try pcdRow(obx(flags: "L~ALACT"))
        #expect(alarming.readings.first?.deviceAlarming == true)
        #expect(alarming.readings.first?.deviceAlarmsInhibited == false)
        let inhibited = try pcdRow(obx(flags: "ALINH"))
        #expect(inhibited.readings.first?.deviceAlarmsInhibited == true)
    }

    @Test(arguments: [
        ("F", PCDReadingUse.evaluate as PCDReadingUse?, false), ("R", .evaluate, false), ("C", .evaluate, true),
        ("D", .auditOnly, false), ("W", .auditOnly, false), ("P", .auditOnly, false), ("S", .auditOnly, false),
        ("I", .auditOnly, false), ("U", .auditOnly, false), ("X", nil, false),
    ])
    func resultStatusClasses(status: String, use: PCDReadingUse?, correction: Bool) throws {
        let report = try pcdRow(obx(status: status))
        #expect(report.problems == [])
        #expect(report.readings.first?.use == use)
        #expect((report.readings.first?.isCorrection ?? false) == correction)
    }

    @Test func correctionPointsAtTheReadingItCorrects() throws {
        let original = try pcdRow(obx(value: "88", status: "F", time: "20240301101000+0000"))
        let corrected = try pcdRow(obx(value: "96", status: "C", time: "20240301101000+0000"))
        #expect(corrected.readings.first?.corrects == original.readings.first?.key)
        #expect(corrected.observationSets.first?.isCorrection == true)
    }

    @Test func emptyResultStatusIsRecordedNotEvaluated() throws {
        let report = try pcdRow(obx(status: ""))
        #expect(report.readings.first?.use == .auditOnly)
        #expect(report.onlyProblem?.code == .requiredFieldMissing)
        #expect(report.onlyProblem?.severity == .warning)
    }

    @Test(arguments: [("TEST", PCDReadingUse.auditOnly as PCDReadingUse?), ("QUES", .raiseOnly), ("INV", nil)])
    func deviceRowFlagsCoverTheirSubtree(flags: String, use: PCDReadingUse?) throws {
        let report = try pcdReport(pcdHead() + [
            "OBX|1||69642^MDC_DEV_PULS_OXIM_VMD^MDC|1.1.0.0||||\(flags)|||X|||||||ABCDEF0123456789^EUI-64",
            obx(2, hierarchy: "1.1.1.1"),
            obx(3, code: "147842^MDC_ECG_HEART_RATE^MDC", hierarchy: "1.2.1.1", value: "70", unit: "264864^MDC_DIM_BEAT_PER_MIN^MDC"),
        ])
        #expect(report.readings.first { $0.quantity == .spo2 }?.use == use)
        #expect(report.readings.first { $0.quantity == .heartRate }?.use == .evaluate)
        if use != nil {
            #expect(report.readings.first { $0.quantity == .spo2 }?.feedId == "ABCDEF0123456789")
        }
    }

    // MARK: Times

    @Test func obx14WinsOverObr7() throws {
        let report = try pcdReport(pcdHead() + [obx(1, time: "20240301100500+0000"), obx(2, code: "147842^MDC_ECG_HEART_RATE^MDC", value: "70", unit: "/min")])
        #expect(report.readings.map(\.observedAt) == [Date(timeIntervalSince1970: 1_709_287_500), Date(timeIntervalSince1970: 1_709_288_100)])
        #expect(report.readings.map(\.timeField) == [.obx14, .obr7])
        #expect(report.observationSets.count == 2)
    }

    @Test(arguments: [
        ("20240301111500+0100", nil as String?, 1_709_288_100 as Double?),
        ("20240301051500-0500", nil, 1_709_288_100),
        ("202403011015+0000", nil, 1_709_288_100),
        ("20240301101500.25+0000", nil, 1_709_288_100.25),
        ("20240301111500", "Europe/Zurich", 1_709_288_100),
        ("20240301101500", "UTC", 1_709_288_100),
        ("20240301101500", nil, nil),
    ])
    func offsetsAndZones(time: String, zone: String?, expected: Double?) throws {
        let report = try pcdRow(obx(time: time), zone: zone.flatMap(TimeZone.init(identifier:)))
        if let expected {
            #expect(report.problems == [])
            #expect(report.readings.first?.observedAt == Date(timeIntervalSince1970: expected))
        } else {
            #expect(report.readings.isEmpty)
            #expect(report.onlyProblem?.code == .dataTypeError)
            #expect(report.onlyProblem?.location == HL7Location(segment: "OBX", sequence: 1, field: 14))
            #expect(report.onlyProblem?.text.contains("no UTC offset") == true)
        }
    }

    @Test func obr7WithoutOffsetOrZoneIsLocatedAtOBR7() throws {
        let report = try pcdReport(pcdHead(obrTime: "20240301101500") + [obx()])
        #expect(report.onlyProblem?.location == HL7Location(segment: "OBR", sequence: 1, field: 7))
        #expect(report.outcome.disposition == .error)
    }

    @Test(arguments: ["2024030110", "20241301101500+0000", "20240230101500+0000", "20240301101500+2400", "20240301106000+0000",
                      "20240301101500Z", "2024-03-01T10:15:00Z"])
    func malformedTimes(time: String) throws {
        let report = try pcdRow(obx(time: time))
        #expect(report.readings.isEmpty)
        #expect(report.onlyProblem?.code == .dataTypeError)
    }

    @Test(arguments: [(120.0, true), (121.0, false)])
    func futureTimesBeyondTwoMinutesAreRefused(ahead: Double, accepted: Bool) throws {
        // OBR-7 is 10:15:00; the message arrives that long before it.
        let report = try pcdRow(obx(), receivedAt: Date(timeIntervalSince1970: 1_709_288_100 - ahead))
        #expect(report.readings.count == (accepted ? 1 : 0))
    }

    @Test func missingTimeIsARequiredField() throws {
        let report = try pcdReport([msh(), "PID|||P1", "OBR|1", obx()])
        #expect(report.onlyProblem?.code == .requiredFieldMissing)
        #expect(report.onlyProblem?.location == HL7Location(segment: "OBR", sequence: 1, field: 7))
    }

    // MARK: Structure and header

    @Test(arguments: [
        ([msh(), "PID|||P1", obx(), "OBR|1|||x|||20240301101500+0000"], HL7ErrorCode.segmentSequenceError, "OBX"),
        ([msh(), "PID|||P1", "PID|||P2", "OBR|1", obx()], .segmentSequenceError, "PID"),
        ([msh(), "PID|||P1"], .segmentSequenceError, "OBR"),
        ([msh(), "PID", "OBR|1|||x|||20240301101500+0000", obx()], .requiredFieldMissing, "PID"),
        ([msh(), "OBR|1|||x|||20240301101500+0000", obx(code: "")], .requiredFieldMissing, "PID"),
    ])
    func structureProblems(segments: [String], code: HL7ErrorCode, segment: String) throws {
        let report = try pcdReport(segments)
        #expect(report.onlyProblem?.code == code)
        #expect(report.onlyProblem?.location?.segment == segment)
        #expect(report.outcome.disposition == .error)
    }

    @Test func emptyObx3IsARequiredField() throws {
        let report = try pcdRow(obx(code: ""))
        #expect(report.onlyProblem?.code == .requiredFieldMissing)
        #expect(report.onlyProblem?.location == HL7Location(segment: "OBX", sequence: 1, field: 3))
    }

    @Test func bedAloneIsEnoughToBind() throws {
        let report = try pcdReport([msh(), "PV1||I|ICU^3^1", "OBR|1|||x|||20240301101500+0000", obx()])
        #expect(report.problems == [])
        #expect(report.patient.bed?.text == "ICU^3^1")
    }

    @Test(arguments: [
        ("ADT^A01^ADT_A01", "P", HL7ErrorCode.unsupportedMessageType),
        ("ORU^R30^ORU_R30", "P", .unsupportedEventCode),
        ("ORU^R01^ORU_R01", "D", .unsupportedProcessingId),
        ("ORU^R01^ORU_R01", "T", .unsupportedProcessingId),
    ])
    func unsupportedHeadersAreRejected(type: String, processing: String, code: HL7ErrorCode) throws {
        let report = try pcdReport(pcdHead(type: type, processing: processing) + [obx()])
        #expect(report.onlyProblem?.code == code)
        #expect(report.outcome.disposition == .rejected)
        #expect(report.readings.isEmpty)
    }

    @Test func processingIdsAreConfigurable() throws {
        let report = try pcdReport(pcdHead(processing: "D") + [obx()], processing: ["P", "D"])
        #expect(report.outcome.disposition == .accepted)
    }

    // MARK: Rhythm enumeration

    @Test(arguments: [
        ("ST", "MDC_ECG_V_TACHY_RHY", Rhythm.ventricularTachycardia as Rhythm?, 0),
        ("CWE", "147482^MDC_ECG_V_TACHY_RHY^MDC", .ventricularTachycardia, 0),
        ("CWE", "147486^MDC_ECG_V_FIB_RHY^MDC", .ventricularFibrillation, 0),
        ("ST", "147474", .sinus, 0),
        ("CWE", "147474^MDC_ECG_SINUS_RHY^MDC", .sinus, 0),
        ("CWE", "147465^MDC_ECG_PACED_RHY^MDC", nil, 1),
        ("CWE", "147467^MDC_ECG_RHY_ABSENT^MDC", nil, 1),
        ("CWE", "147473^MDC_ECG_RHY_UNANALYZEABLE^MDC", nil, 0),
        ("ST", "MDC_ECG_SOMETHING_ELSE", nil, 1),
    ])
    func rhythmEnumeration(type: String, value: String, rhythm: Rhythm?, problems: Int) throws {
        let report = try pcdRow(obx(type: type, code: "184327^MDC_ECG_STAT_RHY^MDC", value: value, unit: ""))
        #expect(report.readings.first?.rhythm == rhythm)
        #expect(report.problems.count == problems)
        #expect(report.outcome.disposition == .accepted)
        #expect(report.observationSets.first?.vitals.rhythm == rhythm)
    }

    @Test func rhythmValueWithDisagreeingCodeAndRefidIsRefused() throws {
        let report = try pcdRow(obx(type: "CWE", code: "184327^MDC_ECG_STAT_RHY^MDC", value: "147482^MDC_ECG_SINUS_RHY^MDC", unit: ""))
        #expect(report.readings.isEmpty)
        #expect(report.onlyProblem?.code == .tableValueNotFound)
    }

    // MARK: Vendor samples

    @Test func geB40SampleWithTheSendersZone() throws {
        let message = try HL7Parser.parse(try fixture("ge-b40-oru-r01"))
        // The sample's times carry no offset; 2013-01-22 13:41 in Helsinki is 11:41 UTC.
        let received = Date(timeIntervalSince1970: 1_358_854_900)
        let report = PCDReader.read(message, options: PCDReader.Options(timeZone: TimeZone(identifier: "Europe/Helsinki"), receivedAt: received))
        #expect(report.problems == [])
        #expect(report.outcome.disposition == .accepted)
        #expect(report.patient.identifiers == [PCDPatientIdentifier(id: "HED12", assigningAuthority: "PID", typeCode: "MR")])
        #expect(report.patient.bed?.pointOfCare == "SURGERY")
        #expect(report.readings.count == 10)
        #expect(report.readings.allSatisfy { $0.observedAt == Date(timeIntervalSince1970: 1_358_854_860) && $0.use == .evaluate })
        #expect(report.readings.allSatisfy { $0.feedId == "080019FFFE0B4020" })
        #expect(report.devices.contains { $0.eui64 == "080019FFFE134535" && $0.field == .msh3 })
        let respiration = report.readings.filter { $0.quantity == .respiratoryRate }
        #expect(respiration.map(\.source) == [.airway, .impedance])
        let sets = report.observationSets
        #expect(sets.count == 1)
        let vitals = try #require(sets.first?.vitals)
        #expect(vitals == Vitals(heartRateBpm: 80, spo2Percent: 97, respiratoryRatePerMin: 18))
        #expect(report.readings.contains { $0.quantity == .systolic && $0.source == .invasive && $0.value == 112 })
        #expect(report.readings.contains { $0.quantity == .temperature && $0.value == 37.1 })

        // Without the zone the same message cannot be dated.
        let unzoned = PCDReader.read(message, options: PCDReader.Options(receivedAt: received))
        #expect(unzoned.readings.isEmpty)
        #expect(unzoned.outcome.disposition == .error)
        #expect(unzoned.problems.allSatisfy { $0.code == .dataTypeError && $0.location?.segment == "OBR" })

        // GE asks for no accept acknowledgement and an application acknowledgement always (MSH-15 NE, MSH-16 AL).
        let reply = try #require(HL7Acknowledgement.acknowledging(message, outcome: report.outcome,
                                                                  responder: HL7Responder(application: "INFUSIOND", facility: "H"),
                                                                  controlId: "A1", at: received))
        #expect(reply.code == "AA")
        #expect(reply.text.contains("\rMSA|AA|004097134535\r"))
    }

    @Test func ihePCD01Sample() throws {
        let received = Date(timeIntervalSince1970: 1_247_475_660) // 2009-07-13 09:01 UTC
        let result = PCDIntake.read(try fixture("ihe-pcd01-oru-r01"), options: PCDReader.Options(receivedAt: received))
        guard case .read(_, let report) = result else {
            Issue.record("refused: \(result)")
            return
        }
        #expect(report.patient.identifiers.map(\.id) == ["789567", "4567"])
        #expect(report.patient.identifiers[1].assigningAuthority == "Other Hospital")
        #expect(report.patient.identifiers[1].assigningAuthorityUniversalId == "1.2.3.4")
        #expect(report.patient.bed?.text == "3 West ICU^3002^1")
        #expect(report.problems.map(\.severity) == [.warning])
        #expect(report.problems.first?.location == HL7Location(segment: "OBX", sequence: 8, field: 3))
        let sets = report.observationSets
        #expect(sets.map(\.observedAt) == [Date(timeIntervalSince1970: 1_247_475_360), Date(timeIntervalSince1970: 1_247_475_600)])
        #expect(sets[0].vitals == Vitals(systolicMmHg: 120, diastolicMmHg: 80))
        #expect(sets[1].vitals == Vitals(heartRateBpm: 72, spo2Percent: 98))
        #expect(sets.allSatisfy { $0.feedId == "0123456789ABCDEF" })
        let reply = try #require(result.acknowledgement(responder: HL7Responder(application: "INFUSIOND", facility: "H"), controlId: "A1", at: received))
        #expect(reply.code == "CA")
        #expect(reply.text.contains("\rMSA|CA|MSGID1234\rERR||OBX^8^3|0^Message accepted^HL70357|W||||"))
    }
}
