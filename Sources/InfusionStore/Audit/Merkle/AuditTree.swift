import Foundation
import GRDB

/// The RFC 6962 Merkle tree over the audit records, kept in `audit_tree` as every perfect subtree's root.
///
/// Appending a record writes its leaf and the nodes it completes (two rows on average) in the caller's
/// transaction, so the tree never needs a rebuild; roots and proofs for any size are O(log² n) lookups.
public enum AuditTree {
    /// Errors that mean the tree and the records disagree.
    public struct Inconsistency: Error, CustomStringConvertible {
        public var description: String
    }

    /// How many leaves the tree holds.
    public static func size(_ db: Database) throws -> UInt64 {
        let last = try Int64.fetchOne(try db.cachedStatement(sql: "SELECT MAX(idx) FROM audit_tree WHERE level = 0"))
        return last.map { UInt64($0) + 1 } ?? 0
    }

    /// Adds leaf `index` (seq − 1) and every subtree it completes. The tree must hold exactly `index` leaves.
    public static func append(_ db: Database, index: UInt64, leafHash: Data) throws {
        try insert(db, level: 0, index: index, hash: leafHash)
        var level = 0
        var position = index
        var hash = leafHash
        while position & 1 == 1 {
            guard let left = try node(db, level: level, index: position - 1) else {
                throw Inconsistency(description: "the audit tree lacks node \(level)/\(position - 1) while adding leaf \(index); restart infusiond to rebuild it from the records")
            }
            hash = RFC6962.nodeHash(left, hash)
            position >>= 1
            level += 1
            try insert(db, level: level, index: position, hash: hash)
        }
    }

    /// Hashes any records not yet in the tree (a database from before the tree existed, or after a restore).
    /// Returns how many leaves were added. Refuses a tree that is larger than the trail.
    @discardableResult
    public static func catchUp(_ db: Database) throws -> UInt64 {
        let treeSize = try size(db)
        let recordCount = UInt64(try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM audit_records") ?? 0)
        guard treeSize <= recordCount else {
            throw Inconsistency(description: "the audit tree holds \(treeSize) leaves but the trail ends at seq \(recordCount): records were removed. Run `infusionctl audit verify --db` and restore from a backup.")
        }
        guard treeSize < recordCount else { return 0 }
        let cursor = try Row.fetchCursor(db, sql: "SELECT seq, record FROM audit_records WHERE seq > ? ORDER BY seq",
                                         arguments: [Int64(treeSize)])
        var added: UInt64 = 0
        while let row = try cursor.next() {
            let seq: Int64 = row["seq"]
            let bytes: Data = row["record"]
            guard UInt64(seq) == treeSize + added + 1 else {
                throw Inconsistency(description: "the audit trail has no record \(treeSize + added + 1) (next is \(seq)); run `infusionctl audit verify --db`")
            }
            try append(db, index: UInt64(seq) - 1, leafHash: RFC6962.leafHash(bytes))
            added += 1
        }
        return added
    }

    /// The root of the first `size` leaves.
    public static func root(_ db: Database, size: UInt64) throws -> Data {
        try checkSize(db, size)
        guard size > 0 else { return RFC6962.emptyRoot }
        return try rangeHash(db, 0..<size)
    }

    /// The compact range of the first `size` leaves: what a verifier needs to continue the tree from there.
    public static func prefix(_ db: Database, size: UInt64) throws -> [Data] {
        try checkSize(db, size)
        return try MerkleProofPlan.prefix(size: size).map { try rangeHash(db, $0) }
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves.
    public static func inclusionProof(_ db: Database, index: UInt64, size: UInt64) throws -> [Data] {
        try checkSize(db, size)
        return try MerkleProofPlan.inclusion(index: index, size: size).map { try rangeHash(db, $0) }
    }

    /// The consistency proof from the tree of `size1` leaves to the tree of `size2` leaves.
    public static func consistencyProof(_ db: Database, size1: UInt64, size2: UInt64) throws -> [Data] {
        try checkSize(db, size2)
        return try MerkleProofPlan.consistency(size1: size1, size2: size2).map { try rangeHash(db, $0) }
    }

    /// MTH(D[range]): a stored node when the range is a perfect subtree, else split as RFC 6962 does.
    static func rangeHash(_ db: Database, _ range: Range<UInt64>) throws -> Data {
        let width = UInt64(range.count)
        if width.nonzeroBitCount == 1, range.lowerBound % width == 0 {
            let level = width.trailingZeroBitCount
            guard let hash = try node(db, level: level, index: range.lowerBound >> UInt64(level)) else {
                throw Inconsistency(description: "the audit tree lacks node \(level)/\(range.lowerBound >> UInt64(level)); restart infusiond to rebuild it")
            }
            return hash
        }
        let k = RFC6962.split(width)
        let middle = range.lowerBound + k
        return RFC6962.nodeHash(try rangeHash(db, range.lowerBound..<middle), try rangeHash(db, middle..<range.upperBound))
    }

    private static func checkSize(_ db: Database, _ size: UInt64) throws {
        let have = try self.size(db)
        guard size <= have else {
            throw Inconsistency(description: "the audit tree holds \(have) leaves, fewer than the \(size) asked for")
        }
    }

    private static func node(_ db: Database, level: Int, index: UInt64) throws -> Data? {
        try Data.fetchOne(try db.cachedStatement(sql: "SELECT hash FROM audit_tree WHERE level = ? AND idx = ?"),
                          arguments: [level, Int64(index)])
    }

    private static func insert(_ db: Database, level: Int, index: UInt64, hash: Data) throws {
        try db.cachedStatement(sql: "INSERT INTO audit_tree (level, idx, hash) VALUES (?, ?, ?)")
            .execute(arguments: [level, Int64(index), hash])
    }
}

extension AuditTree {
    /// Adds the record about to be stored as `seq` to the tree, first hashing any older records the tree lacks.
    /// Call it before inserting the record, in the same transaction.
    public static func appendRecord(_ db: Database, seq: Int64, bytes: Data) throws {
        let index = UInt64(seq - 1)
        let treeSize = try size(db)
        if treeSize < index {
            try catchUp(db)
        } else if treeSize > index {
            throw Inconsistency(description: "the audit tree already holds \(treeSize) leaves but the next record is seq \(seq): records were removed. Run `infusionctl audit verify --db` and restore from a backup.")
        }
        try append(db, index: index, leafHash: RFC6962.leafHash(bytes))
    }
}
