import Foundation

/// Checks RFC 6962 inclusion and consistency proofs (RFC 9162 §2.1.3.2 and §2.1.4.2), as
/// transparency-dev/merkle does, with one stricter rule: a consistency proof from the empty tree is refused.
public enum MerkleVerifier {
    /// Checks that `leafHash` is leaf `index` of the tree of `size` leaves whose root is `root`.
    public static func verifyInclusion(index: UInt64, size: UInt64, leafHash: Data, proof: [Data], root: Data) throws {
        let computed = try rootFromInclusionProof(index: index, size: size, leafHash: leafHash, proof: proof)
        guard computed == root else { throw MerkleProofError.rootMismatch(which: "expected root") }
    }

    /// The root an inclusion proof leads to, for comparing with a trusted root.
    public static func rootFromInclusionProof(index: UInt64, size: UInt64, leafHash: Data, proof: [Data]) throws -> Data {
        guard index < size else { throw MerkleProofError.indexBeyondSize(index: index, size: size) }
        guard leafHash.count == RFC6962.hashSize else {
            throw MerkleProofError.badHashSize(what: "the leaf hash", bytes: leafHash.count)
        }
        let (inner, border) = decomposeInclusionProof(index: index, size: size)
        guard proof.count == inner + border else { throw MerkleProofError.wrongProofSize(got: proof.count, want: inner + border) }
        let hash = chainInner(seed: leafHash, proof: proof[0..<inner], index: index)
        return chainBorderRight(seed: hash, proof: proof[inner...])
    }

    /// Checks that the tree of `size2` leaves with root `root2` extends the tree of `size1` leaves with `root1`.
    public static func verifyConsistency(size1: UInt64, size2: UInt64, proof: [Data], root1: Data, root2: Data) throws {
        guard size1 <= size2 else { throw MerkleProofError.sizesReversed(size1: size1, size2: size2) }
        guard size1 > 0 else { throw MerkleProofError.emptyOldTree }
        if size1 == size2 {
            guard proof.isEmpty else { throw MerkleProofError.wrongProofSize(got: proof.count, want: 0) }
            guard root1 == root2 else { throw MerkleProofError.rootMismatch(which: "same root for equal sizes") }
            return
        }
        guard !proof.isEmpty else { throw MerkleProofError.wrongProofSize(got: 0, want: 1) }

        var (inner, border) = decomposeInclusionProof(index: size1 - 1, size: size2)
        let shift = size1.trailingZeroBitCount
        inner -= shift
        // The proof starts with the root of the subtree of size 2^shift, unless size1 is that very subtree.
        var seed = proof[0]
        var start = 1
        if size1 == UInt64(1) << shift {
            seed = root1
            start = 0
        }
        guard proof.count == start + inner + border else {
            throw MerkleProofError.wrongProofSize(got: proof.count, want: start + inner + border)
        }
        let rest = proof[start...]
        let innerPart = rest.prefix(inner)
        let borderPart = rest.dropFirst(inner)
        let mask = (size1 - 1) >> UInt64(shift)

        var hash1 = chainInnerRight(seed: seed, proof: innerPart, index: mask)
        hash1 = chainBorderRight(seed: hash1, proof: borderPart)
        guard hash1 == root1 else { throw MerkleProofError.rootMismatch(which: "older root") }

        var hash2 = chainInner(seed: seed, proof: innerPart, index: mask)
        hash2 = chainBorderRight(seed: hash2, proof: borderPart)
        guard hash2 == root2 else { throw MerkleProofError.rootMismatch(which: "newer root") }
    }

    /// How many of an inclusion proof's hashes are below the split with the right border, and how many on it.
    static func decomposeInclusionProof(index: UInt64, size: UInt64) -> (inner: Int, border: Int) {
        let inner = 64 - (index ^ (size - 1)).leadingZeroBitCount
        let border = (inner >= 64 ? 0 : index >> UInt64(inner)).nonzeroBitCount
        return (inner, border)
    }

    private static func chainInner(seed: Data, proof: ArraySlice<Data>, index: UInt64) -> Data {
        var hash = seed
        for (level, sibling) in proof.enumerated() {
            hash = (index >> UInt64(level)) & 1 == 0 ? RFC6962.nodeHash(hash, sibling) : RFC6962.nodeHash(sibling, hash)
        }
        return hash
    }

    private static func chainInnerRight(seed: Data, proof: ArraySlice<Data>, index: UInt64) -> Data {
        var hash = seed
        for (level, sibling) in proof.enumerated() where (index >> UInt64(level)) & 1 == 1 {
            hash = RFC6962.nodeHash(sibling, hash)
        }
        return hash
    }

    private static func chainBorderRight(seed: Data, proof: ArraySlice<Data>) -> Data {
        proof.reduce(seed) { hash, sibling in RFC6962.nodeHash(sibling, hash) }
    }
}
