import Foundation

/// A C2SP signed note taken apart: the signed text (ending in a newline) and its signature lines.
public struct SignedNote: Sendable, Hashable {
    /// One signature line: key name, key id and the signature bytes after the id.
    public struct Signature: Sendable, Hashable {
        public var name: String
        public var keyID: UInt32
        public var signature: Data
    }

    /// The signed text, including its final newline.
    public var text: String
    /// Every signature line, in order.
    public var signatures: [Signature]

    /// The most signature lines read from one note, so a hostile note cannot make a verifier do unbounded work.
    static let maxSignatures = 100

    /// Splits a signed note at its last blank line and reads the signature lines after it.
    public init(parsing note: String) throws {
        try Self.checkCharacters(note)
        guard note.hasSuffix("\n") else { throw SignedNoteError.malformedNote("it does not end in a newline") }
        guard let split = note.range(of: "\n\n", options: .backwards) else {
            throw SignedNoteError.malformedNote("there is no blank line before the signatures")
        }
        let text = String(note[..<split.lowerBound]) + "\n"
        let block = note[split.upperBound...]
        var signatures: [Signature] = []
        for line in block.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            guard line.hasPrefix("— ") else { throw SignedNoteError.malformedNote("a signature line must start with '— '") }
            let fields = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 2, !fields[0].isEmpty, let blob = Data(base64Encoded: String(fields[1])), blob.count > 4 else {
                throw SignedNoteError.malformedNote("a signature line must be '— <key name> <base64 signature>'")
            }
            let id = blob.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            signatures.append(Signature(name: String(fields[0]), keyID: id, signature: Data(blob.dropFirst(4))))
            guard signatures.count <= Self.maxSignatures else { throw SignedNoteError.malformedNote("too many signatures") }
        }
        guard !signatures.isEmpty else { throw SignedNoteError.malformedNote("it has no signature lines") }
        self.text = text
        self.signatures = signatures
    }

    /// Notes are UTF-8 with no control characters other than newline.
    static func checkCharacters(_ text: String) throws {
        if text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" }) {
            throw SignedNoteError.malformedNote("it contains control characters")
        }
    }
}
