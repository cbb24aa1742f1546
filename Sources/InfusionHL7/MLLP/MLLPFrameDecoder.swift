import NIOCore

/// A NIO inbound decoder around ``MLLPFramer``: bytes in, ``MLLPFramer/Event`` values out (complete messages and
/// framing faults alike, so the handler after it decides how to answer and what to count).
public struct MLLPFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = MLLPFramer.Event

    private var framer: MLLPFramer

    /// A decoder that accepts messages up to `maxMessageBytes` long.
    public init(maxMessageBytes: Int) {
        self.framer = MLLPFramer(maxMessageBytes: maxMessageBytes)
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let bytes = buffer.readBytes(length: buffer.readableBytes), !bytes.isEmpty else { return .needMoreData }
        // The framer keeps its own bounded buffer, so everything readable is consumed at once.
        for event in framer.feed(bytes) {
            context.fireChannelRead(wrapInboundOut(event))
        }
        return .needMoreData
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        _ = try decode(context: context, buffer: &buffer)
        if seenEOF {
            for event in framer.finish() {
                context.fireChannelRead(wrapInboundOut(event))
            }
        }
        return .needMoreData
    }
}

/// A NIO outbound encoder that frames each outgoing message (an acknowledgement) with MLLP in one buffer, so it
/// leaves in one write: senders such as PyPI `hl7`'s `mllp_send` read the acknowledgement with a single `recv`.
public struct MLLPFrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = ByteBuffer

    public init() {}

    public func encode(data: ByteBuffer, out: inout ByteBuffer) throws {
        out.reserveCapacity(data.readableBytes + 3)
        out.writeInteger(MLLPFramer.startBlock)
        out.writeImmutableBuffer(data)
        out.writeInteger(MLLPFramer.endBlock)
        out.writeInteger(MLLPFramer.carriageReturn)
    }
}
