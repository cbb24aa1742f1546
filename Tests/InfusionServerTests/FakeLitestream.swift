import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A stand-in for Litestream's control socket: answers `GET /list` and `POST /sync` with what the test sets, and
/// records what it was asked. Serves on its own thread, one connection at a time, as Litestream's answers are small.
final class FakeLitestream: Sendable {
    let socketPath: String
    private let listener: Int32
    /// The `/list` body to send; `nil` closes the connection without an answer.
    let listBody = Mutex<String?>(#"{"databases":[]}"#)
    /// The `/sync` status and body to send.
    let syncAnswer = Mutex<(status: Int, body: String)>((200, #"{"status":"synced","txid":1,"replicated_txid":1}"#))
    /// Every request line and body received.
    let requests = Mutex<[(line: String, body: String)]>([])
    private let stopped = Mutex(false)

    init() throws {
        socketPath = "/tmp/fl-\(UUID().uuidString.prefix(8).lowercased()).sock"
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// Sets `/list` to report `path` as replicating, last synced `age` seconds ago.
    func report(path: String, syncedSecondsAgo age: Double, status: String = "replicating") {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let time = formatter.string(from: Date().addingTimeInterval(-age)).replacingOccurrences(of: "Z", with: "123456Z")
        listBody.withLock { $0 = #"{"databases":[{"path":"\#(path)","status":"\#(status)","last_sync_at":"\#(time)"}]}"# }
    }

    private func serve() {
        while !stopped.withLock({ $0 }) {
            let connection = accept(listener, nil, nil)
            if connection < 0 { if stopped.withLock({ $0 }) { return } else { continue } }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        // Read the head, then as much body as Content-Length says.
        while true {
            let count = recv(connection, &buffer, buffer.count, 0)
            if count <= 0 { return }
            received.append(contentsOf: buffer[0..<count])
            guard let end = received.firstRange(of: Data("\r\n\r\n".utf8)) else { continue }
            let head = String(decoding: received[..<end.lowerBound], as: UTF8.self)
            let length = head.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            if received.count - end.upperBound < length { continue }
            let line = head.components(separatedBy: "\r\n")[0]
            let body = String(decoding: received[end.upperBound...], as: UTF8.self)
            requests.withLock { $0.append((line, body)) }
            let answer: (Int, String)?
            if line.hasPrefix("GET /list ") {
                answer = listBody.withLock { $0 }.map { (200, $0) }
            } else if line.hasPrefix("POST /sync ") {
                answer = syncAnswer.withLock { $0 }
            } else {
                answer = (404, "404 page not found\n")
            }
            guard let (status, text) = answer else { return }
            let response = "HTTP/1.1 \(status) X\r\nContent-Type: application/json\r\nContent-Length: \(text.utf8.count)\r\nConnection: close\r\n\r\n\(text)"
            _ = response.withCString { send(connection, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            return
        }
    }

    /// Stops serving and removes the socket; the serving thread holds the fake until then.
    func stop() {
        stopped.withLock { $0 = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        unlink(socketPath)
    }
}
