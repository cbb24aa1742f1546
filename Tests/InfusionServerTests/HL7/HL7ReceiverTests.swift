import Crypto
import Foundation
import GRDB
import InfusionCore
import InfusionServer
import InfusionStore
import Logging
import Synchronization
import Testing

/// A clock the test moves.
final class TestClock: Sendable {
    private let now: Mutex<Date>
    init(_ start: Date) { now = Mutex(start) }
    func read() -> Date { now.withLock { $0 } }
    func set(_ date: Date) { now.withLock { $0 = date } }
}

/// The receiver over an in-memory store with the shipped profiles: allow-list, binding, exactly once, and the
/// acknowledgement only after the commit (docs/HL7.md).
struct HL7Harness {
    let state: ServerState
    let clock: TestClock
    let receiver: HL7Receiver

    /// 2024-03-01 10:00 UTC: sessions start here; messages carry 10:15 and arrive at 10:16.
    static let start = Date(timeIntervalSince1970: 1_709_287_200)
    static let arrival = start.addingTimeInterval(16 * 60)
    static let monitor: HL7Peer = .network(address: [10, 20, 0, 7], text: "10.20.0.7:40000")

    init(senders: [HL7SenderConfiguration] = [
        HL7SenderConfiguration(application: "MONGW", facility: "ICU", from: ["10.20.0.0/16", "unix"], station: "icu-monitor-gw"),
    ]) throws {
        let clock = TestClock(Self.start)
        self.clock = clock
        state = ServerState(store: ClinicalStore(database: try ClinicalDatabase()), ruleSet: try ProfileLoader.load(directory: nil),
                            version: "test", clock: { clock.read() })
        receiver = HL7Receiver(configuration: HL7Configuration(listen: "127.0.0.1:2575", senders: senders), state: state,
                               logger: Logger(label: "test"))
    }

    func startLidocaine(patientId: String = "MRN-1001", authority: String? = nil, binding: DeviceBinding? = nil) async throws -> Session {
        var request = RouterHarness.startRequest()
        request.patientId = patientId
        request.patientIdAuthority = authority
        request.binding = binding
        return try await state.store.startSession(request, ruleSet: state.ruleSet, actor: .daemon, now: clock.read())
    }

    func startKetamine(patientId: String = "MRN-1001") async throws -> Session {
        let request = StartSessionRequest(
            patientId: patientId, drug: .ketamine, weightKg: 70, heightCm: 175, sex: .male, dosingWeight: .actual,
            infusion: InfusionOrder(rateMgPerKgPerHour: 0.1), prescriber: "clin-017", recordedBy: "nurse-042",
            baseline: RouterHarness.baseline)
        return try await state.store.startSession(request, ruleSet: state.ruleSet, actor: .daemon, now: clock.read())
    }

    func receive(_ bytes: [UInt8], from peer: HL7Peer = monitor) async -> HL7Answer {
        clock.set(Self.arrival)
        return await receiver.receive(bytes, from: peer)
    }

    /// The device readings stored on a session, as requests.
    func deviceReadings(_ session: Session) async throws -> [ObservationRequest] {
        try await state.store.events(sessionId: session.id).events.compactMap { event in
            // The start's body is a start request: only observations decode, and only device readings carry `device`.
            let request = try? WireJSON.decoder().decode(ObservationRequest.self, from: try WireJSON.encode(event.body))
            return request?.device == nil ? nil : request
        }
    }

    func auditActions() async throws -> [String] {
        try await state.store.auditPage(after: 0, limit: 1000).records.map(\.record.action)
    }

    func messageRows() async throws -> Int {
        try await state.store.database.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM hl7_messages") ?? 0 }
    }

    // MARK: Messages

    static func message(
        controlId: String = "MSG0001", application: String = "MONGW^0123456789ABCDEF^EUI-64", facility: String = "ICU",
        type: String = "ORU^R01^ORU_R01", pid: String = "MRN-1001^^^HOSP^MR", bed: String = "ICU^3^1", rows: [String],
        time: String = "20240301101500+0000", acknowledgement: String = ""
    ) -> [UInt8] {
        let segments = [
            "MSH|^~\\&|\(application)|\(facility)|INFUSIOND||\(time)||\(type)|\(controlId)|P|2.6\(acknowledgement)",
            "PID|||\(pid)",
            "PV1||I|\(bed)",
            "OBR|1|||182777000^monitoring of patient^SCT|||\(time)",
            "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||0123456789ABCDEF^EUI-64",
        ] + rows
        return Array(segments.map { $0 + "\r" }.joined().utf8)
    }

