import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bare Unix-socket connection for sending what no well-behaved client would: garbage, half requests, silence.
///
/// Its reads block for up to the receive timeout, so the async ones wait on a thread of their own: a blocking read
/// on one of the test runner's few cooperative threads (two on a 2-core machine) would stall every other test.
/// One task uses a connection at a time, hence `@unchecked Sendable`.
final class RawConnection: @unchecked Sendable {
    private(set) var fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DaemonError("socket() failed: \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw DaemonError("connect(\(path)) failed: \(String(cString: strerror(errno)))")
        }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends bytes; false if the daemon already closed the connection.
    @discardableResult
    func send(_ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let sent = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent <= 0 { return false }
                offset += sent
            }
            return true
        }
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Data(text.utf8)) }

    /// Half-closes the connection: the daemon sees the request end here, but can still answer.
    func finishSending() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Reads until the daemon closes the connection or the receive timeout passes; returns what arrived.
    func readUntilClosed() async -> (data: Data, closed: Bool) {
        await offThePool { $0.readUntilClosedBlocking() }
    }

    /// Waits for the first bytes of an answer (or the close, or the timeout) and returns how many arrived.
    @discardableResult
    func receiveSome() async -> Int {
        await offThePool { connection in
            var buffer = [UInt8](repeating: 0, count: 512)
            return recv(connection.fd, &buffer, buffer.count, 0)
        }
    }

    private func offThePool<T: Sendable>(_ work: @escaping @Sendable (RawConnection) -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work(self)) }
        }
    }

    private func readUntilClosedBlocking() -> (data: Data, closed: Bool) {
        var collected = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { return (collected, true) }
            if count < 0 { return (collected, errno == ECONNRESET) }
            collected.append(contentsOf: buffer[0..<count])
        }
    }

    /// The HTTP status of the first response in what was read, if any.
    static func status(of data: Data) -> Int? {
        let text = String(decoding: data.prefix(64), as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 ") else { return nil }
        return Int(text.dropFirst(9).prefix(3))
    }

    /// Closes the connection now (once: a second close could hit a descriptor the process has reused).
    func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    deinit { close() }
}
