import Foundation

/// The export formats of `GET /v1/audit/export`.
public enum AuditExportFormat: String, Sendable, CaseIterable {
    /// One record per line, each line exactly the bytes that were hashed.
    case jsonl
    /// One row per record for people (RFC 4180).
    case csv
    /// A FHIR R4 Bundle (type collection) of AuditEvent resources.
    case fhir

    /// The response's media type.
    public var contentType: String {
        switch self {
        case .jsonl: "application/jsonl"
        case .csv: "text/csv; charset=utf-8; header=present"
        case .fhir: "application/fhir+json; fhirVersion=4.0"
        }
    }

    /// A fresh encoder for one export.
    public func encoder(origin: String, exportedAt: Date) -> any AuditExportEncoder {
        switch self {
        case .jsonl: JSONLinesExportEncoder()
        case .csv: CSVExportEncoder()
        case .fhir: FHIRExportEncoder(origin: origin, exportedAt: exportedAt)
        }
    }
}

/// One stored record as an export reads it: its seq, its stored hash and its exact bytes.
public struct StoredAuditRecord: Sendable {
    public var seq: Int64
    public var hash: String
    public var bytes: Data

    public init(seq: Int64, hash: String, bytes: Data) {
        self.seq = seq
        self.hash = hash
        self.bytes = bytes
    }
}

/// Turns records into an export's bytes, piece by piece, so an export of any size streams in constant memory.
public protocol AuditExportEncoder: Sendable {
    /// What comes before the first record.
    mutating func header() -> Data
    /// One record.
    mutating func encode(_ record: StoredAuditRecord) throws -> Data
    /// What comes after the last record.
    mutating func footer() -> Data
}

/// `jsonl`: each record's stored bytes and a newline, nothing else.
public struct JSONLinesExportEncoder: AuditExportEncoder {
    public init() {}
    public func header() -> Data { Data() }
    public func encode(_ record: StoredAuditRecord) -> Data { record.bytes + Data([0x0A]) }
    public func footer() -> Data { Data() }
}
