import Foundation

/// Which subtrees (leaf ranges) make up an RFC 6962 proof, in proof order. Whoever holds the leaves fills in
/// their hashes: the database from its stored nodes, an offline verifier while it streams an export.
public enum MerkleProofPlan {
    /// The ranges of an inclusion proof for leaf `index` in a tree of `size` leaves (RFC 6962 §2.1.1 PATH).
    public static func inclusion(index: UInt64, size: UInt64) -> [Range<UInt64>] {
        precondition(index < size, "leaf \(index) is not in a tree of \(size) leaves")
        var ranges: [Range<UInt64>] = []
        path(index, 0..<size, into: &ranges)
        return ranges
    }

    /// The ranges of a consistency proof from `size1` to `size2` leaves (RFC 6962 §2.1.2 PROOF), 0 < size1 ≤ size2.
    public static func consistency(size1: UInt64, size2: UInt64) -> [Range<UInt64>] {
        precondition(size1 > 0 && size1 <= size2, "a consistency proof needs 0 < size1 ≤ size2")
        var ranges: [Range<UInt64>] = []
        if size1 < size2 { subproof(size1, 0..<size2, complete: true, into: &ranges) }
        return ranges
    }

    /// The perfect subtrees that cover the first `size` leaves, largest (leftmost) first: a compact range.
    public static func prefix(size: UInt64) -> [Range<UInt64>] {
        var ranges: [Range<UInt64>] = []
        var start: UInt64 = 0
        for bit in stride(from: 63, through: 0, by: -1) where (size >> UInt64(bit)) & 1 == 1 {
            let width = UInt64(1) << UInt64(bit)
            ranges.append(start..<(start + width))
            start += width
        }
        return ranges
    }

    private static func path(_ m: UInt64, _ range: Range<UInt64>, into ranges: inout [Range<UInt64>]) {
        let n = UInt64(range.count)
        guard n > 1 else { return }
        let k = RFC6962.split(n)
        let lower = range.lowerBound
        if m < k {
            path(m, lower..<(lower + k), into: &ranges)
            ranges.append((lower + k)..<range.upperBound)
        } else {
            path(m - k, (lower + k)..<range.upperBound, into: &ranges)
            ranges.append(lower..<(lower + k))
        }
    }

    private static func subproof(_ m: UInt64, _ range: Range<UInt64>, complete: Bool, into ranges: inout [Range<UInt64>]) {
        let n = UInt64(range.count)
        if m == n {
            if !complete { ranges.append(range) }
            return
        }
        let k = RFC6962.split(n)
        let lower = range.lowerBound
        if m <= k {
            subproof(m, lower..<(lower + k), complete: complete, into: &ranges)
            ranges.append((lower + k)..<range.upperBound)
        } else {
            subproof(m - k, (lower + k)..<range.upperBound, complete: false, into: &ranges)
            ranges.append(lower..<(lower + k))
        }
    }
}
