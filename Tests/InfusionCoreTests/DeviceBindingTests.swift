import Foundation
import InfusionCore
import Testing

/// Monitor binding (docs/HL7.md, "Binding"): what a binding keeps, which sessions a message binds to, the `bind`
/// action, and L21 on a bound device that never sent.
@Suite("Device binding")
struct DeviceBindingTests {
    static let eui = "0012C9FFFE0B4020"

    static func session(_ number: Int, patient: String, state: SessionState = .running, binding: DeviceBinding? = nil,
                        authority: String? = nil) -> Session {
        var session = SessionFixture.session(state: state)
        session.id = UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", number))!
        session.patientId = patient
        session.patientIdAuthority = authority
        session.binding = binding
        return session
    }

    // MARK: What a binding keeps

    @Test("normalised: an EUI-64 upper-cased and kept once, other ids as sent, empty parts absent, nothing bound is nil", arguments: [
        (DeviceBinding(bed: "ICU^^12", devices: ["0012c9fffe0b4020", "0012C9FFFE0B4020", "B40-SN-77"]),
         DeviceBinding(bed: "ICU^^12", devices: ["0012C9FFFE0B4020", "B40-SN-77"]) as DeviceBinding?),
        (DeviceBinding(bed: "", devices: []), nil),
        (DeviceBinding(bed: nil, devices: ["abcdefabcdefabcd"]), DeviceBinding(bed: nil, devices: ["ABCDEFABCDEFABCD"])),
        // 15 hex digits is not an EUI-64: kept as sent.
        (DeviceBinding(bed: "ICU^3^1", devices: ["abcdefabcdefabc"]), DeviceBinding(bed: "ICU^3^1", devices: ["abcdefabcdefabc"])),
    ])
    func normalised(binding: DeviceBinding, expected: DeviceBinding?) {
        #expect(binding.normalized == expected)
    }

    @Test("refused: a bed or device with spaces around it, an empty device, more than 16 devices; 16 pass", arguments: [
        (DeviceBinding(bed: " ICU^^12"), "binding.bed"),
        (DeviceBinding(bed: "ICU^^12 "), "binding.bed"),
        (DeviceBinding(devices: [""]), "binding.devices"),
        (DeviceBinding(devices: [" 0012C9FFFE0B4020"]), "binding.devices"),
        (DeviceBinding(devices: (0..<17).map { "DEV\($0)" }), "binding.devices"),
        (DeviceBinding(devices: (0..<16).map { "DEV\($0)" }), nil),
        (DeviceBinding(bed: "ICU^^12", devices: [eui]), nil),
    ] as [(DeviceBinding, String?)])
    func validation(binding: DeviceBinding, refusedField: String?) {
        do {
            try binding.validate(field: "binding")
            #expect(refusedField == nil)
        } catch {
            #expect(error.code == "binding.invalid")
            #expect(error.field == refusedField)
        }
    }

