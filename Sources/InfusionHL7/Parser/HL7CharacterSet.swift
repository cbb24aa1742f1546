/// The character sets of MSH-18 (HL7 table 0211) this receiver reads. All three are supersets of ASCII, so the
/// delimiters and escape sequences are the same bytes in each.
public enum HL7CharacterSet: String, Sendable, Hashable, Codable, CaseIterable {
    /// `ASCII`, also what an empty MSH-18 means.
    case ascii = "ASCII"
    /// `8859/1`, ISO Latin-1.
    case latin1 = "8859/1"
    /// `UNICODE UTF-8`.
    case utf8 = "UNICODE UTF-8"

    /// Reads the first repetition of MSH-18 (later ones only announce alternate sets for `\C..\` switching); nil for
    /// a set this receiver does not read, including the bare `UNICODE` of v2.3–2.5, which meant UCS-2.
    public init?(msh18 value: String) {
        switch value {
        case "", "ASCII": self = .ascii
        case "8859/1": self = .latin1
        case "UNICODE UTF-8": self = .utf8
        default: return nil
        }
    }

    /// Decodes bytes in this set; nil when they are not valid in it (a byte above 0x7F in ASCII, a broken UTF-8
    /// sequence).
    public func decode(_ bytes: some Collection<UInt8>) -> String? {
        switch self {
        case .ascii:
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        case .latin1:
            // Latin-1 is the first 256 Unicode scalars, byte for byte.
            var text = ""
            text.unicodeScalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
            return text
        case .utf8:
            return String(validating: bytes, as: UTF8.self)
        }
    }

    /// Encodes text in this set; a character the set cannot hold becomes `?`, since an acknowledgement must still
    /// go out (its texts are the receiver's own and ASCII in practice).
    public func encode(_ text: String) -> [UInt8] {
        switch self {
        case .utf8: Array(text.utf8)
        case .ascii: text.unicodeScalars.map { $0.value < 0x80 ? UInt8($0.value) : UInt8(ascii: "?") }
        case .latin1: text.unicodeScalars.map { $0.value < 0x100 ? UInt8($0.value) : UInt8(ascii: "?") }
        }
    }
}
