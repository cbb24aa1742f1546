import Foundation
import InfusionCore

/// What an export will contain, fixed (and audited, and checkpointed) before the first byte is sent.
public struct AuditExportPlan: Sendable {
    /// The first and last seq exported.
    public var fromSeq: Int64
    public var toSeq: Int64
    /// The checkpoint made for this export, covering records 1 … toSeq.
    public var checkpoint: AuditCheckpoint
    /// The compact range of records 1 … fromSeq − 1 (empty when the export starts at 1), so a verifier can
    /// rebuild the checkpoint's root from a partial export.
    public var prefix: [Data]

    /// How many records the export holds.
    public var count: Int64 { max(0, toSeq - fromSeq + 1) }

    /// The prefix file's text (`FILE.prefix`): a header line, the size, then one base64 hash per line.
    public var prefixText: String {
        "infusiond audit prefix v1\n\(fromSeq - 1)\n" + prefix.map { $0.base64EncodedString() + "\n" }.joined()
    }
}

/// Reads a `FILE.prefix` written beside a partial export.
public enum AuditPrefixFile {
    /// Parses the prefix text into a compact range to start verification from.
    public static func parse(_ text: String) throws -> CompactRange {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.first == "infusiond audit prefix v1", lines.count >= 2, let size = UInt64(lines[1]) else {
            throw SignedNoteError.malformedCheckpoint("the prefix file must start with 'infusiond audit prefix v1' and a size line")
        }
        let hashes = try lines.dropFirst(2).map { line -> Data in
            guard let hash = Data(base64Encoded: String(line)) else {
                throw SignedNoteError.malformedCheckpoint("the prefix file holds a line that is not base64")
            }
            return hash
        }
        return try CompactRange(size: size, hashes: hashes)
    }
}
