import Foundation

/// One event whose decisions (or resulting state) came out differently when replayed.
public struct ReplayDifference: Codable, Sendable, Hashable {
    public var sequence: Int64
    public var eventId: UUID
    public var kind: ClinicalEventKind
    /// The rule set the event was replayed with.
    public var ruleSetHash: String?
    /// The decisions stored for the event.
    public var recorded: [Decision]
    /// The decisions the replay reached.
    public var replayed: [Decision]
    /// The session state stored after the event.
    public var recordedState: SessionState?
    /// The session state the replay reached.
    public var replayedState: SessionState?
    /// What differs, in a sentence.
    public var note: String

    public init(
        sequence: Int64, eventId: UUID, kind: ClinicalEventKind, ruleSetHash: String?, recorded: [Decision],
        replayed: [Decision], recordedState: SessionState?, replayedState: SessionState?, note: String
    ) {
        self.sequence = sequence
        self.eventId = eventId
        self.kind = kind
        self.ruleSetHash = ruleSetHash
        self.recorded = recorded
        self.replayed = replayed
        self.recordedState = recordedState
        self.replayedState = replayedState
        self.note = note
    }
}

/// `POST /v1/sessions/{id}/replay`: the session's stored events run through the engine again with the rules that
/// were in force, and every decision that would now differ.
public struct ReplayReport: Codable, Sendable, Hashable {
    public var sessionId: UUID
    /// How many events were replayed.
    public var eventsReplayed: Int
    /// How many stored decisions were compared.
    public var decisionsCompared: Int
    /// The rule sets the events were replayed with, in first-use order.
    public var ruleSetHashes: [String]
    /// Every event that came out differently; empty when the replay reproduced the record.
    public var differences: [ReplayDifference]

    /// Whether the replay reproduced every decision and state.
    public var identical: Bool { differences.isEmpty }

    public init(sessionId: UUID, eventsReplayed: Int, decisionsCompared: Int, ruleSetHashes: [String], differences: [ReplayDifference]) {
        self.sessionId = sessionId
        self.eventsReplayed = eventsReplayed
        self.decisionsCompared = decisionsCompared
        self.ruleSetHashes = ruleSetHashes
        self.differences = differences
    }

    enum CodingKeys: String, CodingKey {
        case sessionId, eventsReplayed, decisionsCompared, ruleSetHashes, differences, identical
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            sessionId: try container.decode(UUID.self, forKey: .sessionId),
            eventsReplayed: try container.decode(Int.self, forKey: .eventsReplayed),
            decisionsCompared: try container.decode(Int.self, forKey: .decisionsCompared),
            ruleSetHashes: try container.decode([String].self, forKey: .ruleSetHashes),
            differences: try container.decode([ReplayDifference].self, forKey: .differences))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sessionId, forKey: .sessionId)
        try container.encode(eventsReplayed, forKey: .eventsReplayed)
        try container.encode(decisionsCompared, forKey: .decisionsCompared)
        try container.encode(ruleSetHashes, forKey: .ruleSetHashes)
        try container.encode(differences, forKey: .differences)
        try container.encode(identical, forKey: .identical)
    }
}
