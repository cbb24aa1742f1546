/// The separators a message declares in MSH-1 and MSH-2; every one is a single ASCII byte, which is what lets the
/// parser split before decoding the character set.
public struct HL7Delimiters: Sendable, Hashable, Codable {
    /// MSH-1, `|` by convention.
    public var field: UInt8
    /// MSH-2.1, `^` by convention.
    public var component: UInt8
    /// MSH-2.2, `~` by convention.
    public var repetition: UInt8
    /// MSH-2.3, `\` by convention.
    public var escape: UInt8
    /// MSH-2.4, `&` by convention.
    public var subcomponent: UInt8
    /// MSH-2.5 (v2.7 and later), `#` by convention; nil when not declared.
    public var truncation: UInt8?

    public init(field: UInt8, component: UInt8, repetition: UInt8, escape: UInt8, subcomponent: UInt8, truncation: UInt8? = nil) {
        self.field = field
        self.component = component
        self.repetition = repetition
        self.escape = escape
        self.subcomponent = subcomponent
        self.truncation = truncation
    }

    /// `|^~\&`, the delimiters nearly every sender uses and the ones an acknowledgement uses when the message's own
    /// could not be read.
    public static let standard = HL7Delimiters(
        field: UInt8(ascii: "|"), component: UInt8(ascii: "^"), repetition: UInt8(ascii: "~"),
        escape: UInt8(ascii: "\\"), subcomponent: UInt8(ascii: "&"))

    /// MSH-2 as it is written (`^~\&`, or `^~\&#`).
    public var encodingCharacters: String {
        String(decoding: [component, repetition, escape, subcomponent] + (truncation.map { [$0] } ?? []), as: UTF8.self)
    }

    /// Reads MSH-2; nil unless it holds four or five distinct printable ASCII punctuation bytes that differ from the
    /// field separator (letters, digits, space, CR and LF would make the message ambiguous).
    public init?(field: UInt8, encodingCharacters: some Collection<UInt8>) {
        let bytes = Array(encodingCharacters)
        guard bytes.count == 4 || bytes.count == 5 else { return nil }
        let all = [field] + bytes
        guard Set(all).count == all.count, all.allSatisfy(Self.isAllowedDelimiter) else { return nil }
        self.init(field: field, component: bytes[0], repetition: bytes[1], escape: bytes[2], subcomponent: bytes[3],
                  truncation: bytes.count == 5 ? bytes[4] : nil)
    }

    static func isAllowedDelimiter(_ byte: UInt8) -> Bool {
        guard byte > 0x20, byte < 0x7F else { return false }
        let scalar = Unicode.Scalar(byte)
        return !(("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar))
    }
}
