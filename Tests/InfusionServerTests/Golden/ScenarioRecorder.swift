import Foundation
import InfusionCore
import InfusionServer
import InfusionStore
import Logging

/// Runs a ``Scenario`` against the engine's public surface (the store's clinical calls, the three timers' `tick()`,
/// the audit trail, replay) on a fresh in-memory database and a fake clock, and writes down what came back as a
/// normalised transcript: session and daemon-made event UUIDs become ordinal names (`session-1`, `event-7`), alert
/// ids become `session-1.L20.1` (session, rule, n-th alert of that rule), the rule-set hash becomes `ruleSetHash`,
/// and refusals keep only their code and field.
final class ScenarioRecorder {
    /// The shipped profiles, loaded once for every scenario.
    static let shippedRuleSet = Result { try ProfileLoader.load(directory: nil) }

    private let scenario: Scenario
    private let ruleSet: RuleSet
    private let clock: AlertTimerTests.TestClock
    private let state: ServerState
    private let clinicalClock: ClinicalClockTimer
    private let scheduleTimer: ScheduleTimer
    private let escalationTimer: EscalationTimer

    private var names: TranscriptNames
    private var slots: [Int: UUID] = [:]
    private var lastObservation: [Int: ObservationRequest] = [:]
    private var auditSeq: Int64 = 0
    private var steps: [JSONValue] = []

    private static let logger = Logger(label: "golden") { _ in SwiftLogNoOpLogHandler() }

    init(_ scenario: Scenario) throws {
        self.scenario = scenario
        ruleSet = try Self.shippedRuleSet.get()
        clock = AlertTimerTests.TestClock(GoldenClock.start)
        let clock = clock
        state = ServerState(store: ClinicalStore(database: try ClinicalDatabase()), ruleSet: ruleSet, version: "golden",
                            clock: { clock.read() })
        // The intervals are never used: the scenario calls tick() itself.
        clinicalClock = ClinicalClockTimer(state: state, interval: .seconds(1), logger: Self.logger)
        scheduleTimer = ScheduleTimer(state: state, interval: .seconds(1), logger: Self.logger)
        escalationTimer = EscalationTimer(state: state, interval: .seconds(1), logger: Self.logger)
        names = TranscriptNames(ruleSetHash: ruleSet.hash)
    }

    /// Runs every step and returns the scenario's transcript.
    static func record(_ scenario: Scenario) async throws -> JSONValue {
        let recorder = try ScenarioRecorder(scenario)
        return try await recorder.run()
    }

    private var store: ClinicalStore { state.store }
    private var now: Date { clock.read() }

    private func run() async throws -> JSONValue {
        // Whatever the daemon writes before the first step (nothing today) is not part of any step.
        auditSeq = try await store.auditPage(after: 0, limit: 10_000).records.last?.record.seq ?? 0
        for (number, step) in scenario.steps.enumerated() {
            var entry = try await perform(step)
            entry["n"] = .number(Double(number + 1))
            if case .wait = step {} else {
                let audit = try await newAudit(sortedBySession: false)
                if !audit.isEmpty { entry["audit"] = .array(audit) }
            }
            steps.append(normalise(.object(entry)))
        }
        let final = try await finalState()
        return .object([
            "scenario": .number(Double(scenario.index)),
            "seed": .string(String(format: "0x%016llX", scenario.seed)),
            "steps": .array(steps),
            "final": normalise(final),
        ])
    }

    // MARK: Steps