    static let heartRate80 = "OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|80|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R"
    static func spo2(_ value: Int) -> String {
        "OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.2.1|\(value)|262688^MDC_DIM_PERCENT^MDC|||||R"
    }

    static func ventricularTachycardia(controlId: String = "ALM0001", phase: String = "start") -> [UInt8] {
        let segments = [
            "MSH|^~\\&|MONGW^0123456789ABCDEF^EUI-64|ICU|INFUSIOND||20240301101500+0000||ORU^R40^ORU_R40|\(controlId)|P|2.6",
            "PID|||MRN-1001^^^HOSP^MR",
            "PV1||I|ICU^3^1",
            "OBR|1|ALM0001^MONGW^0123456789ABCDEF^EUI-64||196616^MDC_EVT_ALARM^MDC|||20240301101458+0000",
            "OBX|1|ST|148160^MDC_ECG_V_TACHY^MDC|1.5.1.148160|Ventricular tachycardia|||PH|||F|||20240301101458+0000||||0123456789ABCDEF^EUI-64",
            "OBX|2|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|1.5.1.148160.2|\(phase)||||||F",
            "OBX|3|ST|68482^MDC_ATTR_ALARM_STATE^MDC|1.5.1.148160.3|active||||||F",
        ]
        return Array(segments.map { $0 + "\r" }.joined().utf8)
    }
}

/// MSA-1 and the ERR-3 codes of an acknowledgement's text.
func msa(_ answer: HL7Answer) -> (code: String, controlId: String, errors: [String]) {
    let segments = (answer.text ?? "").split(separator: "\r").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
    let msa = segments.first { $0.first == "MSA" } ?? []
    let errors = segments.filter { $0.first == "ERR" }.map { $0.count > 3 ? String($0[3].split(separator: "^").first ?? "") : "" }
    return (msa.count > 1 ? msa[1] : "", msa.count > 2 ? msa[2] : "", errors)
}

@Suite("HL7 receiver: allow-list, binding, device readings, exactly once, acknowledgement after the commit")
struct HL7ReceiverTests {
    @Test("a PCD-01 message from an allowed sender is stored as a device reading with its provenance and answered AA")
    func storesReading() async throws {
        let harness = try HL7Harness()
        let session = try await harness.startLidocaine()
        let answer = await harness.receive(HL7Harness.message(rows: [HL7Harness.heartRate80, HL7Harness.spo2(97)]))
        let ack = msa(answer)
        #expect(ack.code == "AA")
        #expect(ack.controlId == "MSG0001")
        #expect(answer.framed?.first == 0x0B && answer.framed?.suffix(2) == [0x1C, 0x0D])
        let readings = try await harness.deviceReadings(session)
        let reading = try #require(readings.first)
        #expect(readings.count == 1)
        #expect(reading.vitals?.heartRateBpm == 80 && reading.vitals?.spo2Percent == 97)
        #expect(reading.feedId == "0123456789ABCDEF")
        #expect(reading.recordedBy == "icu-monitor-gw")
        #expect(reading.observedAt == Date(timeIntervalSince1970: 1_709_288_100))
        #expect(reading.device?.deviceId == "0123456789ABCDEF")
        #expect(reading.device?.receivedAt == HL7Harness.arrival)
        #expect(reading.device?.messageControlId == "MSG0001")
        #expect(reading.device?.station == "icu-monitor-gw")
        #expect(try await harness.auditActions().contains("hl7.receive"))
        let raw = try await harness.state.store.receivedDeviceMessage(
            sendingApplication: "MONGW^0123456789ABCDEF^EUI-64", sendingFacility: "ICU", controlId: "MSG0001")
        #expect(raw?.rawText.hasPrefix("MSH|^~\\&|MONGW") == true)
        #expect(raw?.answer?.code == "AA")
        let metrics = await harness.state.metrics.render(store: harness.state.store)
        #expect(metrics.contains(#"infusiond_hl7_messages_total{type="ORU^R01",code="AA"} 1"#))
    }

