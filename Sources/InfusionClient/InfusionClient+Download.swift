import Foundation
import InfusionCore
import NIOCore
import NIOHTTP1

extension InfusionClient {
    /// The head of a downloaded response; the body went to the file.
    public struct DownloadHead: Sendable {
        /// The HTTP status code.
        public var status: Int
        /// The response headers.
        public var headers: [(name: String, value: String)]

        /// The first value of a header, compared without regard to case.
        public func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
    }

    /// `POST /v1/admin/backup`: streams a consistent copy of the live database into `file` as it arrives, so a
    /// large database never has to fit in memory. `progress` is called with the bytes received so far.
    ///
    /// - Throws: ``InfusionClientError/problem(_:)`` when the daemon refuses (nothing is written to `file` then).
    public func downloadBackup(
        into file: FileHandle, progress: @escaping @Sendable (Int64) -> Void = { _ in }
    ) async throws -> DownloadHead {
        try await download(method: .POST, path: "/v1/admin/backup",
                           headers: [("Accept", "application/vnd.sqlite3, application/problem+json"), ("Content-Length", "0")],
                           into: file) { _, received in progress(received) }
    }

    /// Sends a request without a body and writes a successful response's body into `file` chunk by chunk (constant
    /// memory, whatever the size); a refusal is thrown as its problem and nothing is written. `received` is called
    /// with each chunk and the bytes so far. Allows an hour rather than the usual timeout: a large export or backup
    /// takes a while.
    func download(
        method: HTTPMethod, path: String, headers extra: [(String, String)], into file: FileHandle,
        received: (_ chunk: ByteBufferView, _ total: Int64) -> Void
    ) async throws -> DownloadHead {
        var fields = HTTPHeaders()
        fields.add(name: "Host", value: "localhost")
        fields.add(name: "User-Agent", value: "infusion-client")
        fields.add(name: "Connection", value: "close")
        for (name, value) in extra { fields.replaceOrAdd(name: name, value: value) }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: fields)
        let socketPath = self.socketPath
        let channel = try await connect(before: .now + .seconds(3600))
        do {
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(.head(head))
                try await outbound.write(.end(nil))
                var responseHead: HTTPResponseHead?
                var errorBody = ByteBuffer()
                var total: Int64 = 0
                for try await part in inbound {
                    switch part {
                    case .head(let value):
                        responseHead = value
                    case .body(var chunk):
                        guard let status = responseHead?.status.code, (200..<300).contains(status) else {
                            errorBody.writeBuffer(&chunk)
                            continue
                        }
                        total += Int64(chunk.readableBytes)
                        try file.write(contentsOf: Data(chunk.readableBytesView))
                        received(chunk.readableBytesView, total)
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
