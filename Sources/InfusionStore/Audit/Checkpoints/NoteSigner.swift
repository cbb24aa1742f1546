import Crypto
import Foundation

/// An Ed25519 C2SP signed-note signer, stored as `PRIVATE+KEY+<name>+<key id>+<base64 0x01 ‖ seed>`
/// (golang.org/x/mod/sumdb/note format), so standard tools can read the same key.
public struct NoteSigner: Sendable {
    /// The key's name; for audit checkpoints it is also the log's origin.
    public let name: String
    private let privateKey: Curve25519.Signing.PrivateKey

    /// A new random key with the given name.
    public init(generatingWithName name: String) throws {
        try NoteVerifier.checkName(name)
        self.name = name
        self.privateKey = Curve25519.Signing.PrivateKey()
    }

    /// Parses a private key string.
    public init(privateKey text: String) throws {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY" else {
            throw SignedNoteError.malformedKey("expected PRIVATE+KEY+<name>+<key id>+<base64 key>")
        }
        let name = String(parts[2])
        try NoteVerifier.checkName(name)
        guard let key = Data(base64Encoded: String(parts[4])), key.count == 33, key.first == 0x01 else {
            throw SignedNoteError.malformedKey("the private key must be base64 of 0x01 followed by a 32-byte Ed25519 seed")
        }
        let privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: key.dropFirst())
        guard parts[3].count == 8, UInt32(parts[3], radix: 16) == NoteVerifier.keyID(name: name, publicKey: privateKey.publicKey.rawRepresentation) else {
            throw SignedNoteError.malformedKey("the key id does not match the name and key")
        }
        self.name = name
        self.privateKey = privateKey
    }

    /// The private key string, for the key file.
    public var privateKeyString: String {
        "PRIVATE+KEY+\(name)+\(NoteVerifier.hex(verifier.keyID))+\((Data([0x01]) + privateKey.rawRepresentation).base64EncodedString())"
    }

    /// The matching verifier.
    public var verifier: NoteVerifier {
        NoteVerifier(name: name, publicKey: privateKey.publicKey.rawRepresentation)
    }

    /// Signs a note text (which must end in a newline) and returns the whole signed note.
    public func sign(_ text: String) throws -> String {
        guard text.hasSuffix("\n") else { throw SignedNoteError.malformedNote("the text must end in a newline") }
        try SignedNote.checkCharacters(text)
        let signature = try privateKey.signature(for: Data(text.utf8))
        var keyID = verifier.keyID.bigEndian
        let blob = withUnsafeBytes(of: &keyID) { Data($0) } + signature
        return text + "\n— \(name) \(blob.base64EncodedString())\n"
    }
}