    @Test("unknown senders are refused AR and audited, nothing stored", arguments: [
        ("OTHERGW", "ICU", HL7Harness.monitor),
        ("MONGW", "WARD9", HL7Harness.monitor),
        ("MONGW", "ICU", HL7Peer.network(address: [192, 168, 1, 5], text: "192.168.1.5:5000")),
    ])
    func unknownSender(application: String, facility: String, peer: HL7Peer) async throws {
        let harness = try HL7Harness()
        let session = try await harness.startLidocaine()
        let answer = await harness.receive(HL7Harness.message(application: application, facility: facility, rows: [HL7Harness.heartRate80]),
                                           from: peer)
        #expect(msa(answer).code == "AR")
        #expect(msa(answer).errors == ["207"])
        #expect(try await harness.deviceReadings(session).isEmpty)
        #expect(try await harness.messageRows() == 0)
        #expect(try await harness.auditActions().contains("hl7.unknownSender"))
    }

    @Test("'*' takes any application and facility; 'unix' takes the Unix socket only")
    func wildcardAndUnix() async throws {
        let harness = try HL7Harness(senders: [HL7SenderConfiguration(application: "*", facility: "*", from: ["unix"], station: "engine")])
        _ = try await harness.startLidocaine()
        #expect(msa(await harness.receive(HL7Harness.message(controlId: "A1", rows: [HL7Harness.heartRate80]), from: .unix)).code == "AA")
        #expect(msa(await harness.receive(HL7Harness.message(controlId: "A2", rows: [HL7Harness.heartRate80]))).code == "AR")
    }

    @Test("a patient with a lidocaine and a ketamine session: both get the reading")
    func bothSessions() async throws {
        let harness = try HL7Harness()
        let lidocaine = try await harness.startLidocaine()
        let ketamine = try await harness.startKetamine()
        #expect(msa(await harness.receive(HL7Harness.message(rows: [HL7Harness.heartRate80]))).code == "AA")
        #expect(try await harness.deviceReadings(lidocaine).count == 1)
        #expect(try await harness.deviceReadings(ketamine).count == 1)
    }

    @Test("binding by PID-3: the ID must equal the patient id, and the assigning authority when the session recorded one", arguments: [
        ("MRN-1001^^^HOSP^MR", nil as String?, "AA"),
        ("MRN-1001^^^HOSP^MR", "HOSP", "AA"),
        ("OTHER^^^X^PI~MRN-1001^^^HOSP^MR", "HOSP", "AA"),
        ("MRN-1001^^^CLINIC^MR", "HOSP", "AE"),
        ("MRN-1002^^^HOSP^MR", nil, "AE"),
        ("MRN-1001 ^^^HOSP^MR", nil, "AE"),
    ])
    func binding(pid: String, authority: String?, code: String) async throws {
        let harness = try HL7Harness()
        let session = try await harness.startLidocaine(authority: authority)
        let answer = await harness.receive(HL7Harness.message(pid: pid, rows: [HL7Harness.heartRate80]))
        #expect(msa(answer).code == code)
        #expect(try await harness.deviceReadings(session).count == (code == "AA" ? 1 : 0))
        if code == "AE" {
            #expect(msa(answer).errors == ["204"])
            #expect(try await harness.auditActions().contains("hl7.unknownPatient"))
        }
    }

    @Test("a resend with the same bytes returns the same acknowledgement and stores nothing; audited")
    func resend() async throws {
        let harness = try HL7Harness()
        let session = try await harness.startLidocaine()
        let message = HL7Harness.message(rows: [HL7Harness.heartRate80])
        let first = await harness.receive(message)
        harness.clock.set(HL7Harness.arrival.addingTimeInterval(30))
        let again = await harness.receiver.receive(message, from: HL7Harness.monitor)
        #expect(msa(first).code == "AA")
        #expect(again.framed == first.framed)
        #expect(try await harness.deviceReadings(session).count == 1)
        #expect(try await harness.messageRows() == 1)
        #expect(try await harness.auditActions().contains("hl7.resend"))
    }

