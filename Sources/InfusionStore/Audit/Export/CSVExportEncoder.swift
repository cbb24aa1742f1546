import Foundation
import InfusionCore

/// `csv`: one row per record for people to read in a spreadsheet (RFC 4180: CRLF line ends, fields with
/// commas, quotes or line breaks quoted, quotes doubled). Text that a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, tab or CR) gets a leading `'`; the jsonl export is the evidence.
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
        guard let value, let first = value.unicodeScalars.first else { return "" }
        return ["=", "+", "-", "@", "\t", "\r"].contains(first) ? "'" + value : value
    }

    /// RFC 4180 quoting: only when needed, doubling inner quotes.
    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
