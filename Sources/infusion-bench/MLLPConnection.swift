import Foundation
import InfusionHL7
#if canImport(Glibc)
import Glibc
#endif

/// One blocking MLLP connection over TCP: send a framed message, read until the acknowledgement's frame ends.
///
/// Blocking sockets on threads of their own, not the cooperative pool: on 2 cores that pool has 2 threads, and 8
/// senders waiting on reads there would take turns instead of keeping 8 messages in flight.
final class MLLPConnection {
    private let fd: Int32
    private var framer = MLLPFramer(maxMessageBytes: 1024 * 1024)
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    /// Connects to `host:port` (IPv4), trying again for up to `patience` while nothing listens yet (the listener
    /// may still be binding just after the daemon's health answers). Reads time out after `timeout` seconds.
    init(host: String, port: Int, patience: Duration = .seconds(15), timeout: Int = 30) throws {
        let clock = ContinuousClock()
        let deadline = clock.now + patience
        while true {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw BenchError("socket(): \(String(cString: strerror(errno)))") }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr(host)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            if connected {
                var noDelay: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
                var wait = timeval(tv_sec: timeout, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
                self.fd = fd
                return
            }
            let failure = String(cString: strerror(errno))
            close(fd)
            guard clock.now < deadline else { throw BenchError("cannot connect to the HL7 listener at \(host):\(port): \(failure)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    deinit { close(fd) }

    /// Sends one message and returns the acknowledgement's bytes (framing removed).
    func exchange(_ message: [UInt8]) throws -> [UInt8] {
        let framed = MLLPFramer.frame(message)
        var sent = 0
        while sent < framed.count {
            let written = framed[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw BenchError("HL7 send failed: \(String(cString: strerror(errno)))") }
            sent += written
        }
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else {
                throw BenchError(count == 0 ? "the daemon closed the HL7 connection before acknowledging"
                                 : "no HL7 acknowledgement: \(String(cString: strerror(errno)))")
            }
            for event in framer.feed(buffer[0..<count]) {
                guard case .message(let answer) = event else { throw BenchError("unexpected bytes from the HL7 listener: \(event)") }
                return answer
            }
        }
    }
}
