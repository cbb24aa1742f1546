import Foundation
import InfusionCore
import Testing
@testable import InfusionHL7

@Suite struct PCDAlarmTests {
    func alarm(_ rows: [String], flags: String = "PH") throws -> PCDReport {
        try pcdReport([msh(type: "ORU^R40^ORU_R40"), "PID|||P100^^^HOSP^MR", "OBR|1|||196616^MDC_EVT_ALARM^MDC|||20240301101500+0000"] + rows)
    }

    func event(_ code: String, value: String = "alarm", flags: String = "PH", status: String = "F") -> String {
        obx(1, type: "ST", code: code, hierarchy: "1.5.1.1", value: value, unit: "", flags: flags, status: status)
    }

    func phase(_ value: String, code: String = "68481^MDC_ATTR_EVENT_PHASE^MDC") -> String {
        obx(2, type: "ST", code: code, hierarchy: "1.5.1.1.2", value: value, unit: "", status: "F")
    }

    @Test func vtAlarmFixtureBecomesARhythmReading() throws {
        let received = Date(timeIntervalSince1970: 1_709_284_560) // 2024-03-01 09:16 UTC
        let result = PCDIntake.read(try fixture("pcd04-vt-alarm"), options: PCDReader.Options(receivedAt: received))
        guard case .read(_, let report) = result else {
            Issue.record("refused: \(result)")
            return
        }
        #expect(report.kind == .alarms)
        #expect(report.problems == [])
        let alarm = try #require(report.alarms.first)
        #expect(alarm.rhythm == .ventricularTachycardia)
        #expect(alarm.phase == .start)
        #expect(alarm.state == "active")
        #expect(alarm.priority == .high)
        #expect(alarm.isClinical)
        #expect(alarm.observedAt == Date(timeIntervalSince1970: 1_709_284_498))
        let reading = try #require(report.readings.first)
        #expect(reading.rhythm == .ventricularTachycardia)
        #expect(reading.use == .evaluate)
        #expect(reading.feedId == "0123456789ABCDEF")
        #expect(report.observationSets.first?.vitals == Vitals(rhythm: .ventricularTachycardia))
        let reply = try #require(result.acknowledgement(responder: HL7Responder(application: "INFUSIOND", facility: "H"), controlId: "A", at: received))
        #expect(reply.code == "CA")
        #expect(reply.text.contains("ACK^R40^ACK"))
    }

    /// The arrhythmia events of the HL7 notes and the rhythm each becomes (nil: a device alarm only).
    @Test(arguments: [
        ("148160^MDC_ECG_V_TACHY^MDC", Rhythm.ventricularTachycardia as Rhythm?),
        ("148032^MDC_ECG_V_FIB^MDC", .ventricularFibrillation),
        ("147528^MDC_ECG_ASYSTOLE^MDC", .asystole),
        ("147720^MDC_ECG_ATR_FIB^MDC", .atrialFibrillation),
        ("148184^MDC_ECG_V_TACHY_TORSADE^MDC", .ventricularTachycardia),
        ("148066^MDC_ECG_V_P_C_RATE^MDC", .ventricularEctopy),
        ("148065^MDC_ECG_V_P_C_CNT^MDC", .ventricularEctopy),
        ("147520^MDC_ECG_BRADY^MDC", nil),
        ("147688^MDC_ECG_TACHY^MDC", nil),
        ("196650^MDC_EVT_HI_GT_LIM^MDC", nil),
        ("199854^MDC_EVT_DESAT^MDC", nil),
    ])
    func arrhythmiaTable(code: String, rhythm: Rhythm?) throws {
        let report = try alarm([event(code), phase("start")])
        #expect(report.problems == [])
        #expect(report.outcome.disposition == .accepted)
        #expect(report.alarms.count == 1)
        #expect(report.alarms.first?.rhythm == rhythm)
        #expect(report.readings.map(\.rhythm) == (rhythm.map { [$0] } ?? []))
    }

    @Test func arrhythmiaNamedByACodedValueUnderAGenericEvent() throws {
        let report = try alarm([obx(1, type: "CWE", code: "196616^MDC_EVT_ALARM^MDC", hierarchy: "1.5.1.1", value: "148032^MDC_ECG_V_FIB^MDC", unit: "", flags: "PH", status: "F")])
        #expect(report.alarms.first?.rhythm == .ventricularFibrillation)
        #expect(report.readings.first?.rhythm == .ventricularFibrillation)
    }

    @Test(arguments: ["148160^MDC_ECG_V_FIB^MDC", "148160^MDC_ECG_ATR_FIB^MDC", "148032^^MDC", "147000^MDC_ECG_V_TACHY^MDC"])
    func arrhythmiaWithDisagreeingCodeAndRefidIsRefused(code: String) throws {
        let report = try alarm([event(code)])
        #expect(report.readings.isEmpty)
        #expect(report.alarms.first?.rhythm == nil)
        #expect(report.problems.first?.code == .tableValueNotFound)
        #expect(report.outcome.disposition == .error)
    }

    @Test(arguments: [
        ("start", PCDAlarmPhase.start, true), ("start only", .startOnly, true), ("continue", .continue, true),
        ("present", .present, true), ("update", .update, true), ("escalate", .escalate, true), ("end", .end, false),
    ])
    func phases(sent: String, phase expected: PCDAlarmPhase, reading: Bool) throws {
        let report = try alarm([event("148160^MDC_ECG_V_TACHY^MDC"), phase(sent)])
        #expect(report.alarms.first?.phase == expected)
        // The end of a VT alarm is recorded; it never produces a reading, least of all one that could clear.
        #expect(report.readings.count == (reading ? 1 : 0))
        #expect(report.alarms.first?.isClinical == reading)
    }

    @Test func phaseByMindrayCodeWithoutRefid() throws {
        let report = try alarm([event("148160^MDC_ECG_V_TACHY^MDC"), phase("end", code: "68165^^MDC")])
        #expect(report.alarms.first?.phase == .end)
        #expect(report.readings.isEmpty)
    }

    @Test func missingPhaseStillActs() throws {
        let report = try alarm([event("148032^MDC_ECG_V_FIB^MDC")])
        #expect(report.alarms.first?.phase == nil)
        #expect(report.readings.first?.rhythm == .ventricularFibrillation)
    }

    @Test(arguments: [("PH", PCDAlarmPriority.high), ("PM", .medium), ("PL", .low), ("PN", .none)])
    func priorities(flag: String, priority: PCDAlarmPriority) throws {
        #expect(try alarm([event("196650^MDC_EVT_HI_GT_LIM^MDC", flags: flag)]).alarms.first?.priority == priority)
    }

    @Test(arguments: [("TEST", PCDReadingUse.auditOnly), ("DEMO", .auditOnly), ("QUES", .raiseOnly), ("PH", .evaluate)])
    func alarmFlagsApply(flag: String, use: PCDReadingUse) throws {
        let report = try alarm([event("148160^MDC_ECG_V_TACHY^MDC", flags: flag), phase("start")])
        #expect(report.readings.first?.use == use)
        #expect(report.alarms.first?.isClinical == (use != .auditOnly))
    }

    @Test func alarmWithoutRowsIsRefused() throws {
        let report = try alarm([])
        #expect(report.onlyProblem?.code == .requiredFieldMissing)
        #expect(report.onlyProblem?.location?.segment == "OBR")
    }
}
