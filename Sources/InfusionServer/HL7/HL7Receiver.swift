import Crypto
import Foundation
import InfusionCore
import InfusionHL7
import InfusionStore
import Logging

/// What the listener writes back for one frame: the acknowledgement's MSA-1 and its MLLP-framed bytes (nil when
/// the sender's MSH-15/MSH-16 ask for no acknowledgement in this case).
public struct HL7Answer: Sendable, Hashable {
    /// MSA-1, or `none`.
    public var code: String
    /// The framed acknowledgement, to go out in one write.
    public var framed: [UInt8]?
    /// The acknowledgement's text (CR-ended segments), for tests and logs.
    public var text: String?
}

/// Takes one HL7 message from an MLLP frame to its acknowledgement: the allow-list, the received-message table
/// (exactly once per key), the mapping, the binding to the patient's open sessions, one durable device reading per
/// observation set and session, and only then the acknowledgement (docs/HL7.md). The network side
/// (``HL7Listener``) only moves bytes.
public final class HL7Receiver: Sendable {
    let state: ServerState
    let senders: HL7SenderList
    let responder: HL7Responder
    /// The limit the framer enforces, named in the oversize refusal.
    public let maxMessageBytes: Int
    let logger: Logger

    public init(configuration: HL7Configuration, state: ServerState, logger: Logger) {
        self.state = state
        self.senders = HL7SenderList(configuration.senders ?? [])
        self.responder = HL7Responder(application: configuration.resolvedApplication, facility: configuration.facility ?? "")
        self.maxMessageBytes = configuration.resolvedMaxMessageBytes
        self.logger = logger
    }

    // MARK: A message

