import Foundation

/// A C2SP tlog-checkpoint body: the log's origin, its tree size and its RFC 6962 root hash, one per line.
public struct Checkpoint: Sendable, Hashable {
    /// The log's unique name (the signing key's name).
    public var origin: String
    /// How many records the tree covers.
    public var size: UInt64
    /// The 32-byte root hash of those records.
    public var rootHash: Data

    public init(origin: String, size: UInt64, rootHash: Data) {
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
    }

    /// The note text: `<origin>\n<size>\n<base64 root>\n`.
    public var text: String {
        "\(origin)\n\(size)\n\(rootHash.base64EncodedString())\n"
    }

    /// Reads a checkpoint body; extension lines after the root are allowed and ignored.
    public init(text: String) throws {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard text.hasSuffix("\n"), lines.count >= 4 else {
            throw SignedNoteError.malformedCheckpoint("expected an origin line, a size line and a root hash line")
        }
        let origin = String(lines[0])
        guard !origin.isEmpty else { throw SignedNoteError.malformedCheckpoint("the origin line is empty") }
        let sizeText = lines[1]
        guard let size = UInt64(sizeText), sizeText.allSatisfy(\.isASCII), sizeText == "0" || !sizeText.hasPrefix("0") else {
            throw SignedNoteError.malformedCheckpoint("the size line '\(sizeText)' is not a decimal number")
        }
        guard let root = Data(base64Encoded: String(lines[2])), root.count == RFC6962.hashSize else {
            throw SignedNoteError.malformedCheckpoint("the root hash line is not base64 of 32 bytes")
        }
        self.init(origin: origin, size: size, rootHash: root)
    }

    /// Checks a signed checkpoint note with the trusted key and reads it; its origin must be the key's name.
    public init(signedNote note: String, verifier: NoteVerifier) throws {
        try self.init(text: try verifier.open(note))
        guard origin == verifier.name else { throw SignedNoteError.wrongOrigin(checkpoint: origin, key: verifier.name) }
    }
}