    @Test("the same key with different content is AE 205, audited, and changes nothing")
    func duplicateKey() async throws {
        let harness = try HL7Harness()
        let session = try await harness.startLidocaine()
        #expect(msa(await harness.receive(HL7Harness.message(rows: [HL7Harness.heartRate80]))).code == "AA")
        let other = await harness.receive(HL7Harness.message(rows: [HL7Harness.spo2(88)]))
        #expect(msa(other).code == "AE")
        #expect(msa(other).errors.contains("205"))
        #expect(try await harness.deviceReadings(session).count == 1)
        #expect(try await harness.auditActions().contains("hl7.duplicateKey"))
        // Another sender may use the same MSH-10: the key is (MSH-3, MSH-4, MSH-10).
        let harness2 = try HL7Harness(senders: [HL7SenderConfiguration(application: "*", facility: "*", from: ["10.0.0.0/8"], station: "gw")])
        _ = try await harness2.startLidocaine()
        #expect(msa(await harness2.receive(HL7Harness.message(rows: [HL7Harness.heartRate80]))).code == "AA")
        #expect(msa(await harness2.receive(HL7Harness.message(application: "OTHER", rows: [HL7Harness.heartRate80]))).code == "AA")
    }

    @Test("no acknowledgement before the commit: a reading that cannot be stored is answered AR 207, and the resend stores it once")
    func acknowledgementAfterCommit() async throws {
        let harness = try HL7Harness()
        let session = try await harness.startLidocaine()
        let message = HL7Harness.message(rows: [HL7Harness.heartRate80])
        try await harness.state.store.database.writer.write { db in
            try db.execute(sql: "CREATE TEMP TRIGGER refuse_events BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk gone'); END")
        }
        let refused = await harness.receive(message)
        #expect(msa(refused).code == "AR")
        #expect(msa(refused).errors == ["207"])
        #expect(try await harness.deviceReadings(session).isEmpty)
        // The message, its readings and its answer are one transaction: nothing of the refused attempt stays.
        #expect(try await harness.messageRows() == 0)
        try await harness.state.store.database.writer.write { db in try db.execute(sql: "DROP TRIGGER refuse_events") }
        // The resend is a first receipt, stored once.
        harness.clock.set(HL7Harness.arrival.addingTimeInterval(45))
        let taken = await harness.receiver.receive(message, from: HL7Harness.monitor)
        #expect(msa(taken).code == "AA")
        let readings = try await harness.deviceReadings(session)
        #expect(readings.count == 1)
        #expect(readings.first?.device?.receivedAt == HL7Harness.arrival.addingTimeInterval(45))
        #expect(try await harness.messageRows() == 1)
    }

    @Test("a message stored on arrival but never answered (as an earlier version kept it) is taken with its first receipt time, once")
    func storedNeverAnswered() async throws {
        let harness = try HL7Harness()
        let session = try await harness.startLidocaine()
        let message = HL7Harness.message(rows: [HL7Harness.heartRate80])
        let sha = SHA256.hash(data: message).map { String(format: "%02x", $0) }.joined()
        let firstReceipt = HL7Harness.arrival.addingTimeInterval(-30)
        try await harness.state.store.database.writer.write { db in
            try db.execute(sql: """
                INSERT INTO hl7_messages (sending_application, sending_facility, control_id, sha256, raw_text, message_type, station,
                                          peer, received_at, status)
                VALUES ('MONGW^0123456789ABCDEF^EUI-64', 'ICU', 'MSG0001', ?, 'x', 'ORU^R01', 'icu-monitor-gw', 'unix', ?, 'received')
                """, arguments: [sha, WireJSON.formatTimestamp(firstReceipt)])
        }
        #expect(msa(await harness.receive(message)).code == "AA")
        let readings = try await harness.deviceReadings(session)
        #expect(readings.count == 1)
        #expect(readings.first?.device?.receivedAt == firstReceipt)
        #expect(try await harness.messageRows() == 1)
    }