    private func perform(_ step: ScenarioStep) async throws -> [String: JSONValue] {
        var entry: [String: JSONValue] = ["t": .string(offset(now))]
        switch step {
        case .start(let slot, let request):
            entry["step"] = "start"
            entry["session"] = .string(TranscriptNames.sessionName(slot: slot))
            entry["input"] = try compact(request)
            do {
                let session = try await store.startSession(request, ruleSet: ruleSet, actor: actor(request.recordedBy, "nurse"), now: now)
                slots[slot] = session.id
                names.registerSession(session.id, slot: slot)
                let events = try await store.events(sessionId: session.id)
                entry["result"] = .object([
                    "state": .string(session.state.rawValue),
                    "dosingWeightKg": .number(session.dosingWeightKg),
                    "doses": try json(session.doses),
                    "decisions": .array(try events.decisions.map { try line($0.decision) }),
                    "alerts": .array(try await store.alerts(state: nil, sessionId: session.id).map(alertSummary)),
                ])
            } catch {
                entry["refused"] = Self.refusal(error)
            }
        case .observe(let slot, let request, let ago):
            entry["step"] = "observe"
            var request = request
            request.observedAt = now.addingTimeInterval(-ago)
            lastObservation[slot] = request
            try await observe(slot: slot, request: request, into: &entry)
        case .retryObservation(let slot):
            entry["step"] = "retryObservation"
            guard let request = lastObservation[slot] else {
                entry["skipped"] = "no observation to retry"
                entry["session"] = .string(TranscriptNames.sessionName(slot: slot))
                return entry
            }
            try await observe(slot: slot, request: request, into: &entry)
        case .act(let slot, let request):
            entry["step"] = "act"
            entry["session"] = .string(TranscriptNames.sessionName(slot: slot))
            entry["input"] = try compact(request)
            guard let id = slots[slot] else {
                entry["skipped"] = "session not started"
                return entry
            }
            do {
                let (response, replayed) = try await store.recordAction(
                    sessionId: id, request: request, ruleSet: ruleSet, actor: actor(request.by, "clinician"), now: now)
                entry["result"] = try responseSummary(response, replayed: replayed)
            } catch {
                entry["refused"] = Self.refusal(error)
            }
        case .acknowledge(let pick, let again, let request):
            entry["step"] = again ? "acknowledgeAgain" : "acknowledge"
            entry["input"] = try compact(request)
            let candidates = again
                ? try await store.alerts(state: .acknowledged, sessionId: nil) + store.alerts(state: .resolved, sessionId: nil)
                : try await store.alerts(state: .active, sessionId: nil)
            let named = candidates.map { (name: names.alert($0.id, session: $0.sessionId, rule: $0.ruleId), alert: $0) }
                .sorted { $0.name < $1.name }
            guard !named.isEmpty else {
                entry["skipped"] = again ? "no alert acknowledged or resolved yet" : "no active alert"
                return entry
            }
            let target = named[pick % named.count]
            entry["alert"] = .string(target.name)
            do {
                let alert = try await store.acknowledge(alertId: target.alert.id, request: request, actor: actor(request.by, "nurse"), now: now)
                entry["result"] = alertSummary(alert)
            } catch {
                entry["refused"] = Self.refusal(error)
            }
        case .wait(let seconds, let tickEvery):
            entry["step"] = "wait"
            entry["input"] = .string("\(Int(seconds)) s, ticks every \(Int(tickEvery)) s")
            let end = now.addingTimeInterval(seconds)
            var ticks: [JSONValue] = []
            while now < end {
                clock.set(min(now.addingTimeInterval(tickEvery), end))
                if let tick = try await tick() { ticks.append(tick) }
            }
            if !ticks.isEmpty { entry["ticks"] = .array(ticks) }
        }
        return entry
    }

    private func observe(slot: Int, request: ObservationRequest, into entry: inout [String: JSONValue]) async throws {
        entry["session"] = .string(TranscriptNames.sessionName(slot: slot))
        entry["input"] = try compact(request)
        guard let id = slots[slot] else {
            entry["skipped"] = "session not started"
            return
        }
        do {
            let (response, replayed) = try await store.recordObservation(
                sessionId: id, request: request, ruleSet: ruleSet, actor: actor(request.recordedBy, "nurse"), now: now)
            entry["result"] = try responseSummary(response, replayed: replayed)
        } catch {
            entry["refused"] = Self.refusal(error)
        }
    }

