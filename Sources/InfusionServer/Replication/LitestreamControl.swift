import Foundation
import InfusionCore
#if canImport(Glibc)
import Glibc
#endif

/// Litestream's control socket (`socket:` in its config, 0.5 and later): HTTP/1.1 over a Unix socket.
///
/// `GET /list` reports each database with its `last_sync_at`, which advances at every sync interval even when
/// nothing changed, so now minus it is the replica's lag; `POST /sync` with `{"path": …, "wait": true}` ships what
/// is committed and answers once the replica has it. Each question opens its own connection and runs on a thread
/// of its own with a deadline, so a hung replicator never holds a cooperative thread or the daemon's stop.
public struct LitestreamControl: Sendable {
    /// The control socket's path.
    public let socketPath: String

    public init(socketPath: String) {
        self.socketPath = socketPath
    }

    /// One database as `GET /list` reports it.
    public struct DatabaseStatus: Sendable, Hashable, Decodable {
        public var path: String
        /// `replicating`, or what else Litestream says about it.
        public var status: String?
        public var lastSyncAt: Date?

        enum CodingKeys: String, CodingKey {
            case path, status
            case lastSyncAt = "last_sync_at"
        }

        public init(path: String, status: String?, lastSyncAt: Date?) {
            self.path = path
            self.status = status
            self.lastSyncAt = lastSyncAt
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            path = try container.decode(String.self, forKey: .path)
            status = try container.decodeIfPresent(String.self, forKey: .status)
            lastSyncAt = try container.decodeIfPresent(String.self, forKey: .lastSyncAt).flatMap(LitestreamControl.parseTime)
        }
    }

    /// What `POST /sync` answered: the database's transaction and the replica's.
    public struct SyncResult: Sendable, Hashable, Decodable {
        /// `synced`, `no_change`, …
        public var status: String?
        public var txid: UInt64?
        public var replicatedTxid: UInt64?

        enum CodingKeys: String, CodingKey {
            case status, txid
            case replicatedTxid = "replicated_txid"
        }
    }

    /// A question the replicator did not answer as expected, with what to check.
    public struct ControlError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// `GET /list`: every database the replicator watches.
    public func list(timeout: Duration = .seconds(5)) async throws -> [DatabaseStatus] {
        struct Listing: Decodable { var databases: [DatabaseStatus]? }
        let body = try await request(method: "GET", path: "/list", body: nil, timeout: timeout)
        do {
            return try JSONDecoder().decode(Listing.self, from: body).databases ?? []
        } catch {
            throw ControlError(description: "Litestream's /list answer on \(socketPath) is not what this daemon understands (\(error)); is it Litestream 0.5 or later?")
        }
    }

    /// The entry of `GET /list` for the database at `path` (compared after resolving symbolic links), or nil.
    public func status(of path: String, timeout: Duration = .seconds(5)) async throws -> DatabaseStatus? {
        let wanted = Self.canonical(path)
        return try await list(timeout: timeout).first { Self.canonical($0.path) == wanted }
    }

