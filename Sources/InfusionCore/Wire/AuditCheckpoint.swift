import Foundation

/// A signed checkpoint of the audit trail's Merkle tree (`GET /v1/audit/checkpoint`), as stored by the daemon.
public struct AuditCheckpoint: Codable, Sendable, Hashable {
    /// The checkpoint's row number in the daemon's database.
    public var id: Int64
    /// When the daemon made it.
    public var createdAt: String
    /// Why it was made: `start`, `periodic`, `shutdown`, `export` or `request`.
    public var reason: String
    /// How many records the tree covers (records 1 … treeSize).
    public var treeSize: Int64
    /// The RFC 6962 root hash, standard base64, exactly as on the note's third line.
    public var rootHash: String
    /// The C2SP signed note, byte for byte: origin, size and root lines, a blank line, the signature line.
    public var note: String
    /// The C2SP verifier key of the key that signed it: `<name>+<key id hex>+<base64 key>`.
    public var verifierKey: String

    public init(id: Int64, createdAt: String, reason: String, treeSize: Int64, rootHash: String, note: String, verifierKey: String) {
        self.id = id
        self.createdAt = createdAt
        self.reason = reason
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.note = note
        self.verifierKey = verifierKey
    }
}

/// `GET /v1/audit/proof/consistency`: an RFC 6962 consistency proof between two tree sizes, with both roots.
public struct AuditConsistencyProof: Codable, Sendable, Hashable {
    public var size1: Int64
    public var size2: Int64
    /// Base64 roots of the two trees.
    public var root1: String
    public var root2: String
    /// Base64 hashes, in RFC 6962 order.
    public var proof: [String]

    public init(size1: Int64, size2: Int64, root1: String, root2: String, proof: [String]) {
        self.size1 = size1
        self.size2 = size2
        self.root1 = root1
        self.root2 = root2
        self.proof = proof
    }
}

/// `GET /v1/audit/proof/inclusion`: an RFC 6962 inclusion proof of one record in a tree of a given size.
public struct AuditInclusionProof: Codable, Sendable, Hashable {
    public var seq: Int64
    public var treeSize: Int64
    /// Base64 SHA-256(0x00 ‖ record bytes).
    public var leafHash: String
    /// Base64 root of the tree of `treeSize` records.
    public var root: String
    /// Base64 hashes, in RFC 6962 order.
    public var proof: [String]

    public init(seq: Int64, treeSize: Int64, leafHash: String, root: String, proof: [String]) {
        self.seq = seq
        self.treeSize = treeSize
        self.leafHash = leafHash
        self.root = root
        self.proof = proof
    }
}

/// What kind of damage a failed audit verification found.
public enum AuditFailureKind: String, Codable, Sendable, Hashable, CaseIterable {
    /// A record's bytes changed (or the chain was rewritten after a change).
    case edited
    /// One or more records are gone from the middle of the trail.
    case missing
    /// Records are out of order.
    case reordered
    /// Records are gone from the end: fewer remain than a checkpoint covered.
    case truncated
    /// A checkpoint's signature does not verify with the trusted key.
    case badSignature
    /// Records follow that no checkpoint covers, so nothing vouches for them.
    case unverified
    /// A file that should hold an audit record or a checkpoint cannot be read as one.
    case malformed
    /// The trail does not extend a checkpoint the same key signed: the database was restored from a backup,
    /// replaced or rolled back, so two different trails share seqs and the key signed two roots for one size.
    case forked
}

/// A fork the trail records: a restore (`database.restore`) or a start confirmed on a database behind the audit
/// witness (`audit.forkConfirmed`). The trail still verifies; checkpoints of the replaced trail do not fit it.
public struct AuditFork: Codable, Sendable, Hashable {
    /// The record that names the fork.
    public var seq: Int64
    /// `database.restore` or `audit.forkConfirmed`.
    public var action: String
    /// When it was recorded.
    public var time: String
    /// The last seq of the replaced trail, when known: seqs after `seq - 1` up to it were used twice.
    public var replacedHeadSeq: Int64?
    /// What happened, for people.
    public var description: String

    public init(seq: Int64, action: String, time: String, replacedHeadSeq: Int64?, description: String) {
        self.seq = seq
        self.action = action
        self.time = time
        self.replacedHeadSeq = replacedHeadSeq
        self.description = description
    }
}

/// `GET /v1/audit/public-key`: the key auditors verify checkpoints with.
public struct AuditPublicKey: Codable, Sendable, Hashable {
    /// The C2SP verifier key, `<name>+<key id hex>+<base64 0x01 ‖ Ed25519 public key>`.
    public var verifierKey: String
    /// The key's name, which is also the checkpoints' origin line.
    public var origin: String

    public init(verifierKey: String, origin: String) {
        self.verifierKey = verifierKey
        self.origin = origin
    }
}