    /// The three timers once, in the daemon's order of concern; nil when none did anything.
    private func tick() async throws -> JSONValue? {
        var entry: [String: JSONValue] = [:]
        let clockEvents = await clinicalClock.tick()
        if !clockEvents.isEmpty { entry["clinicalClock"] = .array(try sortedBySession(clockEvents).map { try responseSummary($0, replayed: false) }) }
        let scheduleEvents = await scheduleTimer.tick()
        if !scheduleEvents.isEmpty { entry["schedule"] = .array(try sortedBySession(scheduleEvents).map { try responseSummary($0, replayed: false) }) }
        let escalated = await escalationTimer.tick()
        if !escalated.isEmpty {
            entry["escalation"] = .array(escalated.map(alertSummary).sorted { ($0.stringValue ?? "") < ($1.stringValue ?? "") })
        }
        let audit = try await newAudit(sortedBySession: true)
        if !audit.isEmpty { entry["audit"] = .array(audit) }
        guard !entry.isEmpty else { return nil }
        entry["t"] = .string(offset(now))
        return .object(entry)
    }

    /// The timers visit sessions in an order of their own (a dictionary's), which is no part of the behaviour:
    /// their answers are put in session order.
    private func sortedBySession(_ responses: [EventResponse]) -> [EventResponse] {
        responses.enumerated().sorted { lhs, rhs in
            let left = names.sessionName(lhs.element.session.id), right = names.sessionName(rhs.element.session.id)
            return left == right ? lhs.offset < rhs.offset : left < right
        }.map(\.element)
    }

    // MARK: Summaries

    private func responseSummary(_ response: EventResponse, replayed: Bool) throws -> JSONValue {
        var summary: [String: JSONValue] = [
            "event": .string(response.event.id.uuidString),
            "sequence": .number(Double(response.event.sequence)),
            "kind": .string(response.event.kind.rawValue),
            "decisions": .array(try response.decisions.map(line)),
            "state": .string(response.session.state.rawValue),
            "alerts": .array(response.alerts.map(alertSummary)),
        ]
        summary["session"] = .string(response.session.id.uuidString)
        if replayed { summary["replayed"] = true }
        return .object(summary)
    }

    /// An alert on one line: `session-1.L20.1 low active escalationLevel=0` (the name carries session and rule),
    /// `latched` when it is.
    private func alertSummary(_ alert: Alert) -> JSONValue {
        let name = names.alert(alert.id, session: alert.sessionId, rule: alert.ruleId)
        return .string("\(name) \(alert.priority.rawValue) \(alert.state.rawValue)\(alert.latched ? " latched" : "") escalationLevel=\(alert.escalationLevel)")
    }