    /// Answers one message (the bytes between the framing) from `peer`. Returns only after everything the answer
    /// confirms has committed.
    public func receive(_ bytes: [UInt8], from peer: HL7Peer) async -> HL7Answer {
        let now = state.clock()
        let sha = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        guard let (header, delimiters) = HL7Parser.partialHeader(bytes) else {
            let result = PCDIntake.read(bytes, options: PCDReader.Options(receivedAt: now))
            let ack = result.acknowledgement(responder: responder, controlId: Self.controlId(seed: sha), at: now)
            await audit("hl7.refuse", outcome: "refused", actor: Self.anonymous(peer), entityId: nil, detail: [
                "peer": .string(peer.description), "bytes": .number(Double(bytes.count)), "sha256": .string(sha),
                "reason": .string(Self.describe(result)),
            ], now: now)
            return answered(type: "unreadable", ack)
        }
        let type = "\(header.messageType)^\(header.triggerEvent)"
        let application = header.sendingApplication[component: 1]
        let facility = header.sendingFacility[component: 1]
        let key = PCDMessageKey(sendingApplication: header.sendingApplication.encoded(with: .standard),
                                sendingFacility: header.sendingFacility.encoded(with: .standard), controlId: header.controlId)
        let entityId = "\(key.sendingApplication)|\(key.sendingFacility)|\(key.controlId)"
        let characterSet = HL7CharacterSet(msh18: header.characterSet) ?? .ascii
        guard let sender = senders.match(application: application, facility: facility, peer: peer) else {
            let problem = HL7Problem(.applicationInternalError, at: HL7Location(segment: "MSH", field: 3),
                                     "Sender '\(application)' of facility '\(facility)' from \(peer) is not on this receiver's allow-list (hl7.senders); nothing was processed.")
            let ack = HL7Acknowledgement.build(header: header, delimiters: delimiters, characterSet: characterSet,
                                               outcome: HL7Outcome(.rejected, problems: [problem]), responder: responder,
                                               controlId: Self.controlId(seed: sha), at: now)
            await audit("hl7.unknownSender", outcome: "refused", actor: Self.anonymous(peer), entityId: entityId, detail: [
                "peer": .string(peer.description), "sendingApplication": .string(key.sendingApplication),
                "sendingFacility": .string(key.sendingFacility), "controlId": .string(key.controlId), "messageType": .string(type),
                "bytes": .number(Double(bytes.count)), "sha256": .string(sha),
            ], now: now)
            return answered(type: type, ack)
        }
        let station = sender.configuration.station
        let actor = AuditActor(person: station, role: Role.station.rawValue, via: "hl7")
        func options(_ receivedAt: Date) -> PCDReader.Options {
            PCDReader.Options(timeZone: sender.timeZone, acceptedProcessingIds: ["P"], receivedAt: receivedAt)
        }
        guard !key.controlId.isEmpty else {
            // No key, so nothing to keep it under: the parser refuses it (MSH-10 is required) and it is audited.
            let result = PCDIntake.read(bytes, options: options(now))
            let ack = result.acknowledgement(responder: responder, controlId: Self.controlId(seed: sha), at: now)
            await audit("hl7.refuse", outcome: "refused", actor: actor, entityId: entityId, detail: [
                "peer": .string(peer.description), "sha256": .string(sha), "reason": .string(Self.describe(result)),
            ], now: now)
            return answered(type: type, ack)
        }
        let rawText = characterSet.decode(bytes) ?? HL7CharacterSet.latin1.decode(bytes) ?? String(decoding: bytes, as: UTF8.self)
        let previous: ReceivedDeviceMessage?
        do {
            previous = try await state.store.receivedDeviceMessage(
                sendingApplication: key.sendingApplication, sendingFacility: key.sendingFacility, controlId: key.controlId)
        } catch {
            return internalError(header: header, delimiters: delimiters, characterSet: characterSet, type: type, error: error, now: now)
        }
        if let previous, previous.sha256 != sha || previous.answer != nil {
            return await answerAgain(previous, bytes: bytes, sha: sha, rawText: rawText, type: type, key: key, entityId: entityId,
                                     actor: actor, peer: peer, options: options(now), now: now)
        }
        // New, or (from a version that stored a message before its readings) received and never answered: taken with
        // the first receipt time, so every reading is the same request as before.
        let receivedAt = previous?.receivedAt ?? now
        let arrival = ReceivedDeviceMessage(
            sendingApplication: key.sendingApplication, sendingFacility: key.sendingFacility, controlId: key.controlId, sha256: sha,
            rawText: rawText, messageType: type, station: station, peer: peer.description, receivedAt: receivedAt)
        let result = PCDIntake.read(bytes, options: options(receivedAt))
        var work = Work(actor: actor, station: station, key: key, receivedAt: receivedAt, type: type)
        if case .read(_, let report) = result, report.outcome.disposition != .rejected {
            await work.prepare(report, receiver: self)
        }
        if case .refused = result { work.action = "hl7.refuse" }
        if work.failed {
            return internalError(header: header, delimiters: delimiters, characterSet: characterSet, type: type, error: nil, now: now)
        }
        let requests = work.readings
        let prepared = work
        let responder = responder
        let ackControlId = Self.controlId(seed: entityId)
        let commit: DeviceMessageCommit<HL7Acknowledgement?>
        do {
            commit = try await state.store.recordDeviceMessage(
                arrival, readings: requests.map(\.request), ruleSet: state.ruleSet, actor: actor, now: now
            ) { results in
                var work = prepared
                work.absorb(results, of: requests)
                let ack = result.acknowledgement(adding: work.problems, responder: responder, controlId: ackControlId, at: now)
                let code = ack?.code ?? "none"
                var detail = work.detail
                detail["peer"] = .string(peer.description)
                detail["sha256"] = .string(sha)
                detail["messageType"] = .string(type)
                detail["ackCode"] = .string(code)
                detail["problems"] = .array((result.outcome.problems + work.problems).map { .string($0.description) })
                if case .refused(let error) = result { detail["reason"] = .string("\(error)") }
                let closing = DeviceMessageClosing(
                    answer: .init(code: ack?.code, text: ack?.text, characterSet: ack?.characterSet.rawValue), outcome: .object(work.detail),
                    action: work.action, auditOutcome: code.hasSuffix("A") ? "success" : "refused", actor: actor, detail: .object(detail))
                return (closing, ack)
            }
        } catch {
            // Nothing of the message committed: refuse, so the sender resends and it is taken afresh.
            return internalError(header: header, delimiters: delimiters, characterSet: characterSet, type: type, error: error, now: now)
        }
        switch commit {
        case .answered(let ack):
            return answered(type: type, ack)
        case .alreadyStored(let stored):
            // Another connection's copy of the same key committed between the look and the transaction.
            return await answerAgain(stored, bytes: bytes, sha: sha, rawText: rawText, type: type, key: key, entityId: entityId,
                                     actor: actor, peer: peer, options: options(now), now: now)
        }
    }

