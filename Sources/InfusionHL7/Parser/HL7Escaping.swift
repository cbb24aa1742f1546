/// HL7 escape sequences (v2.8 chapter 2, "Use of escape sequences in text fields").
///
/// Reading works on bytes, before the character set is decoded: `\Xhh..\` stands for bytes of the message's own
/// character set, so decoding them together with their neighbours is what the standard means. Formatting
/// (`\.br\`, `\H\`, `\N\`), character-set switches (`\C..\`, `\M..\`), locally defined (`\Z..\`) and unrecognised
/// sequences are kept as written: the standard gives them meaning only in formatted text, and dropping them would
/// lose what the device sent.
public enum HL7Escaping {
    /// Replaces the delimiter and hexadecimal escape sequences in one leaf value (a subcomponent's bytes).
    public static func unescape(_ bytes: ArraySlice<UInt8>, delimiters: HL7Delimiters) -> [UInt8] {
        guard bytes.contains(delimiters.escape) else { return Array(bytes) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            guard byte == delimiters.escape,
                  let close = bytes[(index + 1)...].firstIndex(of: delimiters.escape) else {
                // A lone escape character with no closing one is not a sequence; keep it as text.
                out.append(byte)
                index += 1
                continue
            }
            let body = bytes[(index + 1)..<close]
            if let replacement = replacement(for: body, delimiters: delimiters) {
                out.append(contentsOf: replacement)
            } else {
                out.append(contentsOf: bytes[index...close])
            }
            index = close + 1
        }
        return out
    }

    private static func replacement(for body: ArraySlice<UInt8>, delimiters: HL7Delimiters) -> [UInt8]? {
        guard let code = body.first else { return nil }
        if body.count == 1 {
            switch code {
            case UInt8(ascii: "F"): return [delimiters.field]
            case UInt8(ascii: "S"): return [delimiters.component]
            case UInt8(ascii: "T"): return [delimiters.subcomponent]
            case UInt8(ascii: "R"): return [delimiters.repetition]
            case UInt8(ascii: "E"): return [delimiters.escape]
            case UInt8(ascii: "P"): return delimiters.truncation.map { [$0] }
            default: return nil
            }
        }
        guard code == UInt8(ascii: "X") else { return nil }
        let digits = body.dropFirst()
        guard digits.count % 2 == 0, let decoded = hexBytes(digits) else { return nil }
        return decoded
    }

    private static func hexBytes(_ digits: ArraySlice<UInt8>) -> [UInt8]? {
        var result: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            result.append(high << 4 | low)
            index += 2
        }
        return result
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// Escapes text so it can stand in one leaf of a message with these delimiters: each delimiter by its
    /// sequence, and CR, LF and other control characters as `\Xhh\` so the text can never end a segment.
    public static func escape(_ text: String, delimiters: HL7Delimiters) -> String {
        let escapeCharacter = Character(Unicode.Scalar(delimiters.escape))
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80, let code = sequenceCode(for: UInt8(value), delimiters: delimiters) {
                out.append(escapeCharacter)
                out.append(code)
                out.append(escapeCharacter)
            } else if value < 0x20 || value == 0x7F {
                let hex = String(value, radix: 16, uppercase: true)
                out.append(escapeCharacter)
                out.append("X\(hex.count == 1 ? "0" : "")\(hex)")
                out.append(escapeCharacter)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func sequenceCode(for byte: UInt8, delimiters: HL7Delimiters) -> Character? {
        switch byte {
        case delimiters.field: "F"
        case delimiters.component: "S"
        case delimiters.subcomponent: "T"
        case delimiters.repetition: "R"
        case delimiters.escape: "E"
        default: byte == delimiters.truncation ? "P" : nil
        }
    }
}