    // MARK: Which sessions a message binds to

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var pid: [MessageBinding.PatientIdentifier]
        var bed: String?
        var devices: [String]
        var expected: String
        var testDescription: String { name }
    }

    /// 1: MRN-1 bound to bed ICU^^12 and the EUI; 2: MRN-2 bound to bed ICU^^13; 3: MRN-3 closed, bound to ICU^^14;
    /// 4: MRN-4 with authority HOSP, bound to nothing; 5 and 6: MRN-5 and MRN-6 both bound to device SHARED.
    static let ward: [Session] = [
        session(1, patient: "MRN-1", binding: DeviceBinding(bed: "ICU^^12", devices: [eui])),
        session(2, patient: "MRN-2", binding: DeviceBinding(bed: "ICU^^13")),
        session(3, patient: "MRN-3", state: .closed, binding: DeviceBinding(bed: "ICU^^14")),
        session(4, patient: "MRN-4", authority: "HOSP"),
        session(5, patient: "MRN-5", binding: DeviceBinding(devices: ["SHARED"])),
        session(6, patient: "MRN-6", binding: DeviceBinding(devices: ["SHARED"])),
    ]

    @Test("a message binds by its patient first, else by bed or device; closed sessions never; two patients is ambiguous", arguments: [
        Case(name: "PID names MRN-2: its session, even with MRN-1's bed", pid: [.init(id: "MRN-2")], bed: "ICU^^12", devices: [],
             expected: "patient 2"),
        Case(name: "placeholder PID, bed ICU^^12: bound by bed", pid: [.init(id: "@609331@")], bed: "ICU^^12", devices: [],
             expected: "place 1 bed ICU^^12"),
        Case(name: "no PID match, the EUI in lower case: bound by device", pid: [], bed: nil, devices: [eui.lowercased()],
             expected: "place 1 device \(eui)"),
        Case(name: "bed and device both: both reasons", pid: [], bed: "ICU^^12", devices: [eui],
             expected: "place 1 bed ICU^^12,device \(eui)"),
        Case(name: "bed compared as sent: ICU^^12^ is another text", pid: [], bed: "ICU^^12^", devices: [], expected: "none"),
        Case(name: "bed of a closed session: nothing", pid: [], bed: "ICU^^14", devices: [], expected: "none"),
        Case(name: "PID of a closed session's patient: nothing", pid: [.init(id: "MRN-3")], bed: nil, devices: [], expected: "none"),
        Case(name: "authority recorded and not sent: not the patient", pid: [.init(id: "MRN-4")], bed: nil, devices: [], expected: "none"),
        Case(name: "authority recorded and sent as universal id", pid: [.init(id: "MRN-4", authorityUniversalId: "HOSP")], bed: nil,
             devices: [], expected: "patient 4"),
        Case(name: "a device bound to two patients' sessions: ambiguous", pid: [], bed: nil, devices: ["SHARED"],
             expected: "ambiguous MRN-5,MRN-6"),
        Case(name: "bed of one patient, device of another: ambiguous", pid: [], bed: "ICU^^13", devices: [eui],
             expected: "ambiguous MRN-1,MRN-2"),
    ])
    func resolve(_ test: Case) {
        let match = MessageBinding.resolve(identifiers: test.pid, bed: test.bed, devices: test.devices, among: Self.ward)
        let described: String
        switch match {
        case .patient(let sessions): described = "patient " + sessions.map { "\(Self.number($0))" }.joined(separator: ",")
        case .place(let sessions, let by):
            described = "place " + sessions.map { "\(Self.number($0))" }.joined(separator: ",") + " " + by.joined(separator: ",")
        case .ambiguous(let patients, _): described = "ambiguous " + patients.joined(separator: ",")
        case .none: described = "none"
        }
        #expect(described == test.expected)
        #expect(match.sessions.allSatisfy { $0.state.isOpen })
    }

    static func number(_ session: Session) -> Int { Int(session.id.uuidString.suffix(12))! }

    // MARK: The bind action

    @Test("bind replaces the binding in every open state; an empty binding unbinds; closed refuses", arguments: SessionState.allCases)
    func bindAction(state: SessionState) throws {
        let session = Self.session(1, patient: "MRN-1", state: state, binding: DeviceBinding(bed: "ICU^^12"))
        let request = ActionRequest(action: .bind, by: "nurse-042")
        let binding = ActionRequest(action: .bind, by: "nurse-042", binding: DeviceBinding(devices: [Self.eui.lowercased()]))
        let unbinding = ActionRequest(action: .bind, by: "nurse-042", binding: DeviceBinding())
        let limits = try ProfileFixture.lidocaine().limits
        if state == .closed {
            #expect(throws: DomainError.self) { try SessionMachine.apply(binding, to: session, limits: limits, now: SessionFixture.now) }
            return
        }
        let bound = try SessionMachine.apply(binding, to: session, limits: limits, now: SessionFixture.now)
        #expect(bound.session.binding == DeviceBinding(devices: [Self.eui]))
        #expect(bound.session.state == state)
        #expect(bound.decisions.isEmpty)
        #expect(try SessionMachine.apply(unbinding, to: session, limits: limits, now: SessionFixture.now).session.binding == nil)
        do {
            _ = try SessionMachine.apply(request, to: session, limits: limits, now: SessionFixture.now)
            Issue.record("a bind without binding was taken")
        } catch {
            #expect(error.code == "action.missingField" && error.field == "binding")
        }
    }

    // MARK: L21 on bound devices

    static let spec = ScheduleSpec.standard(for: .lidocaine)
    static let start = ObservationScheduleTests.start
    static func at(minutes: Double, plusMs: Double = 0) -> Date { start.addingTimeInterval(minutes * 60 + plusMs / 1000) }

    static func bindAction(_ devices: [String]) -> ActionRequest {
        ActionRequest(action: .bind, by: "nurse-042", binding: DeviceBinding(devices: devices))
    }

    @Test("L21: a device bound at 10 min that never sends is stale after 5 min from the binding, not before")
    func boundDeviceNeverHeard() throws {
        var history = ObservationScheduleTests.history()
        history.apply(Self.bindAction([Self.eui]), at: Self.at(minutes: 10))
        #expect(ScheduleRules.staleFeeds(history: history, spec: Self.spec, now: Self.at(minutes: 15)) == nil)
        let stale = try #require(ScheduleRules.staleFeeds(history: history, spec: Self.spec, now: Self.at(minutes: 15, plusMs: 1)))
        #expect(stale.ruleId == "L21" && stale.priority == .medium)
        #expect(stale.reason.contains(Self.eui))
    }

    @Test("L21: a message naming the bound device counts for it even when its rows' feed is another (the gateway's)")
    func heardThroughItsMessage() {
        var history = ObservationScheduleTests.history()
        history.apply(Self.bindAction([Self.eui]), at: Self.at(minutes: 10))
        var reading = ObservationScheduleTests.observation(atMinutes: 14)
        reading.feedId = "GATEWAY"
        reading.device = DeviceProvenance(deviceId: "GATEWAY", receivedAt: Self.at(minutes: 14))
        reading.device?.devices = ["GATEWAY", Self.eui]
        history.record(reading)
        #expect(ScheduleRules.silentFeeds(history: history, spec: Self.spec, now: Self.at(minutes: 19)).isEmpty)
        #expect(Set(ScheduleRules.silentFeeds(history: history, spec: Self.spec, now: Self.at(minutes: 19, plusMs: 1)).keys) == ["GATEWAY", Self.eui])
    }

    @Test("L21: unbinding stops watching the device; binding at start watches from the start")
    func unbindAndStart() {
        var history = ObservationScheduleTests.history()
        history.apply(Self.bindAction([Self.eui]), at: Self.at(minutes: 10))
        history.apply(Self.bindAction([]), at: Self.at(minutes: 12))
        #expect(ScheduleRules.silentFeeds(history: history, spec: Self.spec, now: Self.at(minutes: 40)).isEmpty)

        var request = StartSessionRequest(patientId: "MRN-1", drug: .lidocaine, weightKg: 70, prescriber: "dr.ada", recordedBy: "rn.bo")
        request.binding = DeviceBinding(devices: [Self.eui.lowercased()])
        var started = ScheduleHistory(sessionId: UUID(), drug: .lidocaine, startedAt: Self.start)
        started.apply(.start(request), recordedAt: Self.start, occurredAt: Self.start, stopped: false)
        #expect(started.boundDevices == [Self.eui: Self.start])
        #expect(ScheduleRules.silentFeeds(history: started, spec: Self.spec, now: Self.at(minutes: 5)).isEmpty)
        #expect(ScheduleRules.silentFeeds(history: started, spec: Self.spec, now: Self.at(minutes: 5, plusMs: 1)) == [Self.eui: Self.start])
    }
}