    /// Answers a message whose key is already stored: other bytes under a used key are `AE` 205; the same bytes get
    /// the stored acknowledgement again. Both store nothing and are audited.
    private func answerAgain(
        _ stored: ReceivedDeviceMessage, bytes: [UInt8], sha: String, rawText: String, type: String, key: PCDMessageKey,
        entityId: String, actor: AuditActor, peer: HL7Peer, options: PCDReader.Options, now: Date
    ) async -> HL7Answer {
        guard stored.sha256 == sha, let answer = stored.answer else {
            let result = PCDIntake.read(bytes, options: options)
            let problem = HL7Problem(.duplicateKeyIdentifier, at: HL7Location(segment: "MSH", field: 10),
                                     "Message control id '\(key.controlId)' from this sender was already used for a different message (received \(WireJSON.formatTimestamp(stored.receivedAt))); nothing was stored. Send new content under a new MSH-10.")
            let ack = result.acknowledgement(adding: [problem], responder: responder, controlId: Self.controlId(seed: sha), at: now)
            await audit("hl7.duplicateKey", outcome: "refused", actor: actor, entityId: entityId, detail: [
                "peer": .string(peer.description), "sha256": .string(sha), "storedSha256": .string(stored.sha256),
                "messageType": .string(type), "rawText": .string(rawText),
            ], now: now)
            return answered(type: type, ack)
        }
        await audit("hl7.resend", outcome: "success", actor: actor, entityId: entityId, detail: [
            "peer": .string(peer.description), "sha256": .string(sha), "ackCode": answer.code.map(JSONValue.string) ?? .null,
            "firstReceivedAt": .string(WireJSON.formatTimestamp(stored.receivedAt)),
        ], now: now)
        let framed = answer.text.map { text in
            MLLPFramer.frame((answer.characterSet.flatMap(HL7CharacterSet.init(rawValue:)) ?? .ascii).encode(text))
        }
        state.metrics.hl7MessageAnswered(type: Self.metricType(type), code: answer.code ?? "none")
        return HL7Answer(code: answer.code ?? "none", framed: framed, text: answer.text)
    }

    /// Answers a frame the framer dropped for its size (`AE` 102, or `AR` when its header cannot be read); audited.
    public func oversize(head: [UInt8], length: Int, from peer: HL7Peer) async -> HL7Answer {
        let now = state.clock()
        let ack = PCDIntake.oversizeAcknowledgement(head: head, length: length, limit: maxMessageBytes, responder: responder,
                                                    controlId: Self.controlId(seed: "\(length)-\(now.timeIntervalSince1970)"), at: now)
        await audit("hl7.oversize", outcome: "refused", actor: Self.anonymous(peer), entityId: nil, detail: [
            "peer": .string(peer.description), "bytes": .number(Double(length)), "limit": .number(Double(maxMessageBytes)),
        ], now: now)
        return answered(type: "oversize", ack)
    }

    // MARK: Binding and storing

    /// What one message led to: its binding and readings before the transaction, their results inside it.
    struct Work: Sendable {
        let actor: AuditActor
        let station: String
        let key: PCDMessageKey
        let receivedAt: Date
        let type: String
        var action = "hl7.receive"
        var problems: [HL7Problem] = []
        var events: [JSONValue] = []
        var alarms: [JSONValue] = []
        var sessions: [String] = []
        /// The bed or devices the message was bound by, when not by its patient.
        var binding: [String] = []
        /// The readings to record, one per observation set and bound session, in message order.
        var readings: [Planned] = []
        var failed = false

        /// A reading to record and where in the message it came from.
        struct Planned: Sendable {
            var request: DeviceReadingRequest
            var location: HL7Location?
        }

        var detail: [String: JSONValue] {
            ["sessions": .array(sessions.map(JSONValue.string)), "events": .array(events), "deviceAlarms": .array(alarms),
             "receivedAt": .string(WireJSON.formatTimestamp(receivedAt))]
                .merging(binding.isEmpty ? [:] : ["boundBy": .array(binding.map(JSONValue.string))]) { $1 }
        }

        /// One observation to record on every bound session.
        struct Reading: Sendable {
            var tag: String
            var observedAt: Date
            var vitals: Vitals
            var feedId: String?
            var questionable: Bool
            var label: String
            var location: HL7Location?
        }