    /// The audit records appended since the last look: action, outcome, actor, entity and detail (not the seq, time
    /// or hashes, which follow from the order). A timer tick's records are put in session order, as its answers are.
    private func newAudit(sortedBySession: Bool) async throws -> [JSONValue] {
        let records = try await store.auditPage(after: auditSeq, limit: 10_000).records.map(\.record)
        auditSeq = records.last?.seq ?? auditSeq
        var entries: [(session: String, record: JSONValue)] = []
        for record in records {
            var entity: [String: JSONValue] = [:]
            var session = ""
            if let value = record.entity {
                entity["type"] = .string(value.type)
                if value.type == "alert", let id = value.id.flatMap(Int64.init),
                   let sessionText = record.detail.field("sessionId"), let sessionId = UUID(uuidString: sessionText),
                   let rule = record.detail.field("ruleId") {
                    entity["id"] = .string(names.alert(id, session: sessionId, rule: rule))
                    session = names.sessionName(sessionId)
                } else {
                    entity["id"] = value.id.map(JSONValue.string) ?? .null
                    if value.type == "session", let id = value.id.flatMap(UUID.init(uuidString:)) { session = names.sessionName(id) }
                }
            }
            let entityText = "\(entity["type"]?.stringValue ?? "-"):\(entity["id"]?.stringValue ?? "-")"
            var detail = try oneLine(record.detail)
            if record.entity?.type == "alert", case .object(var fields) = record.detail,
               let priority = fields["priority"]?.stringValue, let state = fields["state"]?.stringValue,
               case .bool(let latched) = fields["latched"], let level = fields["escalationLevel"]?.numberValue {
                // Like an alert summary; session and rule are in the alert's name; any other field follows as JSON.
                for key in ["sessionId", "ruleId", "priority", "state", "latched", "escalationLevel"] { fields[key] = nil }
                let note = fields.removeValue(forKey: "note") ?? .null
                detail = "\(priority) \(state)\(latched ? " latched" : "") escalationLevel=\(Int(level)) note=\(try oneLine(note))"
                if !fields.isEmpty { detail += " " + (try oneLine(.object(fields))) }
            } else if record.action == "decision.record" {
                // The decision itself is in the step's result; here its rule and a fingerprint of the whole record.
                detail = "\(record.detail.field("ruleId") ?? "?"):\(record.detail.field("action") ?? "?"):\(record.detail.field("priority") ?? "?") fnv=\(Self.fingerprint(names.peek(detail)))"
            }
            let text = "\(record.action) \(record.outcome) \(record.actor.person ?? "-")/\(record.actor.role ?? "-") \(entityText) " + detail
            entries.append((session, .string(text)))
        }
        if sortedBySession {
            entries = entries.enumerated().sorted { lhs, rhs in
                lhs.element.session == rhs.element.session ? lhs.offset < rhs.offset : lhs.element.session < rhs.element.session
            }.map(\.element)
        }
        return entries.map(\.record)
    }

    // MARK: The end

    private func finalState() async throws -> JSONValue {
        var sessions: [JSONValue] = []
        var alerts: [Alert] = []
        for slot in slots.keys.sorted() {
            guard let id = slots[slot] else { continue }
            let detail = try await store.sessionDetail(id: id, ruleSet: ruleSet, now: now)
            let schedule = try await store.scheduleStatus(sessionId: id, ruleSet: ruleSet, now: now)
            let events = try await store.events(sessionId: id)
            let material = try await store.replayMaterial(sessionId: id)
            let ruleSet = ruleSet
            let replay = SessionReplay.replay(session: material.session, events: material.events) { _ in ruleSet }
            var byEvent: [UUID: [String]] = [:]
            for stored in events.decisions {
                let decision = stored.decision
                byEvent[stored.eventId, default: []].append("\(decision.ruleId):\(decision.action.rawValue):\(decision.priority.rawValue)")
            }
            sessions.append(.object([
                "session": .string(TranscriptNames.sessionName(slot: slot)),
                "document": try json(detail.session),
                "openAlerts": .array(detail.openAlerts.map(alertSummary)),
                "delivered": try detail.delivered.map(json) ?? .null,
                "prediction": try detail.prediction.map(json) ?? .null,
                "schedule": try detail.schedule.map(json) ?? .null,
                // The same status twice, from two calls; written once unless they disagree.
                "scheduleStatus": detail.schedule == schedule ? "same as schedule" : try json(schedule),
                "events": .array(events.events.map { event in
                    .string("\(event.sequence) \(event.kind.rawValue) \(event.id.uuidString) at \(offset(event.occurredAt)) recorded \(offset(event.recordedAt)) by \(event.recordedBy) [\((byEvent[event.id] ?? []).joined(separator: ", "))]")
                }),
                "replay": .object([
                    "eventsReplayed": .number(Double(replay.eventsReplayed)),
                    "decisionsCompared": .number(Double(replay.decisionsCompared)),
                    "identical": .bool(replay.identical),
                    "differences": try json(replay.differences),
                ]),
            ]))
            for state in AlertState.allCases {
                alerts += try await store.alerts(state: state, sessionId: id)
            }
        }
        let allAlerts = alerts.map(alertSummary).sorted { ($0.stringValue ?? "") < ($1.stringValue ?? "") }
        return .object(["t": .string(offset(now)), "sessions": .array(sessions), "alerts": .array(allAlerts)])
    }

