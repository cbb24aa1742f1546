/// The Minimal Lower Layer Protocol framing of HL7 over a byte stream: `0x0B`, the message, `0x1C 0x0D`.
///
/// ``MLLPFramer`` is incremental and pure: feed it whatever a read returned and it hands back the complete frames
/// and the framing faults it found. A frame longer than the limit is not kept: once it passes the limit only its
/// first bytes (enough for the header) are held and the rest is counted and dropped until the frame ends, so a
/// sender cannot make the receiver buffer without bound.
public struct MLLPFramer: Sendable {
    /// Start block.
    public static let startBlock: UInt8 = 0x0B
    /// End block.
    public static let endBlock: UInt8 = 0x1C
    /// The carriage return that follows the end block.
    public static let carriageReturn: UInt8 = 0x0D
    /// How many bytes of an oversized frame are kept, so that its MSH can still be read for the refusal.
    public static let oversizeHeadBytes = 1024

    /// What the framer found in the stream.
    public enum Event: Sendable, Hashable {
        /// A complete message, without the framing bytes.
        case message([UInt8])
        /// A frame longer than the limit, dropped: its total length and its first bytes.
        case oversize(length: Int, head: [UInt8])
        /// Bytes outside any frame (before a start block), dropped; the count of one run of them.
        case discarded(count: Int)
        /// A frame cut short by a new start block, or an end block not followed by CR; its bytes are dropped.
        case malformed(length: Int)
    }

    private enum State: Sendable {
        case idle(discarded: Int)
        case inFrame
        case sawEndBlock
        case skipping(length: Int, sawEndBlock: Bool)
    }

    /// The longest message accepted, in bytes, framing excluded.
    public let maxMessageBytes: Int
    private var state: State = .idle(discarded: 0)
    private var buffer: [UInt8] = []

    /// A framer that accepts messages up to `maxMessageBytes` long.
    public init(maxMessageBytes: Int) {
        precondition(maxMessageBytes > 0, "maxMessageBytes must be positive")
        self.maxMessageBytes = maxMessageBytes
    }

    /// The bytes of a frame in progress (bounded by the limit).
    public var bufferedByteCount: Int { buffer.count }

    /// Whether a frame has started and not ended.
    public var isInsideFrame: Bool {
        if case .idle = state { return false }
        return true
    }

    /// Reads more of the stream.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        for byte in bytes { step(byte, into: &events) }
        if case .idle(let discarded) = state, discarded > 0 {
            // A run of stray bytes is reported once per read rather than held back until a frame starts, so the
            // caller can log and count it promptly.
            events.append(.discarded(count: discarded))
            state = .idle(discarded: 0)
        }
        return events
    }

    /// Ends the stream: a frame still open is reported as malformed.
    public mutating func finish() -> [Event] {
        defer {
            state = .idle(discarded: 0)
            buffer = []
        }
        switch state {
        case .idle(let discarded): return discarded > 0 ? [.discarded(count: discarded)] : []
        case .inFrame: return [.malformed(length: buffer.count)]
        case .sawEndBlock: return [.malformed(length: buffer.count + 1)]
        case .skipping(let length, _): return [.malformed(length: length)]
        }
    }

    private mutating func step(_ byte: UInt8, into events: inout [Event]) {
        switch state {
        case .idle(let discarded):
            if byte == Self.startBlock {
                if discarded > 0 { events.append(.discarded(count: discarded)) }
                buffer.removeAll(keepingCapacity: true)
                state = .inFrame
            } else {
                state = .idle(discarded: discarded + 1)
            }
        case .inFrame:
            if byte == Self.endBlock {
                state = .sawEndBlock
            } else if byte == Self.startBlock {
                events.append(.malformed(length: buffer.count))
                buffer.removeAll(keepingCapacity: true)
            } else if buffer.count >= maxMessageBytes {
                state = .skipping(length: buffer.count + 1, sawEndBlock: false)
                buffer.removeSubrange(min(Self.oversizeHeadBytes, buffer.count)...)
            } else {
                buffer.append(byte)
            }
        case .sawEndBlock:
            if byte == Self.carriageReturn {
                events.append(.message(buffer))
                buffer = []
                state = .idle(discarded: 0)
            } else {
                // 0x1C may not appear inside a message; the frame cannot be trusted.
                events.append(.malformed(length: buffer.count + 2))
                buffer.removeAll(keepingCapacity: true)
                state = byte == Self.startBlock ? .inFrame : .idle(discarded: 0)
            }
        case .skipping(let length, let sawEndBlock):
            if sawEndBlock && byte == Self.carriageReturn {
                events.append(.oversize(length: length - 1, head: buffer))
                buffer = []
                state = .idle(discarded: 0)
            } else if byte == Self.startBlock {
                // The sender gave up on the long frame and started another.
                events.append(.oversize(length: length, head: buffer))
                buffer.removeAll(keepingCapacity: true)
                state = .inFrame
            } else {
                state = .skipping(length: length + 1, sawEndBlock: byte == Self.endBlock)
            }
        }
    }

    /// Frames a message for sending: start block, the bytes, end block, CR.
    public static func frame(_ message: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = [startBlock]
        out.reserveCapacity(message.count + 3)
        out.append(contentsOf: message)
        out.append(endBlock)
        out.append(carriageReturn)
        return out
    }
}