        /// Binds the message and plans its readings; stores nothing.
        mutating func prepare(_ report: PCDReport, receiver: HL7Receiver) async {
            var sets: [Reading] = []
            for (index, set) in report.observationSets.enumerated() where set.use != .auditOnly {
                let vitals = set.vitals
                guard vitals != Vitals() else { continue }
                sets.append(Reading(tag: "obs-\(index)", observedAt: set.observedAt, vitals: vitals, feedId: set.feedId,
                                        questionable: set.use == .raiseOnly,
                                        label: "\(type) \(key.controlId)\(set.isCorrection ? " correction" : "")",
                                        location: set.readings.first?.location))
            }
            for alarm in report.alarms {
                let summary: JSONValue = .object([
                    "event": .string(alarm.event.identifier), "text": .string(alarm.text),
                    "rhythm": alarm.rhythm.map { .string($0.rawValue) } ?? .null,
                    "phase": alarm.phase.map { .string("\($0)") } ?? .null, "state": alarm.state.map(JSONValue.string) ?? .null,
                    "priority": alarm.priority.map { .string($0.rawValue) } ?? .null,
                    "actedOn": .bool(alarm.isClinical),
                ])
                alarms.append(summary)
                // An arrhythmia alarm the rules act on is already among the report's readings (a monitor rhythm
                // reading, not at its end); every other alarm is only recorded, here and in the audit record.
            }
            let match: MessageBinding.Match
            do {
                match = try await receiver.bind(report)
            } catch {
                failed = true
                return
            }
            let bound = match.sessions
            switch match {
            case .patient:
                break
            case .place(_, let by):
                binding = by
            case .ambiguous(let patients, let by):
                problems.append(HL7Problem(.unknownKeyIdentifier, at: HL7Location(segment: "PV1", field: 3),
                                           "No open session for the patient this message names, and its \(by.joined(separator: ", ")) \(by.count == 1 ? "is" : "are") bound to sessions of \(patients.count) different patients; nothing was stored. Unbind the monitor from the session it no longer serves."))
                action = "hl7.unknownPatient"
                return
            case .none:
                let ids = report.patient.identifiers.map { $0.assigningAuthority.isEmpty ? $0.id : "\($0.id) (authority \($0.assigningAuthority))" }
                let place = report.patient.bed.map { " or bed \($0.text)" } ?? ""
                problems.append(HL7Problem(.unknownKeyIdentifier, at: HL7Location(segment: "PID", field: 3),
                                           "No open session for patient \(ids.isEmpty ? "(none sent)" : ids.joined(separator: ", "))\(place), and none is bound to its bed or devices; nothing was stored."))
                action = "hl7.unknownPatient"
                return
            }
            sessions = bound.map(\.id.uuidString)
            var deviceIds: [String] = []
            for device in report.devices.map({ DeviceBinding.canonicalDevice($0.feedId) }) where !deviceIds.contains(device) {
                deviceIds.append(device)
            }
            for reading in sets {
                for session in bound {
                    let deviceId = reading.feedId ?? key.sendingApplication
                    var request = ObservationRequest(
                        eventId: HL7Receiver.eventId(key: key, tag: reading.tag, session: session.id), observedAt: reading.observedAt,
                        recordedBy: station, vitals: reading.vitals)
                    request.feedId = deviceId
                    request.device = DeviceProvenance(
                        deviceId: deviceId, receivedAt: receivedAt, questionable: reading.questionable ? true : nil, message: reading.label,
                        sender: "\(key.sendingApplication)|\(key.sendingFacility)", messageControlId: key.controlId, station: station)
                    request.device?.devices = deviceIds.isEmpty ? nil : deviceIds
                    do {
                        readings.append(Planned(request: try DeviceReadingRequest(sessionId: session.id, request: request), location: reading.location))
                    } catch {
                        receiver.logger.error("a device reading could not be encoded", metadata: ["infusion.error": "\(error)"])
                        failed = true
                        return
                    }
                }
            }
        }

        /// Takes the readings' results from the message's transaction: each recorded one is listed, each refused
        /// one becomes the problem the JSON route's refusal would be (a session that cannot take it: 204 at PID-3;
        /// content: 102 at its OBX).
        mutating func absorb(_ results: [DeviceReadingResult], of planned: [Planned]) {
            for (reading, result) in zip(planned, results) {
                let sessionId = reading.request.sessionId.uuidString
                switch result {
                case .recorded(let replayed):
                    events.append(.object(["sessionId": .string(sessionId), "eventId": .string(reading.request.request.eventId.uuidString),
                                           "replayed": .bool(replayed)]))
                case .refused(let error):
                    let problem = Problem.from(error)
                    if problem.status == 404 || problem.status == 409 {
                        problems.append(HL7Problem(.unknownKeyIdentifier, at: HL7Location(segment: "PID", field: 3),
                                                   "Session \(sessionId) did not take the reading: \(problem.detail) (\(problem.code))."))
                    } else {
                        problems.append(HL7Problem(.dataTypeError, at: reading.location, "\(problem.detail) (\(problem.code)); not stored."))
                    }
                }
            }
        }
    }

