import InfusionClient
import Testing

/// The event-stream parser the alert stream client reads with.
@Suite("Server-Sent Events parser")
struct ServerSentEventParserTests {
    static func parse(_ chunks: [String]) -> [ServerSentEventParser.Item] {
        var parser = ServerSentEventParser()
        return chunks.flatMap { parser.feed(Array($0.utf8)) }
    }

    @Test("events, comments and retry, split anywhere across chunks")
    func splitAnywhere() {
        let stream = "retry: 2000\n\n: hello\n\nid: 1\nevent: alert.raised\ndata: {\"a\":1}\n\n: heartbeat now\n\nid: 2\ndata: x\n\n"
        let whole = Self.parse([stream])
        #expect(whole == [
            .retry(2000), .comment("hello"), .event(ServerSentEvent(id: "1", event: "alert.raised", data: "{\"a\":1}")),
            .comment("heartbeat now"), .event(ServerSentEvent(id: "2", event: "message", data: "x")),
        ])
        let bytes = Array(stream)
        for cut in 1..<bytes.count {
            #expect(Self.parse([String(bytes[..<cut]), String(bytes[cut...])]) == whole, "split at \(cut)")
        }
    }

    @Test("CRLF and CR line ends, multi-line data, a field without a value, and no event without data")
    func lineEnds() {
        #expect(Self.parse(["data: a\r\ndata: b\r\n\r\n"]) == [.event(ServerSentEvent(id: nil, event: "message", data: "a\nb"))])
        #expect(Self.parse(["data:a\rdata\r\r"]) == [.event(ServerSentEvent(id: nil, event: "message", data: "a\n"))])
        #expect(Self.parse(["event: x\nid: 3\n\n"]).isEmpty)
        // The id carries over to later events, as in the HTML standard.
        #expect(Self.parse(["id: 9\ndata: a\n\ndata: b\n\n"]).last == .event(ServerSentEvent(id: "9", event: "message", data: "b")))
        #expect(Self.parse(["retry: soon\n\n"]).isEmpty)
    }
}
