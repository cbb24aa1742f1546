/// Text from the daemon made safe to print on a terminal.
///
/// Patient ids, staff ids, notes and reasons come from stations and people; an escape sequence among them once
/// reached an auditor's terminal. Every character a terminal would act on instead of showing is written as a
/// Swift-style escape, `\u{1B}`, so the person sees that it was there and the terminal does nothing with it.
public enum TerminalText {
    /// Whether the terminal would act on `scalar` rather than show it: C0 controls, DEL, C1 controls, the
    /// bidirectional embeddings, overrides, isolates and marks (which reorder what is shown), and the Unicode line
    /// and paragraph separators.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// `text` with every unsafe character written as `\u{XX}`.
    ///
    /// - Parameter keepingLineBreaks: leaves `\n` as it is, for whole blocks of output whose lines this tool laid
    ///   out itself; a single field (a table cell, a value) escapes it too, so it cannot start a line that looks
    ///   like the tool's own.
    public static func escaped(_ text: String, keepingLineBreaks: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) && !(keepingLineBreaks && scalar == "\n") {
                result.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// JSON text with the unsafe characters JSON allows unescaped (DEL, C1 controls, bidirectional controls,
    /// separators) written as `\uXXXX` escapes. The JSON means the same; a terminal showing it acts on nothing.
    ///
    /// Safe on any JSON text: these characters can only occur inside strings, where `\uXXXX` is the same
    /// character.
    public static func jsonEscaped(_ json: String) -> String {
        guard json.unicodeScalars.contains(where: isUnsafe) else { return json }
        var result = String.UnicodeScalarView()
        for scalar in json.unicodeScalars {
            // The encoder already escaped C0 controls inside strings; the ones left are its own layout.
            if isUnsafe(scalar) && scalar.value > 0x1F {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }
}
