import Foundation
import InfusionCore
import InfusionServer
import InfusionStore
import Testing

/// Binding by bed (PV1-3) and device (OBX-18) through the receiver and the store: at start, with `bind` later,
/// unbinding, two patients on one device, and L21 on a bound monitor that never sent (docs/HL7.md, "Binding").
@Suite("HL7 binding by bed and device")
struct HL7BindingTests {
    static let monitorEUI = "0123456789ABCDEF"
    /// A gateway that sends its own placeholder instead of the hospital's patient number.
    static let placeholderPID = "@609331@^^^MONGW^PI"

    func bind(_ harness: HL7Harness, _ session: Session, _ binding: DeviceBinding, by: String = "nurse-042") async throws {
        _ = try await harness.state.store.recordAction(
            sessionId: session.id, request: ActionRequest(action: .bind, by: by, binding: binding), ruleSet: harness.state.ruleSet,
            actor: AuditActor(person: by, role: Role.station.rawValue), now: harness.clock.read())
    }

    @Test("a placeholder PID from bed ICU^3^1: stored on the session bound to that bed at start, answered AA, audited with why")
    func bedBoundAtStart() async throws {
        let harness = try HL7Harness()
        let session = try await harness.startLidocaine(binding: DeviceBinding(bed: "ICU^3^1"))
        let answer = await harness.receive(HL7Harness.message(pid: Self.placeholderPID, rows: [HL7Harness.heartRate80]))
        #expect(msa(answer).code == "AA")
        let reading = try #require(try await harness.deviceReadings(session).first)
        #expect(reading.vitals?.heartRateBpm == 80)
        #expect(reading.device?.devices?.contains(Self.monitorEUI) == true)
        let record = try #require(try await harness.state.store.auditPage(after: 0, limit: 1000).records.last { $0.record.action == "hl7.receive" })
        #expect(String(decoding: try WireJSON.encode(record.record.detail), as: UTF8.self).contains("bed ICU^3^1"))
    }

    @Test("bound later by device (given in lower case): the message binds by its OBX-18 EUI-64; unbinding makes it AE 204 again")
    func deviceBoundLater() async throws {
        let harness = try HL7Harness()
        let session = try await harness.startLidocaine()
        let before = await harness.receive(HL7Harness.message(controlId: "B1", pid: Self.placeholderPID, rows: [HL7Harness.heartRate80]))
        #expect(msa(before).code == "AE" && msa(before).errors == ["204"])

        try await bind(harness, session, DeviceBinding(devices: [Self.monitorEUI.lowercased()]))
        #expect(try await harness.state.store.sessionDetail(id: session.id, ruleSet: nil, now: nil).session.binding == DeviceBinding(devices: [Self.monitorEUI]))
        let bound = await harness.receive(HL7Harness.message(controlId: "B2", pid: Self.placeholderPID, rows: [HL7Harness.heartRate80]))
        #expect(msa(bound).code == "AA")
        #expect(try await harness.deviceReadings(session).count == 1)

        try await bind(harness, session, DeviceBinding())
        #expect(try await harness.state.store.sessionDetail(id: session.id, ruleSet: nil, now: nil).session.binding == nil)
        let after = await harness.receive(HL7Harness.message(controlId: "B3", pid: Self.placeholderPID, rows: [HL7Harness.heartRate80]))
        #expect(msa(after).code == "AE" && msa(after).errors == ["204"])
        #expect(try await harness.deviceReadings(session).count == 1)
        #expect(try await harness.auditActions().filter { $0 == "session.bind" }.count == 2)
    }

    @Test("the patient the message names wins over a bed bound to another patient's session")
    func patientWins() async throws {
        let harness = try HL7Harness()
        let named = try await harness.startLidocaine()
        let other = try await harness.startLidocaine(patientId: "MRN-2002", binding: DeviceBinding(bed: "ICU^3^1"))
        #expect(msa(await harness.receive(HL7Harness.message(rows: [HL7Harness.heartRate80]))).code == "AA")
        #expect(try await harness.deviceReadings(named).count == 1)
        #expect(try await harness.deviceReadings(other).isEmpty)
    }

    @Test("one monitor bound to two patients' sessions: AE 204 naming the device, nothing stored, audited")
    func twoPatientsOneDevice() async throws {
        let harness = try HL7Harness()
        let first = try await harness.startLidocaine(patientId: "MRN-2001", binding: DeviceBinding(devices: [Self.monitorEUI]))
        let second = try await harness.startLidocaine(patientId: "MRN-2002", binding: DeviceBinding(devices: [Self.monitorEUI]))
        let answer = await harness.receive(HL7Harness.message(pid: Self.placeholderPID, rows: [HL7Harness.heartRate80]))
        #expect(msa(answer).code == "AE" && msa(answer).errors == ["204"])
        #expect(answer.text?.contains("device \(Self.monitorEUI)") == true)
        #expect(try await harness.deviceReadings(first).isEmpty)
        #expect(try await harness.deviceReadings(second).isEmpty)
        #expect(try await harness.auditActions().contains("hl7.unknownPatient"))
    }

    @Test("an unknown bed, with no session of the patient: AE 204 saying neither patient nor bed is bound")
    func unknownBed() async throws {
        let harness = try HL7Harness()
        let session = try await harness.startLidocaine(binding: DeviceBinding(bed: "ICU^3^2"))
        let answer = await harness.receive(HL7Harness.message(pid: Self.placeholderPID, rows: [HL7Harness.heartRate80]))
        #expect(msa(answer).code == "AE" && msa(answer).errors == ["204"])
        // ERR-8 is HL7 text: the bed's component separators are escaped.
        #expect(answer.text?.contains(#"bed ICU\S\3\S\1"#) == true)
        #expect(try await harness.deviceReadings(session).isEmpty)
    }

    @Test("a bound monitor that never sends raises L21 five minutes after the binding; one that sends does not")
    func boundMonitorNeverSent() async throws {
        let harness = try HL7Harness()
        let silent = try await harness.startLidocaine(binding: DeviceBinding(devices: ["FEDCBA9876543210"]))
        let heard = try await harness.startLidocaine(patientId: "MRN-2002", binding: DeviceBinding(devices: [Self.monitorEUI]))
        #expect(msa(await harness.receive(HL7Harness.message(pid: Self.placeholderPID, rows: [HL7Harness.heartRate80]))).code == "AA")
        // Bound at 10:00; the message (10:15) came from the other monitor. At 10:19 the heard one is within 5 min.
        let later = HL7Harness.start.addingTimeInterval(19 * 60)
        harness.clock.set(later)
        let silentCheck = try await harness.state.store.recordScheduleCheck(sessionId: silent.id, ruleSet: harness.state.ruleSet, now: later)
        let l21 = try #require(silentCheck?.decisions.first { $0.ruleId == "L21" })
        #expect(l21.reason.contains("FEDCBA9876543210"))
        let heardCheck = try await harness.state.store.recordScheduleCheck(sessionId: heard.id, ruleSet: harness.state.ruleSet, now: later)
        #expect(heardCheck?.decisions.contains { $0.ruleId == "L21" } != true)
    }

    @Test("a binding is checked like any identifier: control characters refused before anything is stored")
    func bindingRefusedAtTheRoute() async throws {
        let harness = try HL7Harness()
        let session = try await harness.startLidocaine()
        await #expect(throws: DomainError.self) {
            try await bind(harness, session, DeviceBinding(devices: [" " + Self.monitorEUI]))
        }
        #expect(try await harness.state.store.sessionDetail(id: session.id, ruleSet: nil, now: nil).session.binding == nil)
    }
}
