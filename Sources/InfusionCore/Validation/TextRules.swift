import Foundation

/// What text a request may carry (SPEC §4). Identifiers (`patientId`, `recordedBy`, `by`, `feedId`, …) end up in
/// audit records, logs, CSV exports and terminal tables, so they may hold no control or formatting characters at
/// all; free text (`note`, `reason`) may keep TAB and LF for readable notes but nothing else that steers a terminal
/// or reorders text on screen. Lengths are capped in UTF-8 bytes, which is what storage and logs pay for.
public enum TextRules {
    /// Which rules a text field follows.
    public enum Kind: Sendable, Hashable {
        /// A staff, patient or feed identifier.
        case identifier
        /// A note or reason written by a person.
        case freeText

        /// The most UTF-8 bytes a field of this kind may hold.
        public var maxBytes: Int {
            switch self {
            case .identifier: TextRules.identifierMaxBytes
            case .freeText: TextRules.freeTextMaxBytes
            }
        }
    }

    /// Why a text was refused.
    public enum Violation: Sendable, Hashable {
        /// Longer than the field's limit.
        case tooLong(bytes: Int, limit: Int)
        /// A character the field may not hold, at a 1-based position counted in Unicode scalars.
        case forbidden(scalar: Unicode.Scalar, position: Int)
        /// More combining marks on one character than any script needs (text built to smear over its neighbours).
        case combiningMarks(count: Int, limit: Int)
    }

    /// Identifiers: 128 bytes is far beyond any MRN, staff number or device id.
    public static let identifierMaxBytes = 128
    /// Notes and reasons: about 300 words, plenty for an override reason a reviewer reads.
    public static let freeTextMaxBytes = 2048
    /// Combining marks allowed on one base character; real scripts stack at most four or five.
    public static let maxCombiningMarks = 8

    /// The explicit bidirectional controls (Unicode UAX #9): marks, embeddings, overrides and isolates. They make
    /// text display in another order than it is stored ("Trojan Source").
    public static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// Whether `scalar` may appear in a field of `kind`.
    public static func allows(_ scalar: Unicode.Scalar, in kind: Kind) -> Bool {
        switch scalar.properties.generalCategory {
        case .control:
            // C0, DEL and C1. Notes may keep tabs and line feeds; CR is refused so a note cannot rewrite a line.
            return kind == .freeText && (scalar == "\t" || scalar == "\n")
        case .format:
            // Identifiers take no invisible characters at all (zero-width joiners, soft hyphens, BOM, bidi
            // controls); notes may keep the joiners some scripts and emoji need, but never bidi controls.
            return kind == .freeText && !isBidiControl(scalar)
        case .lineSeparator, .paragraphSeparator:
            return false
        default:
            return true
        }
    }

    /// The first reason `text` may not be stored in a field of `kind`, or nil when it may.
    public static func violation(in text: String, kind: Kind) -> Violation? {
        let bytes = text.utf8.count
        if bytes > kind.maxBytes { return .tooLong(bytes: bytes, limit: kind.maxBytes) }
        var run = 0
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            guard allows(scalar, in: kind) else { return .forbidden(scalar: scalar, position: offset + 1) }
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .enclosingMark:
                run += 1
                if run > maxCombiningMarks { return .combiningMarks(count: run, limit: maxCombiningMarks) }
            default:
                run = 0
            }
        }
        return nil
    }

    /// `U+202E RIGHT-TO-LEFT OVERRIDE`-style name of a scalar for messages, never the character itself.
    public static func describe(_ scalar: Unicode.Scalar) -> String {
        let code = "U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
        if let name = scalar.properties.name ?? scalar.properties.nameAlias { return "\(code) \(name)" }
        return code
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
