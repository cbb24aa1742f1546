import Foundation
import InfusionCore
import NIOCore
import NIOHTTP1

extension InfusionClient {
    /// `GET /v1/audit/checkpoint`: the latest signed checkpoint of the audit trail.
    public func auditCheckpoint() async throws -> AuditCheckpoint {
        try await send(method: "GET", path: "/v1/audit/checkpoint").decoded(as: AuditCheckpoint.self, expecting: [200])
    }

    /// `GET /v1/audit/public-key`: the key auditors check checkpoints with.
    public func auditPublicKey() async throws -> AuditPublicKey {
        try await send(method: "GET", path: "/v1/audit/public-key").decoded(as: AuditPublicKey.self, expecting: [200])
    }

    /// `GET /v1/audit/proof/consistency`: the RFC 6962 proof that the tree of `to` records (the latest checkpoint's
    /// size when nil) extends the tree of `from` records.
    public func auditConsistencyProof(from: Int64, to: Int64? = nil) async throws -> AuditConsistencyProof {
        let path = Self.path("/v1/audit/proof/consistency", query: [("from", String(from)), ("to", to.map(String.init))])
        return try await send(method: "GET", path: path).decoded(as: AuditConsistencyProof.self, expecting: [200])
    }

    /// `GET /v1/audit/export`: streams an export into `file` as it arrives, in constant memory, and returns the
    /// response head (with the `Infusiond-Audit-*` headers: range, count, checkpoint, prefix).
    ///
    /// - Parameters:
    ///   - format: `jsonl`, `csv` or `fhir`.
    ///   - from: first record, a seq or an RFC 3339 time; the first record when nil.
    ///   - to: last record, a seq or an RFC 3339 time; the export's own audit record when nil.
    ///   - person: who is exporting, recorded in the audit trail (sent as `X-Infusion-Person`).
    ///   - progress: called with the bytes received so far and how many newline bytes they held.
    public func downloadAuditExport(
        format: String, from: String? = nil, to: String? = nil, person: String? = nil, into file: FileHandle,
        progress: @escaping @Sendable (_ bytes: Int64, _ newlines: Int64) -> Void = { _, _ in }
    ) async throws -> DownloadHead {
        let path = Self.path("/v1/audit/export", query: [("format", format), ("from", from), ("to", to)])
        var extra: [(String, String)] = []
        if let person { extra.append(("X-Infusion-Person", person)) }
        var newlines: Int64 = 0
        return try await download(method: .GET, path: path, headers: extra, into: file) { chunk, received in
            newlines += Int64(chunk.lazy.filter { $0 == 0x0A }.count)
            progress(received, newlines)
        }
    }
}
