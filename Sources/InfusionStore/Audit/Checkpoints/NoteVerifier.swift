import Crypto
import Foundation

/// A C2SP signed-note verifier for an Ed25519 key, from its verifier key string `<name>+<key id>+<base64 key>`
/// (golang.org/x/mod/sumdb/note format; the key is the type byte 0x01 followed by the 32-byte public key).
public struct NoteVerifier: Sendable, Hashable {
    /// The key's name; for audit checkpoints it is also the log's origin.
    public let name: String
    /// The first four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), big-endian.
    public let keyID: UInt32
    /// The 32-byte Ed25519 public key.
    public let publicKey: Data

    /// Parses a verifier key string such as `PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW`.
    public init(verifierKey: String) throws {
        let text = verifierKey.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw SignedNoteError.malformedKey("expected <name>+<key id>+<base64 key>") }
        let name = String(parts[0])
        try Self.checkName(name)
        guard parts[1].count == 8, let id = UInt32(parts[1], radix: 16) else {
            throw SignedNoteError.malformedKey("the key id must be 8 hex digits")
        }
        guard let key = Data(base64Encoded: String(parts[2])), key.count == 33, key.first == 0x01 else {
            throw SignedNoteError.malformedKey("the key must be base64 of 0x01 followed by a 32-byte Ed25519 public key")
        }
        let publicKey = key.dropFirst()
        guard Self.keyID(name: name, publicKey: Data(publicKey)) == id else {
            throw SignedNoteError.malformedKey("the key id does not match the name and key")
        }
        self.name = name
        self.keyID = id
        self.publicKey = Data(publicKey)
    }

    init(name: String, publicKey: Data) {
        self.name = name
        self.publicKey = publicKey
        self.keyID = Self.keyID(name: name, publicKey: publicKey)
    }

    /// The verifier key string, for `infusionctl audit pubkey` and for auditors to keep.
    public var verifierKey: String {
        "\(name)+\(Self.hex(keyID))+\((Data([0x01]) + publicKey).base64EncodedString())"
    }

    /// Checks the note's signature by this key and returns the note's text (ending in a newline).
    ///
    /// Signatures by other keys are ignored, as C2SP requires; a note without a signature by this key, or whose
    /// signature by this key fails, is refused.
    public func open(_ note: String) throws -> String {
        let parsed = try SignedNote(parsing: note)
        let mine = parsed.signatures.filter { $0.name == name && $0.keyID == keyID }
        guard !mine.isEmpty else {
            throw SignedNoteError.unknownKey(trusted: "\(name)+\(Self.hex(keyID))",
                                             found: parsed.signatures.map { "\($0.name)+\(Self.hex($0.keyID))" })
        }
        let key = try Curve25519.Signing.PublicKey(rawRepresentation: publicKey)
        for signature in mine where !key.isValidSignature(signature.signature, for: Data(parsed.text.utf8)) {
            throw SignedNoteError.badSignature(keyName: name)
        }
        return parsed.text
    }

    /// The C2SP key id of an Ed25519 key.
    static func keyID(name: String, publicKey: Data) -> UInt32 {
        var hasher = SHA256()
        hasher.update(data: Data(name.utf8))
        hasher.update(data: [0x0A, 0x01] as [UInt8])
        hasher.update(data: publicKey)
        return Array(hasher.finalize()).prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Key names must be non-empty and hold no spaces or `+` (C2SP signed-note).
    static func checkName(_ name: String) throws {
        guard !name.isEmpty, !name.contains("+"), !name.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 }) else {
            throw SignedNoteError.malformedKey("the key name must be non-empty with no spaces or '+'")
        }
    }

    static func hex(_ id: UInt32) -> String {
        let digits = String(id, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
