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
        return try await download(path: path, headers: extra, into: file, progress: progress)
    }

    /// Sends a GET and writes a successful response's body into `file` chunk by chunk; a refusal is thrown as
    /// its problem and nothing is written. Allows an hour, since a large export takes a while.
    func download(
        path: String, headers extra: [(String, String)], into file: FileHandle,
        progress: @escaping @Sendable (Int64, Int64) -> Void
    ) async throws -> DownloadHead {
        var fields = HTTPHeaders()
        fields.add(name: "Host", value: "localhost")
        fields.add(name: "User-Agent", value: "infusion-client")
        fields.add(name: "Connection", value: "close")
        for (name, value) in extra { fields.replaceOrAdd(name: name, value: value) }
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: fields)
        let socketPath = self.socketPath
        let channel = try await connect(before: .now + .seconds(3600))
        do {
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(.head(head))
                try await outbound.write(.end(nil))
                var responseHead: HTTPResponseHead?
                var errorBody = ByteBuffer()
                var received: Int64 = 0
                var newlines: Int64 = 0
                for try await part in inbound {
                    switch part {
                    case .head(let value):
                        responseHead = value
                    case .body(var chunk):
                        guard let status = responseHead?.status.code, (200..<300).contains(status) else {
                            errorBody.writeBuffer(&chunk)
                            continue
                        }
                        received += Int64(chunk.readableBytes)
                        newlines += Int64(chunk.readableBytesView.lazy.filter { $0 == 0x0A }.count)
                        try file.write(contentsOf: Data(chunk.readableBytesView))
                        progress(received, newlines)
                    case .end:
                        guard let finished = responseHead else {
                            throw InfusionClientError.connectionLost(path: socketPath, underlying: nil)
                        }
                        let response = HTTPResponse(
                            status: Int(finished.status.code),
                            headers: finished.headers.map { (name: $0.name, value: $0.value) },
                            body: Data(errorBody.readableBytesView))
                        guard (200..<300).contains(response.status) else {
                            if let problem = response.problem { throw InfusionClientError.problem(problem) }
                            throw InfusionClientError.unexpected(status: response.status, body: response.bodyText)
                        }
                        return DownloadHead(status: response.status, headers: response.headers)
                    }
                }
                throw InfusionClientError.connectionLost(path: socketPath, underlying: nil)
            }
        } catch let error as InfusionClientError {
            throw error
        } catch {
            throw InfusionClientError.connectionLost(path: socketPath, underlying: error)
        }
    }
}