    @Test("a VT alarm (ORU^R40) becomes a monitor rhythm reading that stops the lidocaine infusion; its end resolves nothing")
    func ventricularTachycardiaAlarm() async throws {
        let harness = try HL7Harness()
        let session = try await harness.startLidocaine()
        let answer = await harness.receive(HL7Harness.ventricularTachycardia())
        #expect(msa(answer).code == "AA")
        let readings = try await harness.deviceReadings(session)
        #expect(readings.first?.vitals?.rhythm == .ventricularTachycardia)
        let detail = try await harness.state.store.sessionDetail(id: session.id, ruleSet: nil, now: nil)
        #expect(detail.session.state == .stopped)
        let alerts = try await harness.state.store.alerts(state: nil, sessionId: session.id)
        #expect(alerts.contains { $0.priority == .high })
        let ended = await harness.receive(HL7Harness.ventricularTachycardia(controlId: "ALM0002", phase: "end"))
        #expect(msa(ended).code == "AA")
        #expect(try await harness.deviceReadings(session).count == 1)
        #expect(try await harness.state.store.alerts(state: nil, sessionId: session.id).count == alerts.count)
    }

    @Test("a single low SpO2 from the monitor raises and asks for a repeat; it does not pause at once")
    func singleLowSpO2Waits() async throws {
        let harness = try HL7Harness()
        let session = try await harness.startLidocaine()
        #expect(msa(await harness.receive(HL7Harness.message(rows: [HL7Harness.spo2(88)]))).code == "AA")
        let detail = try await harness.state.store.sessionDetail(id: session.id, ruleSet: nil, now: nil)
        #expect(detail.session.state == .running)
    }

    @Test("event ids are name-based on the key, the reading and the session: the same inputs, the same id; version 5")
    func eventIds() throws {
        let session = UUID()
        let a = HL7Receiver.readingEventId(sendingApplication: "A", sendingFacility: "F", controlId: "1", tag: "obs-0", session: session)
        #expect(a == HL7Receiver.readingEventId(sendingApplication: "A", sendingFacility: "F", controlId: "1", tag: "obs-0", session: session))
        #expect(a != HL7Receiver.readingEventId(sendingApplication: "A", sendingFacility: "F", controlId: "1", tag: "obs-1", session: session))
        #expect(a != HL7Receiver.readingEventId(sendingApplication: "A", sendingFacility: "G", controlId: "1", tag: "obs-0", session: session))
        #expect(a.uuidString.dropFirst(14).first == "5")
    }
}

extension HL7ReceiverTests {
    @Test("a reading the session refuses (from before its start) is AE 102 at its OBX, never AR: resending it cannot help")
    func refusedReadingIsContentError() async throws {
        let harness = try HL7Harness()
        let session = try await harness.startLidocaine()
        let answer = await harness.receive(HL7Harness.message(rows: [HL7Harness.heartRate80], time: "20240301090000+0000"))
        #expect(msa(answer).code == "AE")
        #expect(msa(answer).errors == ["102"])
        #expect(answer.text?.contains("ERR||OBX^2|102^") == true)
        #expect(try await harness.deviceReadings(session).isEmpty)
    }
}

extension HL7ReceiverTests {
    @Test("a monitor that falls silent is a stale feed (L21): the device's readings count as its feed")
    func silentMonitorIsStaleFeed() async throws {
        let harness = try HL7Harness()
        let session = try await harness.startLidocaine()
        #expect(msa(await harness.receive(HL7Harness.message(rows: [HL7Harness.heartRate80]))).code == "AA")
        // Ten minutes without a message from 0123456789ABCDEF (L21's default limit is 5 min).
        let later = HL7Harness.arrival.addingTimeInterval(10 * 60)
        harness.clock.set(later)
        let check = try await harness.state.store.recordScheduleCheck(sessionId: session.id, ruleSet: harness.state.ruleSet, now: later)
        #expect(check?.decisions.contains { $0.ruleId == "L21" } == true, "\(String(describing: check?.decisions.map(\.ruleId)))")
    }
}

extension HL7ReceiverTests {
    @Test("metrics count by type and code; an invented type is counted as other, so it adds no series")
    func metricLabels() async throws {
        let harness = try HL7Harness()
        _ = await harness.receive(HL7Harness.message(type: "ZZZ^Q99^ZZZ", rows: [HL7Harness.heartRate80]))
        _ = await harness.receive(HL7Harness.message(controlId: "X2", application: "STRANGER", rows: [HL7Harness.heartRate80]))
        let metrics = await harness.state.metrics.render(store: harness.state.store)
        #expect(metrics.contains(#"infusiond_hl7_messages_total{type="other",code="AR"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"infusiond_hl7_messages_total{type="ORU^R01",code="AR"} 1"#))
        #expect(!metrics.contains("ZZZ"))
    }
}
