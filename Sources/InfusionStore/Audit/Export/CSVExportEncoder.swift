import Foundation
import InfusionCore

/// `csv`: one row per record for people to read in a spreadsheet (RFC 4180: CRLF line ends, fields with
/// commas, quotes or line breaks quoted, quotes doubled). Text that a spreadsheet would run as a formula
/// (starting with a control character, or with `=`, `+`, `-`, `@` or their full-width forms after any leading
/// whitespace) gets a leading `'`; the jsonl export is the evidence.
public struct CSVExportEncoder: AuditExportEncoder {
    /// The column names, in order.
    public static let columns = [
        "seq", "time", "action", "outcome", "person", "role", "uid", "gid", "pid", "entity_type", "entity_id",
        "patient_id", "detail", "prev_hash", "hash",
    ]

    public init() {}

    public func header() -> Data {
        Data((Self.columns.joined(separator: ",") + "\r\n").utf8)
    }

    public func encode(_ stored: StoredAuditRecord) throws -> Data {
        let record = try WireJSON.decoder().decode(AuditRecord.self, from: stored.bytes)
        let detail = String(decoding: try WireJSON.encode(record.detail), as: UTF8.self)
        let fields: [String] = [
            String(record.seq), record.time, text(record.action), text(record.outcome), text(record.actor.person),
            text(record.actor.role), record.actor.uid.map(String.init) ?? "", record.actor.gid.map(String.init) ?? "",
            record.actor.pid.map(String.init) ?? "", text(record.entity?.type), text(record.entity?.id),
            text(record.entity?.patientId), detail, record.prevHash, stored.hash,
        ]
        return Data((fields.map(Self.quoted).joined(separator: ",") + "\r\n").utf8)
    }

    public func footer() -> Data { Data() }

    /// A free-text cell, defused if a spreadsheet would read it as a formula.
    private func text(_ value: String?) -> String {
        guard let value else { return "" }
        return Self.defused(value)
    }

    /// The characters that start a formula: ASCII `= + - @`, their full-width forms `＝ ＋ － ＠` (which
    /// spreadsheets in East Asian locales take as formulas), the small forms and the minus sign.
    static let formulaStarts: Set<Unicode.Scalar> = [
        "=", "+", "-", "@", "\u{FF1D}", "\u{FF0B}", "\u{FF0D}", "\u{FF20}", "\u{FE66}", "\u{FE62}", "\u{FE63}", "\u{FE6B}", "\u{2212}",
    ]

    /// `value` with a leading `'` when a spreadsheet could run it: it starts with a control character (tab, CR,
    /// LF, …), or its first character after any leading whitespace, line breaks and invisible characters starts a
    /// formula, since spreadsheets trim those before looking (` =1+1`, `\n=1+1`, `＝1+1`).
    static func defused(_ value: String) -> String {
        guard let first = value.unicodeScalars.first else { return value }
        if first.properties.generalCategory == .control { return "'" + value }
        let start = value.unicodeScalars.first { scalar in
            !(scalar.properties.isWhitespace || [.control, .format].contains(scalar.properties.generalCategory))
        }
        guard let start, formulaStarts.contains(start) else { return value }
        return "'" + value
    }

    /// RFC 4180 quoting: only when needed, doubling inner quotes.
    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