    // MARK: Helpers

    /// The one place that turns a refusal into the transcript: its stable `code` and `field`, never the HTTP status
    /// or the wording, so the golden files survive a change of error type and of message text.
    static func refusal(_ error: any Error) -> JSONValue {
        switch error {
        case let domain as DomainError:
            return .object(["code": .string(domain.code), "field": domain.field.map(JSONValue.string) ?? .null])
        case let problem as Problem:
            return .object(["code": .string(problem.code), "field": problem.field.map(JSONValue.string) ?? .null])
        case is RequestValidation.ObservationBeforeStart:
            return .object(["code": "observation.beforeStart", "field": "observedAt"])
        default:
            return .object(["code": .string("unexpected \(type(of: error))"), "field": .null])
        }
    }

    /// FNV-1a, 64 bits, in hex: a short stand-in for a long text that still changes when any byte does.
    static func fingerprint(_ text: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return String(format: "%016llx", hash)
    }

    private func actor(_ person: String, _ role: String) -> AuditActor { AuditActor(person: person, role: role) }

    private func json(_ value: some Encodable) throws -> JSONValue {
        try WireJSON.decoder().decode(JSONValue.self, from: WireJSON.encode(value))
    }

    /// A request as one line of sorted JSON, so a step's input reads at a glance.
    private func compact(_ value: some Encodable) throws -> JSONValue {
        .string(try oneLine(try json(value)))
    }

    /// A decision as one line of sorted JSON: rule, action, priority, reason, inputs, thresholds, guidance.
    private func line(_ decision: Decision) throws -> JSONValue { .string(try oneLine(try json(decision))) }

    /// Sorted JSON on one line (UUIDs are replaced later, with the rest of the step).
    private func oneLine(_ value: JSONValue) throws -> String { String(decoding: try WireJSON.encode(value), as: UTF8.self) }

    private func offset(_ date: Date) -> String { Self.offset(date) }

    /// Time since the scenario's start, `+h:mm:ss` (with milliseconds when there are any).
    static func offset(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince(GoldenClock.start) * 1000).rounded())
        let sign = milliseconds < 0 ? "-" : "+"
        let total = abs(milliseconds)
        let text = String(format: "%@%d:%02d:%02d", sign, Int(total / 3_600_000), Int(total / 60_000 % 60), Int(total / 1000 % 60))
        return total % 1000 == 0 ? text : text + String(format: ".%03d", Int(total % 1000))
    }

    private func normalise(_ value: JSONValue) -> JSONValue { names.normalise(value) }
}

/// The ordinal names a transcript uses for what differs from run to run.
struct TranscriptNames {
    let ruleSetHash: String
    private var sessions: [String: String] = [:]
    private var events: [String: String] = [:]
    private var alerts: [Int64: String] = [:]
    private var alertCounts: [String: Int] = [:]

    init(ruleSetHash: String) { self.ruleSetHash = ruleSetHash }

    static func sessionName(slot: Int) -> String { "session-\(slot + 1)" }

    mutating func registerSession(_ id: UUID, slot: Int) { sessions[id.uuidString] = Self.sessionName(slot: slot) }

    func sessionName(_ id: UUID) -> String { sessions[id.uuidString] ?? "session-?" }

    /// `session-1.L20.2`: the second L20 alert of session 1, whatever its database id.
    mutating func alert(_ id: Int64, session: UUID, rule: String) -> String {
        if let name = alerts[id] { return name }
        let key = "\(sessionName(session)).\(rule)"
        let count = (alertCounts[key] ?? 0) + 1
        alertCounts[key] = count
        let name = "\(key).\(count)"
        alerts[id] = name
        return name
    }

