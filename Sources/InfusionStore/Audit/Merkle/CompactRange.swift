import Foundation

/// An RFC 6962 tree kept as its compact range: the roots of the perfect subtrees that cover the leaves so far,
/// at most 64 hashes. Appending is amortised O(1) and the root is O(log n), so a verifier can stream any number
/// of records in constant memory.
public struct CompactRange: Sendable, Equatable {
    /// How many leaves have been appended (including those summarised by a starting prefix).
    public private(set) var size: UInt64
    /// The perfect-subtree roots, leftmost (largest) first; their widths are the set bits of `size`.
    public private(set) var hashes: [Data]

    /// An empty tree.
    public init() {
        size = 0
        hashes = []
    }

    /// A tree that starts from the compact range of its first `size` leaves (see ``MerkleProofPlan/prefix(size:)``).
    public init(size: UInt64, hashes: [Data]) throws {
        guard hashes.count == size.nonzeroBitCount else {
            throw MerkleProofError.wrongProofSize(got: hashes.count, want: size.nonzeroBitCount)
        }
        for hash in hashes where hash.count != RFC6962.hashSize {
            throw MerkleProofError.badHashSize(what: "a prefix hash", bytes: hash.count)
        }
        self.size = size
        self.hashes = hashes
    }

    /// Appends one leaf by its leaf hash, merging completed subtrees.
    public mutating func append(leafHash: Data) {
        var hash = leafHash
        var index = size
        // Each trailing 1 bit of the old size is a left sibling that this leaf completes.
        while index & 1 == 1 {
            hash = RFC6962.nodeHash(hashes.removeLast(), hash)
            index >>= 1
        }
        hashes.append(hash)
        size += 1
    }

    /// Appends one leaf by its data.
    public mutating func append(leaf data: Data) {
        append(leafHash: RFC6962.leafHash(data))
    }

    /// The root of the tree so far (the empty-tree root when there are no leaves).
    public var root: Data {
        guard var hash = hashes.last else { return RFC6962.emptyRoot }
        for left in hashes.dropLast().reversed() {
            hash = RFC6962.nodeHash(left, hash)
        }
        return hash
    }
}
