import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The pieces of the MLLP listener fuzz (HL7ListenerFuzzTests): a seeded generator of what senders write, a model
/// of MLLP framing that says which frames the daemon must treat as complete, the answer each frame calls for, and
/// the check that a connection's answers fit its frames in order.
///
/// The model is written from the framing rules in docs/HL7.md, not from the daemon's framer, so a framer that lost
/// or invented a frame disagrees with it.
enum HL7Fuzz {
    /// SplitMix64: small, seeded, the same sequence on every platform.
    struct Random: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }
        mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    }

    static let startBlock: UInt8 = 0x0B
    static let endBlock: UInt8 = 0x1C
    static let carriageReturn: UInt8 = 0x0D

    static func frame(_ content: [UInt8]) -> [UInt8] { [startBlock] + content + [endBlock, carriageReturn] }

    // MARK: What a frame calls for

    /// The answer one complete frame calls for.
    struct Expectation: Sendable, CustomStringConvertible {
        enum Presence: String, Sendable { case one, none, maybe }
        var presence: Presence
        /// MSA-2 the answer must carry, when the frame's MSH-10 is known to be readable.
        var controlId: String?
        /// MSA-1 codes allowed.
        var codes: Set<String>
        var label: String

        var description: String {
            "\(label): \(presence.rawValue)\(controlId.map { " MSA-2 '\($0)'" } ?? "") MSA-1 in \(codes.sorted())"
        }
    }

    static let allCodes: Set<String> = ["AA", "AE", "AR", "CA", "CE", "CR"]

    enum Disposition: CaseIterable { case accepted, error, rejected }

    /// HL7 table 0155 as docs/HL7.md reads it: an empty field in enhanced mode asks for nothing, a value outside the
    /// table is read as AL.
    static func applies(_ condition: String, _ disposition: Disposition) -> Bool {
        switch condition {
        case "": false
        case "NE": false
        case "ER": disposition != .accepted
        case "SU": disposition == .accepted
        default: true
        }
    }

    /// The code answered for a disposition under MSH-15/MSH-16, or nil for none.
    static func code(accept: String, application: String, _ disposition: Disposition) -> String? {
        let letter = switch disposition { case .accepted: "A"; case .error: "E"; case .rejected: "R" }
        if accept.isEmpty && application.isEmpty { return "A" + letter }
        if applies(accept, disposition) { return "C" + letter }
        if applies(application, disposition) { return "A" + letter }
        return nil
    }

    /// What an answer looks like when the outcome can be any of `dispositions`.
    static func expectation(accept: String, application: String, dispositions: [Disposition], controlId: String?, label: String) -> Expectation {
        let codes = dispositions.map { code(accept: accept, application: application, $0) }
        let answered = codes.compactMap { $0 }
        let presence: Expectation.Presence = answered.count == codes.count ? .one : answered.isEmpty ? .none : .maybe
        return Expectation(presence: presence, controlId: controlId, codes: Set(answered), label: label)
    }

    /// MSH read the simple way, only when it is plain enough that the daemon must read it the same: standard
    /// delimiters, printable ASCII, no escapes, repetitions or subcomponents, few fields. Nil otherwise.
    static func plainHeader(_ content: ArraySlice<UInt8>) -> [String]? {
        let end = content.firstIndex(where: { $0 == carriageReturn || $0 == 0x0A }) ?? content.endIndex
        let segment = content[content.startIndex..<end]
        let prefix = Array("MSH|^~\\&|".utf8)
        guard segment.count <= 512, segment.starts(with: prefix) else { return nil }
        let rest = segment.dropFirst(prefix.count)
        guard rest.allSatisfy({ (0x20..<0x7F).contains($0) && $0 != UInt8(ascii: "\\") && $0 != UInt8(ascii: "~") && $0 != UInt8(ascii: "&") })
        else { return nil }
        let fields = ["MSH", "^~\\&"] + String(decoding: rest, as: UTF8.self).split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard fields.count <= 30 else { return nil }
        return fields
    }

    /// The raw text of MSH-n in a plain header (`fields[0]` is the segment id, `fields[1]` MSH-2).
    static func field(_ fields: [String], _ n: Int) -> String { n >= 2 && n - 1 < fields.count ? fields[n - 1] : "" }

    static func isPlainId(_ text: String) -> Bool {
        text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == UInt8(ascii: "-") }
    }

    static func isAckCondition(_ text: String) -> Bool {
        text.utf8.allSatisfy { (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) }
    }

    /// What a complete frame calls for, from its bytes alone (for frames not generated intact).
    static func generic(_ content: [UInt8], oversize: Bool, label: String) -> Expectation {
        let dispositions: [Disposition] = oversize ? [.error] : Disposition.allCases
        guard content.count >= 4, content.starts(with: Array("MSH".utf8)) else {
            // No MSH, no header: original mode, AR, empty MSA-2.
            return Expectation(presence: .one, controlId: "", codes: ["AR"], label: label)
        }
        if let fields = plainHeader(content[...]) {
            let accept = field(fields, 15), application = field(fields, 16)
            let controlId = field(fields, 10)
            if isAckCondition(accept) && isAckCondition(application) {
                return expectation(accept: accept, application: application, dispositions: dispositions,
                                   controlId: isPlainId(controlId) ? controlId : nil, label: label)
            }
            return Expectation(presence: .maybe, controlId: isPlainId(controlId) ? controlId : nil, codes: allCodes, label: label)
        }
        // Not plain: when MSH-15 and MSH-16 are certainly empty (split on the field separator as the daemon does)
        // the mode is original whatever else the header holds, so an answer is due.
        let end = content.firstIndex(where: { $0 == carriageReturn || $0 == 0x0A }) ?? content.endIndex
        let fields = content[0..<end].split(separator: content[3], omittingEmptySubsequences: false)
        let accept = fields.count > 14 ? fields[14] : []
        let application = fields.count > 15 ? fields[15] : []
        if accept.isEmpty && application.isEmpty {
            return Expectation(presence: .one, controlId: nil, codes: allCodes, label: label)
        }
        return Expectation(presence: .maybe, controlId: nil, codes: allCodes, label: label)
    }

    // MARK: Framing model

    /// A frame the daemon must treat as complete (and so answer), and where in the stream its last byte was.
    struct ModelFrame {
        var content: [UInt8]
        var oversize: Bool
        var end: Int
    }

    /// The frames of a stream under docs/HL7.md's MLLP rules: a frame runs from 0x0B to 0x1C 0x0D; bytes before a
    /// 0x0B are dropped; a 0x0B inside a frame abandons it, as does 0x1C followed by anything but CR; a frame longer
    /// than `limit` is refused as oversize (answered from its first 1024 bytes) when it ends or is abandoned for a
    /// new one, and past the limit only 0x1C CR or 0x0B ends it. A frame still open when the stream ends is dropped.
    static func modelFrames(_ stream: [UInt8], limit: Int) -> [ModelFrame] {
        var frames: [ModelFrame] = []
        var inFrame = false
        var content: [UInt8] = []
        var length = 0
        var sawEnd = false
        for (offset, byte) in stream.enumerated() {
            guard inFrame else {
                if byte == startBlock { inFrame = true; content = []; length = 0; sawEnd = false }
                continue
            }
            let over = length > limit
            if sawEnd {
                sawEnd = false
                if byte == carriageReturn {
                    frames.append(ModelFrame(content: over ? Array(content.prefix(1024)) : content, oversize: over, end: offset))
                    inFrame = false
                    continue
                }
                if !over {
                    // Within the limit the frame cannot be trusted: dropped, and the byte starts a frame or is dropped.
                    inFrame = byte == startBlock
                    content = []; length = 0
                    continue
                }
            }
            if byte == startBlock {
                if over { frames.append(ModelFrame(content: Array(content.prefix(1024)), oversize: true, end: offset)) }
                content = []; length = 0
            } else if byte == endBlock {
                sawEnd = true
                if over { length += 1 }
            } else {
                length += 1
                if length <= limit { content.append(byte) }
            }
        }
        return frames
    }

    // MARK: Answers

    /// One acknowledgement read back.
    struct Answer: Sendable, CustomStringConvertible {
        var code: String
        var controlId: String
        var text: String
        var description: String { "\(code) '\(controlId)'" }
    }

    /// Splits what the daemon wrote into MLLP frames and reads each as an ACK; an error names what was wrong.
    static func answers(_ bytes: [UInt8]) -> (answers: [Answer], rest: [UInt8], error: String?) {
        var answers: [Answer] = []
        var index = 0
        while index < bytes.count {
            guard bytes[index] == startBlock else {
                return (answers, [], "a byte 0x\(String(bytes[index], radix: 16)) outside any answer frame at offset \(index)")
            }
            var end = index + 1
            while end + 1 < bytes.count && !(bytes[end] == endBlock && bytes[end + 1] == carriageReturn) { end += 1 }
            guard end + 1 < bytes.count else { return (answers, Array(bytes[index...]), nil) }
            let content = Array(bytes[(index + 1)..<end])
            guard let answer = parseAck(content) else {
                return (answers, [], "an answer that is not an ACK: \(String(decoding: content, as: UTF8.self).debugDescription)")
            }
            answers.append(answer)
            index = end + 2
        }
        return (answers, [], nil)
    }

    /// MSA-1 and MSA-2 of an ACK (in the delimiters its MSH declares), when it is one.
    static func parseAck(_ content: [UInt8]) -> Answer? {
        let text = String(decoding: content.map { $0 < 0x80 ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
        guard text.hasPrefix("MSH"), content.count > 8, text.hasSuffix("\r") else { return nil }
        let separator = Character(Unicode.Scalar(content[3]))
        let segments = text.split(separator: "\r")
        let msh = segments[0].split(separator: separator, omittingEmptySubsequences: false)
        guard msh.count > 8, msh[8].hasPrefix("ACK") else { return nil }
        guard let msa = segments.first(where: { $0.hasPrefix("MSA\(separator)") }) else { return nil }
        let fields = msa.split(separator: separator, omittingEmptySubsequences: false)
        // Trailing empty fields are left out, so an empty MSA-2 may be absent.
        guard fields.count >= 2, allCodes.contains(String(fields[1])) else { return nil }
        return Answer(code: String(fields[1]), controlId: fields.count > 2 ? String(fields[2]) : "", text: text)
    }

    /// Whether the answers fit the expectations in order: each `one` answered once, each `none` never, each
    /// `maybe` at most once, every answer matching its frame's MSA-1 codes and MSA-2.
    static func fits(_ expected: [Expectation], _ answers: [Answer]) -> Bool {
        let rows = expected.count, columns = answers.count
        // feasible[i][j]: expected[i...] can be answered by exactly answers[j...].
        var feasible = [[Bool]](repeating: [Bool](repeating: false, count: columns + 1), count: rows + 1)
        feasible[rows][columns] = true
        func matches(_ e: Expectation, _ a: Answer) -> Bool {
            e.codes.contains(a.code) && (e.controlId == nil || e.controlId == a.controlId)
        }
        for i in stride(from: rows - 1, through: 0, by: -1) {
            for j in 0...columns {
                let take = j < columns && matches(expected[i], answers[j]) && feasible[i + 1][j + 1]
                switch expected[i].presence {
                case .none: feasible[i][j] = feasible[i + 1][j]
                case .one: feasible[i][j] = take
                case .maybe: feasible[i][j] = take || feasible[i + 1][j]
                }
            }
        }
        return feasible[0][0]
    }
}

/// A blocking MLLP client socket, TCP or Unix, with a receive timeout. Used from one thread of its own at a time
/// (never a cooperative one), hence `@unchecked Sendable`.
final class MLLPSocket: @unchecked Sendable {
    private(set) var fd: Int32 = -1

    /// Connects to 127.0.0.1:`port`, or to the Unix socket at `path`; tries again for up to 15 s, since the
    /// listener may still be binding just after the daemon answers health.
    init(port: Int? = nil, path: String? = nil, timeoutSeconds: Int = 10) throws {
        let deadline = Date().addingTimeInterval(15)
        while true {
            if try connectOnce(port: port, path: path) { break }
            if Date() > deadline { throw DaemonError("cannot connect to \(port.map { "127.0.0.1:\($0)" } ?? path ?? "?"): \(String(cString: strerror(errno)))") }
            usleep(100_000)
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    private func connectOnce(port: Int?, path: String?) throws -> Bool {
        if let port {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw DaemonError("socket() failed: \(errno)") }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if result == 0 { return true }
        } else if let path {
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
            if result == 0 { return true }
        }
        close()
        return false
    }

    /// Sends everything; false if the connection is gone.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let sent = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent <= 0 { return false }
                offset += sent
            }
            return true
        }
    }

    /// Half-closes: the daemon sees the stream end here, and can still answer.
    func finishSending() { shutdown(fd, Int32(SHUT_WR)) }

    /// One read: the bytes, empty at the peer's close, nil on timeout or error.
    func receive() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &buffer, buffer.count, 0)
        if count < 0 { return nil }
        return Array(buffer[0..<count])
    }

    /// Whether the peer has closed the connection, without waiting.
    var peerClosed: Bool {
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// Closes now (once: a second close could hit a descriptor the process has reused).
    func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    deinit { close() }

    /// Runs blocking work on a thread of its own, so socket waits never hold the test runner's few cooperative
    /// threads (two on a 2-core machine).
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.start()
        }
    }
}