    /// Replaces every UUID in every string (sessions by slot, anything else `event-n` in order of first sight, keys
    /// visited in sorted order) and the rule-set hash.
    mutating func normalise(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(normalise(text))
        case .array(let items): return .array(items.map { normalise($0) })
        case .object(let object):
            var result: [String: JSONValue] = [:]
            for key in object.keys.sorted() { result[key] = normalise(object[key] ?? .null) }
            return .object(result)
        default: return value
        }
    }

    /// A text with its known UUIDs named and any other as `uuid`, naming nothing new: for fingerprints taken
    /// before the step is normalised, while a timer's records are still in the order the timer made them.
    func peek(_ text: String) -> String {
        var copy = self
        copy.events = [:]
        copy.sessions = sessions.merging(events) { session, _ in session }
        copy.naming = false
        return copy.normalise(text)
    }

    /// Whether unknown UUIDs get new names (false: they become `uuid`).
    private var naming = true

    private mutating func normalise(_ text: String) -> String {
        var text = text
        if text.utf8.count >= ruleSetHash.utf8.count, text.contains(ruleSetHash) {
            text = text.replacingOccurrences(of: ruleSetHash, with: "ruleSetHash")
        }
        text = Self.timesAsOffsets(text)
        let bytes = Array(text.utf8)
        guard bytes.count >= 36 else { return text }
        var output: [UInt8] = []
        var copied = 0
        var start = 0
        while start + 36 <= bytes.count {
            guard Self.isUUID(bytes, at: start) else {
                start += 1
                continue
            }
            output += bytes[copied..<start]
            let id = String(decoding: bytes[start..<(start + 36)], as: UTF8.self).uppercased()
            let name: String
            if let known = sessions[id] ?? events[id] {
                name = known
            } else if !naming {
                name = "uuid"
            } else {
                name = "event-\(events.count + 1)"
                events[id] = name
            }
            output += Array(name.utf8)
            start += 36
            copied = start
        }
        guard copied > 0 else { return text }
        output += bytes[copied...]
        return String(decoding: output, as: UTF8.self)
    }

    /// Every RFC 3339 time the API writes (`2026-11-18T11:16:40.000Z`) as `@+0:20:00`, its offset from the
    /// scenario's start: shorter, and what a reader wants to compare.
    private static func timesAsOffsets(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count >= 24 else { return text }
        var output: [UInt8] = []
        var copied = 0
        var start = 0
        while start + 24 <= bytes.count {
            guard bytes[start + 10] == UInt8(ascii: "T"), bytes[start + 23] == UInt8(ascii: "Z"), bytes[start + 4] == UInt8(ascii: "-"),
                  let date = WireJSON.parseTimestamp(String(decoding: bytes[start..<(start + 24)], as: UTF8.self)) else {
                start += 1
                continue
            }
            output += bytes[copied..<start]
            output += Array("@\(ScenarioRecorder.offset(date))".utf8)
            start += 24
            copied = start
        }
        guard copied > 0 else { return text }
        output += bytes[copied...]
        return String(decoding: output, as: UTF8.self)
    }

    private static func isHex(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...70).contains(byte) || (97...102).contains(byte)
    }

    /// Whether a UUID's 36 characters (8-4-4-4-12 hex digits) start at `start`.
    private static func isUUID(_ bytes: [UInt8], at start: Int) -> Bool {
        let dash = UInt8(ascii: "-")
        guard bytes[start + 8] == dash, bytes[start + 13] == dash, bytes[start + 18] == dash, bytes[start + 23] == dash else {
            return false
        }
        for offset in 0..<36 where offset != 8 && offset != 13 && offset != 18 && offset != 23 {
            if !isHex(bytes[start + offset]) { return false }
        }
        return true
    }
}

extension JSONValue {
    /// A string field of an object.
    func field(_ key: String) -> String? {
        if case .object(let object) = self { return object[key]?.stringValue }
        return nil
    }
}
