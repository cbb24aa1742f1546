import Foundation

/// What the observation schedule needs to know about a session, folded from its event log in order.
///
/// Built only from stored events, so the live timer, the session view and a replay all see the same history.
public struct ScheduleHistory: Sendable, Hashable {
    /// A bolus and when it ran.
    public struct BolusRun: Sendable, Hashable {
        public var startedAt: Date
        public var duration: TimeInterval

        public init(startedAt: Date, duration: TimeInterval) {
            self.startedAt = startedAt
            self.duration = duration
        }
    }

    public var sessionId: UUID
    public var drug: Drug
    public var startedAt: Date
    /// Every bolus, the start's included.
    public var boluses: [BolusRun] = []
    /// When a bolus was added or the rate raised after the start.
    public var doseIncreases: [Date] = []
    /// When delivery ended for good (end or stop), the first time it did.
    public var deliveryEndedAt: Date?
    /// Whether any observation of the session recorded a symptom (lengthens the post-infusion window).
    public var symptomsSeen = false
    /// The latest `observedAt` of any observation.
    public var lastObservationAt: Date?
    /// The latest `observedAt` of an observation that recorded each symptom (a symptom recheck counts from it).
    public var lastSymptomAt: [Symptom: Date] = [:]
    /// The latest `observedAt` per station feed.
    public var lastObservationByFeed: [String: Date] = [:]
    /// The devices bound to the session (``DeviceBinding``) and when each was bound: L21 watches each from then,
    /// whether or not it has sent anything.
    public var boundDevices: [String: Date] = [:]
    /// Whether the session was closed.
    public var closed = false
    /// The infusion rate in force, to tell a rate increase from a decrease.
    public var currentRateMgPerKgPerHour: Double?

    /// An empty history for a session that started at `startedAt`.
    public init(sessionId: UUID, drug: Drug, startedAt: Date) {
        self.sessionId = sessionId
        self.drug = drug
        self.startedAt = startedAt
    }

    /// Adds one event and the decisions it led to (a rule's stop ends delivery as an ordered stop does).
    public mutating func apply(_ event: ClinicalEvent, decisions: [Decision]) {
        let payload: SessionHistory.Entry.Payload
        switch event.kind {
        case .start: payload = event.decodedBody(StartSessionRequest.self).map { .start($0) } ?? .unread
        case .observation: payload = event.decodedBody(ObservationRequest.self).map { .observation($0) } ?? .unread
        case .action: payload = event.decodedBody(ActionRequest.self).map { .action($0) } ?? .unread
        case .decision, .timer, .system: payload = .unread
        }
        apply(payload, recordedAt: event.recordedAt, occurredAt: event.occurredAt,
              stopped: decisions.contains { $0.action == .stop })
    }

    /// Adds one event from its already decoded body (`.unread` for kinds the schedule does not read or a body that
    /// did not decode); `stopped` when a rule's decision on it stopped the session.
    public mutating func apply(_ payload: SessionHistory.Entry.Payload, recordedAt: Date, occurredAt: Date, stopped: Bool) {
        if stopped, deliveryEndedAt == nil {
            deliveryEndedAt = recordedAt
        }
        switch payload {
        case .start(let request):
            startedAt = occurredAt
            if let bolus = request.bolus {
                boluses.append(BolusRun(startedAt: occurredAt, duration: bolus.durationMin * 60))
            }
            currentRateMgPerKgPerHour = request.infusion?.rateMgPerKgPerHour
            bind(request.binding, at: occurredAt)
        case .observation(let request):
            record(request)
        case .action(let request):
            apply(request, at: occurredAt)
        case .system, .unread:
            break
        }
    }

    /// Adds an accepted observation.
    public mutating func record(_ observation: ObservationRequest) {
        if !(observation.symptoms ?? []).isEmpty { symptomsSeen = true }
        for symptom in observation.symptoms ?? [] {
            lastSymptomAt[symptom] = max(lastSymptomAt[symptom] ?? observation.observedAt, observation.observedAt)
        }
        lastObservationAt = max(lastObservationAt ?? observation.observedAt, observation.observedAt)
        if let feed = observation.feedId {
            lastObservationByFeed[feed] = max(lastObservationByFeed[feed] ?? observation.observedAt, observation.observedAt)
        }
        // A message heard from a bound device counts for it even when its rows name another feed (a gateway's).
        for device in observation.device?.devices ?? [] where boundDevices[device] != nil {
            lastObservationByFeed[device] = max(lastObservationByFeed[device] ?? observation.observedAt, observation.observedAt)
        }
    }

    /// The feeds L21 watches and when each was last heard or, for a bound device not heard since, bound.
    public var watchedFeeds: [String: Date] {
        lastObservationByFeed.merging(boundDevices) { max($0, $1) }
    }

    /// Replaces the bound devices: a device no longer bound is no longer watched; one newly bound is watched from
    /// `time`.
    mutating func bind(_ binding: DeviceBinding?, at time: Date) {
        let devices = binding?.normalized?.deviceIds ?? []
        for gone in boundDevices.keys where !devices.contains(gone) {
            boundDevices[gone] = nil
            lastObservationByFeed[gone] = nil
        }
        for device in devices where boundDevices[device] == nil { boundDevices[device] = time }
    }

    /// Adds an accepted action taken at `time`.
    public mutating func apply(_ action: ActionRequest, at time: Date) {
        switch action.action {
        case .bolus:
            if let bolus = action.bolus {
                boluses.append(BolusRun(startedAt: time, duration: bolus.durationMin * 60))
                doseIncreases.append(time)
            }
        case .rateChange:
            if let rate = action.infusion?.rateMgPerKgPerHour {
                if rate > (currentRateMgPerKgPerHour ?? 0) { doseIncreases.append(time) }
                currentRateMgPerKgPerHour = rate
            }
        case .end, .stop:
            if deliveryEndedAt == nil { deliveryEndedAt = time }
        case .close:
            closed = true
        case .bind:
            bind(action.binding, at: time)
        case .pause, .resume, .pumpStopped:
            break
        }
    }
}

extension ClinicalEvent {
    /// The event's body decoded as a request type, or nil when it is not one.
    public func decodedBody<T: Decodable>(_ type: T.Type) -> T? {
        guard let data = try? WireJSON.encode(body) else { return nil }
        return try? WireJSON.decoder().decode(type, from: data)
    }
}
