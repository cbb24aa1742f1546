import Foundation

/// Why a Merkle inclusion or consistency proof was rejected; each case says what did not hold.
public enum MerkleProofError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The leaf index is not inside the tree.
    case indexBeyondSize(index: UInt64, size: UInt64)
    /// A hash that must be 32 bytes is not.
    case badHashSize(what: String, bytes: Int)
    /// The proof has the wrong number of hashes for the sizes given.
    case wrongProofSize(got: Int, want: Int)
    /// The older tree is larger than the newer one.
    case sizesReversed(size1: UInt64, size2: UInt64)
    /// A consistency proof from the empty tree proves nothing, so it is refused rather than trivially accepted.
    case emptyOldTree
    /// The proof's hashes do not lead to the expected root.
    case rootMismatch(which: String)

    public var description: String {
        switch self {
        case .indexBeyondSize(let index, let size): "leaf index \(index) is not in a tree of \(size) leaves"
        case .badHashSize(let what, let bytes): "\(what) is \(bytes) bytes, not 32"
        case .wrongProofSize(let got, let want): "the proof has \(got) hashes where \(want) are needed"
        case .sizesReversed(let size1, let size2): "the older tree (\(size1) leaves) is larger than the newer one (\(size2))"
        case .emptyOldTree: "a consistency proof from the empty tree proves nothing; compare the records directly"
        case .rootMismatch(let which): "the proof does not lead to the \(which)"
        }
    }
}
