import Foundation

/// Why a C2SP signed note, key or checkpoint was refused; each case says what to check.
public enum SignedNoteError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The text is not a signed note (no blank line before signature lines, control characters, bad lines).
    case malformedNote(String)
    /// A key string is not in the expected `name+id+key` or `PRIVATE+KEY+name+id+key` form.
    case malformedKey(String)
    /// The note carries no signature from the trusted key (name and key id).
    case unknownKey(trusted: String, found: [String])
    /// A signature from the trusted key does not verify: the note was changed or signed by another key.
    case badSignature(keyName: String)
    /// The note's text is not a tlog checkpoint (origin, size, base64 root).
    case malformedCheckpoint(String)
    /// The checkpoint names a different log from the key's.
    case wrongOrigin(checkpoint: String, key: String)

    public var description: String {
        switch self {
        case .malformedNote(let why): "not a signed note: \(why)"
        case .malformedKey(let why): "not a usable key: \(why)"
        case .unknownKey(let trusted, let found):
            "the note is not signed by the trusted key \(trusted)" + (found.isEmpty ? "" : " (it carries signatures from \(found.joined(separator: ", ")))")
        case .badSignature(let name): "the signature by \(name) does not verify: the note was altered or signed by another key"
        case .malformedCheckpoint(let why): "not a tlog checkpoint: \(why)"
        case .wrongOrigin(let checkpoint, let key): "the checkpoint is for log '\(checkpoint)' but the key is for '\(key)'"
        }
    }
}