    /// The open sessions a message binds to (``MessageBinding``): its patient's, looked up by PID-3 id, or else
    /// those bound to its bed or devices.
    func bind(_ report: PCDReport) async throws -> MessageBinding.Match {
        let identifiers = report.patient.identifiers.map {
            MessageBinding.PatientIdentifier(id: $0.id, authority: $0.assigningAuthority, authorityUniversalId: $0.assigningAuthorityUniversalId)
        }
        var candidates: [Session] = []
        for id in Set(identifiers.map(\.id)).sorted() where !id.isEmpty {
            candidates += try await state.store.openSessions(patientId: id)
        }
        let byPatient = MessageBinding.byPatient(identifiers, among: candidates)
        if !byPatient.isEmpty { return .patient(byPatient) }
        return MessageBinding.resolve(identifiers: identifiers, bed: report.patient.bed?.text,
                                      devices: report.devices.map(\.feedId), among: try await state.store.openBoundSessions())
    }

    // MARK: Helpers

    private func answered(type: String, _ ack: HL7Acknowledgement?) -> HL7Answer {
        let code = ack?.code ?? "none"
        state.metrics.hl7MessageAnswered(type: Self.metricType(type), code: code)
        return HL7Answer(code: code, framed: ack?.framed, text: ack?.text)
    }

    private func internalError(
        header: HL7Header, delimiters: HL7Delimiters, characterSet: HL7CharacterSet, type: String, error: (any Error)?, now: Date
    ) -> HL7Answer {
        if let error { logger.error("an HL7 message was not processed", metadata: ["infusion.error": "\(error)"]) }
        let problem = HL7Problem(.applicationInternalError, at: nil, "The receiver could not store the message now; send it again.")
        let ack = HL7Acknowledgement.build(header: header, delimiters: delimiters, characterSet: characterSet,
                                           outcome: HL7Outcome(.rejected, problems: [problem]), responder: responder,
                                           controlId: Self.controlId(seed: "\(header.controlId)-\(now.timeIntervalSince1970)"), at: now)
        return answered(type: type, ack)
    }

    private func audit(_ action: String, outcome: String, actor: AuditActor, entityId: String?, detail: [String: JSONValue], now: Date) async {
        do {
            try await state.store.recordDeviceMessageEvent(action, outcome: outcome, actor: actor, entityId: entityId, detail: .object(detail), now: now)
        } catch {
            logger.error("an HL7 audit record was not written", metadata: ["infusion.error": "\(error)", "infusion.hl7.action": "\(action)"])
        }
    }

    /// The message type as a metric label: the types taken and the receiver's own cases, anything else `other`, so a
    /// sender cannot add series by inventing types.
    static func metricType(_ type: String) -> String {
        ["ORU^R01", "ORU^R40", "unreadable", "oversize"].contains(type) ? type : "other"
    }

        static func anonymous(_ peer: HL7Peer) -> AuditActor {
        AuditActor(person: "hl7:\(peer)", via: "hl7")
    }

    static func describe(_ result: PCDIntake.Result) -> String {
        switch result {
        case .refused(let error): "\(error)"
        case .read(_, let report): report.problems.map(\.description).joined(separator: "; ")
        }
    }

    /// An acknowledgement's MSH-10: 20 characters derived from `seed`, so the answer to a message is the same
    /// whenever it is rebuilt.
    static func controlId(seed: String) -> String {
        "IFD" + Insecure.SHA1.hash(data: Data(seed.utf8)).map { String(format: "%02X", $0) }.joined().prefix(17)
    }

    /// The event id of one reading of a message on one session: a name-based UUID (RFC 9562 version 5, SHA-1) of
    /// the key, the reading's place in the message and the session, so a resend asks for exactly the same events.
    static func eventId(key: PCDMessageKey, tag: String, session: UUID) -> UUID {
        readingEventId(sendingApplication: key.sendingApplication, sendingFacility: key.sendingFacility, controlId: key.controlId,
                       tag: tag, session: session)
    }

    /// ``eventId(key:tag:session:)`` from the key's parts.
    public static func readingEventId(sendingApplication: String, sendingFacility: String, controlId: String, tag: String, session: UUID) -> UUID {
        // The RFC 9562 namespace is this daemon's own, fixed forever: changing it would make every resend new.
        let namespace = UUID(uuidString: "6f1d3c52-2b7e-5a0c-9b1e-49c1d0a7e3f4")!
        var data = withUnsafeBytes(of: namespace.uuid) { Data($0) }
        data.append(contentsOf: Array("\(sendingApplication)\u{1F}\(sendingFacility)\u{1F}\(controlId)\u{1F}\(tag)\u{1F}\(session.uuidString)".utf8))
        var bytes = Array(Insecure.SHA1.hash(data: data).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
