import NIOCore
import NIOEmbedded
import Testing
@testable import InfusionHL7

@Suite struct MLLPFramerTests {
    let message = hl7(msh(), "PID|||A1", "OBR|1")

    @Test func oneFrameInOneRead() {
        var framer = MLLPFramer(maxMessageBytes: 4096)
        #expect(framer.feed(MLLPFramer.frame(message)) == [.message(message)])
        #expect(!framer.isInsideFrame)
    }

    @Test func frameSplitAtEveryByteBoundary() {
        let framed = MLLPFramer.frame(message)
        for cut in 1..<framed.count {
            var framer = MLLPFramer(maxMessageBytes: 4096)
            let events = framer.feed(framed[..<cut]) + framer.feed(framed[cut...])
            #expect(events == [.message(message)], "cut at \(cut)")
        }
    }

    @Test func frameFedByteByByte() {
        var framer = MLLPFramer(maxMessageBytes: 4096)
        var events: [MLLPFramer.Event] = []
        for byte in MLLPFramer.frame(message) { events += framer.feed([byte]) }
        #expect(events == [.message(message)])
    }

    @Test func twoFramesInOneRead() {
        let second = hl7(msh(control: "MSG2"))
        var framer = MLLPFramer(maxMessageBytes: 4096)
        #expect(framer.feed(MLLPFramer.frame(message) + MLLPFramer.frame(second)) == [.message(message), .message(second)])
    }

    @Test func garbageBeforeStartBlockIsDiscardedAndCounted() {
        var framer = MLLPFramer(maxMessageBytes: 4096)
        let events = framer.feed(Array("noise\r\n".utf8) + MLLPFramer.frame(message))
        #expect(events == [.discarded(count: 7), .message(message)])
        #expect(framer.feed(Array("xy".utf8)) == [.discarded(count: 2)])
    }

    @Test(arguments: [1, 31, 32])
    func messagesUpToTheLimitPass(size: Int) {
        let body = [UInt8](repeating: UInt8(ascii: "A"), count: size)
        var framer = MLLPFramer(maxMessageBytes: 32)
        #expect(framer.feed(MLLPFramer.frame(body)) == [.message(body)])
    }

    @Test(arguments: [33, 100, 10_000])
    func oversizeFrameIsReportedWithoutBeingBuffered(size: Int) {
        let body = [UInt8](repeating: UInt8(ascii: "A"), count: size)
        var framer = MLLPFramer(maxMessageBytes: 32)
        var events: [MLLPFramer.Event] = []
        var largestBuffer = 0
        for chunk in stride(from: 0, to: size + 3, by: 7).map({ Array(MLLPFramer.frame(body)[$0..<min($0 + 7, size + 3)]) }) {
            events += framer.feed(chunk)
            largestBuffer = max(largestBuffer, framer.bufferedByteCount)
        }
        #expect(events == [.oversize(length: size, head: Array(body.prefix(32)))])
        #expect(largestBuffer <= 32)
        // The stream is still in step: the next frame is read.
        let small = Array("MSH|^~\\&|A".utf8)
        #expect(framer.feed(MLLPFramer.frame(small)) == [.message(small)])
    }

    @Test func oversizeHeadKeepsTheHeaderForTheRefusal() throws {
        let big = hl7(msh(control: "BIG7"), "NTE|1||" + String(repeating: "x", count: 5000))
        var framer = MLLPFramer(maxMessageBytes: 2048)
        let events = framer.feed(MLLPFramer.frame(big))
        guard case .oversize(let length, let head) = try #require(events.first) else {
            Issue.record("expected oversize, got \(events)")
            return
        }
        #expect(length == big.count)
        #expect(HL7Parser.partialHeader(head)?.header.controlId == "BIG7")
    }

    @Test func endBlockNotFollowedByCRIsMalformed() {
        var framer = MLLPFramer(maxMessageBytes: 4096)
        let events = framer.feed([MLLPFramer.startBlock] + Array("MSH".utf8) + [MLLPFramer.endBlock, UInt8(ascii: "X")] + MLLPFramer.frame(message))
        #expect(events == [.malformed(length: 5), .message(message)])
    }

    @Test func newStartBlockInsideAFrameDropsTheCutFrame() {
        var framer = MLLPFramer(maxMessageBytes: 4096)
        let events = framer.feed([MLLPFramer.startBlock] + Array("MSH|part".utf8) + MLLPFramer.frame(message))
        #expect(events == [.malformed(length: 8), .message(message)])
    }

    @Test func streamEndingInsideAFrameIsMalformed() {
        var framer = MLLPFramer(maxMessageBytes: 4096)
        #expect(framer.feed([MLLPFramer.startBlock] + Array("MSH".utf8)) == [])
        #expect(framer.finish() == [.malformed(length: 3)])
        #expect(framer.finish() == [])
    }

    @Test func frameBytes() {
        #expect(MLLPFramer.frame(Array("AB".utf8)) == [0x0B, 0x41, 0x42, 0x1C, 0x0D])
    }

    @Test func nioDecoderSplitsAndJoinsReads() throws {
        let channel = EmbeddedChannel(handlers: [
            ByteToMessageHandler(MLLPFrameDecoder(maxMessageBytes: 100)),
            MessageToByteHandler(MLLPFrameEncoder()),
        ])
        let second = hl7(msh(control: "M2"))
        let framed = MLLPFramer.frame(message) + MLLPFramer.frame(second)
        let cut = 17
        try channel.writeInbound(ByteBuffer(bytes: Array("junk".utf8) + framed[..<cut]))
        try channel.writeInbound(ByteBuffer(bytes: framed[cut...]))
        #expect(try channel.readInbound(as: MLLPFramer.Event.self) == .discarded(count: 4))
        // The 100-byte limit makes the first (longer) message oversize; the second still arrives whole.
        guard case .oversize(let length, _) = try #require(try channel.readInbound(as: MLLPFramer.Event.self)) else {
            Issue.record("expected oversize")
            return
        }
        #expect(length == message.count)
        #expect(try channel.readInbound(as: MLLPFramer.Event.self) == .message(second))
        #expect(try channel.readInbound(as: MLLPFramer.Event.self) == nil)

        try channel.writeOutbound(ByteBuffer(bytes: Array("MSH|^~\\&|ACK\r".utf8)))
        let out = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(Array(out.readableBytesView) == MLLPFramer.frame(Array("MSH|^~\\&|ACK\r".utf8)))
        #expect(try channel.finish().isClean)
    }

    @Test func nioDecoderReportsAFrameCutByTheEndOfStream() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(MLLPFrameDecoder(maxMessageBytes: 4096)))
        try channel.writeInbound(ByteBuffer(bytes: [MLLPFramer.startBlock] + Array("MSH|^".utf8)))
        #expect(try channel.readInbound(as: MLLPFramer.Event.self) == nil)
        // End of stream: the decoder's last pass reports the open frame instead of dropping it silently.
        channel.pipeline.fireChannelInactive()
        #expect(try channel.readInbound(as: MLLPFramer.Event.self) == .malformed(length: 5))
        _ = try? channel.finish()
    }
}
