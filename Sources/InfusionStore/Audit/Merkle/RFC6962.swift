import Crypto
import Foundation

/// RFC 6962 (Certificate Transparency) Merkle tree hashing over SHA-256: leaf = SHA-256(0x00 ‖ data),
/// node = SHA-256(0x01 ‖ left ‖ right), and the empty tree's root is SHA-256 of nothing.
public enum RFC6962 {
    /// The size of every hash, in bytes.
    public static let hashSize = 32

    /// The root of the empty tree: SHA-256 of the empty string.
    public static let emptyRoot = Data(SHA256.hash(data: Data()))

    /// The hash of one leaf: SHA-256(0x00 ‖ data).
    public static func leafHash(_ data: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: [0x00] as [UInt8])
        hasher.update(data: data)
        return Data(hasher.finalize())
    }

    /// The hash of an interior node: SHA-256(0x01 ‖ left ‖ right).
    public static func nodeHash(_ left: Data, _ right: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: [0x01] as [UInt8])
        hasher.update(data: left)
        hasher.update(data: right)
        return Data(hasher.finalize())
    }

    /// The largest power of two strictly below `n` (n ≥ 2): where RFC 6962 splits a tree of n leaves.
    static func split(_ n: UInt64) -> UInt64 {
        precondition(n >= 2, "a tree of fewer than two leaves has no split")
        return UInt64(1) << (63 - (n - 1).leadingZeroBitCount)
    }
}
