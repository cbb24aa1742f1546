import Foundation

/// Who did something: the person named in the request and the peer process on the socket.
public struct AuditActor: Codable, Sendable, Hashable {
    public var person: String?
    public var role: String?
    public var uid: UInt32?
    public var gid: UInt32?
    public var pid: Int32?
    /// The door the request came through when it was not the daemon's own socket: `web` for the web socket, where
    /// `person` is the user the reverse proxy authenticated and `uid`, `gid`, `pid` are the proxy's worker. Absent
    /// (and so not in the hashed bytes) for everything else.
    public var via: String?

    public init(person: String? = nil, role: String? = nil, uid: UInt32? = nil, gid: UInt32? = nil, pid: Int32? = nil,
                via: String? = nil) {
        self.person = person
        self.role = role
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.via = via
    }

    /// The daemon acting on its own (start, stop, timers).
    public static let daemon = AuditActor(person: "infusiond", role: "system")
}

/// What an audit record is about.
public struct AuditEntity: Codable, Sendable, Hashable {
    /// `session`, `alert`, `daemon`, `request`, …
    public var type: String
    public var id: String?
    /// The patient the entity belongs to, where there is one.
    public var patientId: String?

    public init(type: String, id: String? = nil, patientId: String? = nil) {
        self.type = type
        self.id = id
        self.patientId = patientId
    }
}

/// One audit record (SPEC §6). Stored as the exact JSON bytes that are hashed; keys are sorted.
public struct AuditRecord: Codable, Sendable, Hashable {
    public var seq: Int64
    public var time: String
    /// Dotted action code, e.g. `session.start`, `observation.accept`, `request.refuse`.
    public var action: String
    /// `success`, `refused`, `failure`.
    public var outcome: String
    public var actor: AuditActor
    public var entity: AuditEntity?
    public var detail: JSONValue
    /// Hex SHA-256 of the previous record's bytes; 64 zeros for seq 1.
    public var prevHash: String

    public init(
        seq: Int64, time: String, action: String, outcome: String, actor: AuditActor, entity: AuditEntity?,
        detail: JSONValue, prevHash: String
    ) {
        self.seq = seq
        self.time = time
        self.action = action
        self.outcome = outcome
        self.actor = actor
        self.entity = entity
        self.detail = detail
        self.prevHash = prevHash
    }

    /// The `prevHash` of the first record.
    public static let genesisHash = String(repeating: "0", count: 64)
}

/// An audit record with its hash, as `GET /v1/audit` returns it.
public struct AuditEntry: Codable, Sendable, Hashable {
    public var record: AuditRecord
    /// Hex SHA-256 of the record's stored bytes.
    public var hash: String
    public init(record: AuditRecord, hash: String) {
        self.record = record
        self.hash = hash
    }
}

/// `GET /v1/audit`.
public struct AuditPage: Codable, Sendable, Hashable {
    public var records: [AuditEntry]
    /// The seq to pass as `after` for the next page, or nil at the end.
    public var nextAfter: Int64?
    public init(records: [AuditEntry], nextAfter: Int64?) {
        self.records = records
        self.nextAfter = nextAfter
    }
}

/// The result of walking the audit chain.
public struct AuditVerification: Codable, Sendable, Hashable {
    public var ok: Bool
    public var recordsChecked: Int64
    public var lastSeq: Int64
    public var lastHash: String
    /// The first record that failed, and why.
    public var firstBadSeq: Int64?
    public var problem: String?
    /// What kind of damage was found, when verification failed.
    public var failure: AuditFailureKind?
    /// How many signed checkpoints the records were checked against.
    public var checkpointsChecked: Int?
    /// The base64 RFC 6962 root of the records checked, when every one checked out.
    public var rootHash: String?
    /// Forks the trail records (restores, confirmed starts on a rolled-back database), oldest first; nil when
    /// there are none.
    public var forks: [AuditFork]?

    public init(ok: Bool, recordsChecked: Int64, lastSeq: Int64, lastHash: String, firstBadSeq: Int64? = nil, problem: String? = nil,
                failure: AuditFailureKind? = nil, checkpointsChecked: Int? = nil, rootHash: String? = nil) {
        self.ok = ok
        self.recordsChecked = recordsChecked
        self.lastSeq = lastSeq
        self.lastHash = lastHash
        self.firstBadSeq = firstBadSeq
        self.problem = problem
        self.failure = failure
        self.checkpointsChecked = checkpointsChecked
        self.rootHash = rootHash
    }
}