    /// `POST /sync` with `wait`: returns once the replica holds everything committed to the database at `path`.
    public func sync(path: String, timeout: Duration) async throws -> SyncResult {
        let payload = try JSONSerialization.data(withJSONObject: ["path": path, "wait": true, "timeout": max(1, Int(timeout.components.seconds))])
        let body = try await request(method: "POST", path: "/sync", body: payload, timeout: timeout)
        do {
            return try JSONDecoder().decode(SyncResult.self, from: body)
        } catch {
            throw ControlError(description: "Litestream's /sync answer is not what this daemon understands: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
    }

    /// The path with symbolic links and `.`/`..` resolved, so the daemon's and Litestream's spellings compare.
    static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return (path as NSString).standardizingPath }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Go's RFC 3339 with nanoseconds (`2026-12-03T09:56:10.81059962Z`), or without a fraction.
    public static func parseTime(_ text: String) -> Date? {
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        // Foundation's parser takes at most milliseconds reliably; the rest of the fraction does not matter here.
        if let dot = text.firstIndex(of: "."), let zone = text[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" }) {
            let fraction = text[text.index(after: dot)..<zone].prefix(3)
            if let date = fractional.date(from: "\(text[..<dot]).\(fraction.padding(toLength: 3, withPad: "0", startingAt: 0))\(text[zone...])") {
                return date
            }
        }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return plain.date(from: text)
    }

    /// Sends one request and returns the body of a 2xx answer; anything else is a ``ControlError``.
    func request(method: String, path: String, body: Data?, timeout: Duration) async throws -> Data {
        let socketPath = self.socketPath
        // A thread of its own: the shared dispatch pool can be busy with other blocking work, and the stop must
        // not wait for a turn there before its own deadline even starts.
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result {
                    try Self.exchange(socketPath: socketPath, method: method, path: path, body: body, timeout: timeout)
                })
            }
            thread.name = "litestream-control"
            thread.start()
        }
    }

    /// The blocking exchange: connect, write the request, read until the replicator closes or the deadline.
    static func exchange(socketPath: String, method: String, path: String, body: Data?, timeout: Duration) throws -> Data {
        let deadline = ContinuousClock.now + timeout
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw ControlError(description: "cannot make a socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw ControlError(description: "the control socket path \(socketPath) is too long for a Unix socket")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        setTimeout(descriptor, until: deadline)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            throw ControlError(description: "cannot reach Litestream's control socket \(socketPath): \(reason). Is infusiond-litestream running, with `socket: {enabled: true, path: \(socketPath)}` in its config, and may this account connect?")
        }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: litestream\r\nUser-Agent: infusiond\r\nConnection: close\r\n"
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        head += "\r\n"
        var request = Data(head.utf8)
        if let body { request.append(body) }
        try request.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if written < 0 {
                    if errno == EINTR { continue }
                    throw ControlError(description: "cannot write to Litestream's control socket \(socketPath): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
        var response = Data()
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            setTimeout(descriptor, until: deadline)
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count > 0 {
                response.append(contentsOf: buffer[0..<count])
                if response.count > 4 << 20 { throw ControlError(description: "Litestream's answer on \(socketPath) is larger than 4 MiB") }
                continue
            }
            if count == 0 { break }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                throw ControlError(description: "Litestream did not answer \(method) \(path) on \(socketPath) within \(timeout)")
            }
            throw ControlError(description: "reading Litestream's answer on \(socketPath) failed: \(String(cString: strerror(errno)))")
        }
        return try parse(response, request: "\(method) \(path)", socketPath: socketPath)
    }

    /// The body of a complete HTTP/1.1 response (plain or chunked) with a 2xx status.
    public static func parse(_ response: Data, request: String, socketPath: String) throws -> Data {
        guard let end = response.firstRange(of: Data("\r\n\r\n".utf8)) else {
            throw ControlError(description: "Litestream closed \(socketPath) without a complete answer to \(request)")
        }
        let lines = String(decoding: response[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines.first?.split(separator: " ", maxSplits: 2) ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw ControlError(description: "Litestream's answer to \(request) on \(socketPath) is not HTTP: \(lines.first ?? "")")
        }
        var body = Data(response[end.upperBound...])
        let chunked = lines.dropFirst().contains { $0.lowercased().hasPrefix("transfer-encoding:") && $0.lowercased().contains("chunked") }
        if chunked { body = dechunk(body) }
        guard (200..<300).contains(status) else {
            struct Failure: Decodable { var error: String? }
            let reason = (try? JSONDecoder().decode(Failure.self, from: body))?.error
                ?? String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw ControlError(description: "Litestream answered \(request) with \(status): \(reason)")
        }
        return body
    }

    private static func dechunk(_ data: Data) -> Data {
        var output = Data()
        var rest = data[...]
        while let lineEnd = rest.firstRange(of: Data("\r\n".utf8)) {
            let sizeText = String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            guard rest.distance(from: start, to: rest.endIndex) >= size else { break }
            let stop = rest.index(start, offsetBy: size)
            output.append(rest[start..<stop])
            rest = rest[stop...].dropFirst(2)
        }
        return output
    }

    private static func setTimeout(_ descriptor: Int32, until deadline: ContinuousClock.Instant) {
        let left = max(deadline - ContinuousClock.now, .milliseconds(1))
        var value = timeval(tv_sec: Int(left.components.seconds), tv_usec: Int(left.components.attoseconds / 1_000_000_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }
}
