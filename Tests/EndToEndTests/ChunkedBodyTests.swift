import Foundation
import InfusionClient
import InfusionCore
import Testing

/// Issue 15 item 12b: a chunked body with bad framing, or any body that ends before it is complete, is the
/// client's fault: `400 request.malformedBody`, nothing stored, and the daemon keeps serving.
@Suite("Malformed and truncated bodies over the socket", .serialized)
struct ChunkedBodyTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// The body bytes after the headers.
        var body: String
        var chunked = true
        /// Half-close after sending, as a client that gives up does.
        var giveUp = false
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "chunk size not hexadecimal", body: "zz\r\n{}\r\n0\r\n\r\n"),
        Case(name: "negative chunk size", body: "-1\r\n{}\r\n0\r\n\r\n"),
        Case(name: "chunk size beyond 64 bits", body: "fffffffffffffffffff\r\n{}\r\n"),
        Case(name: "chunk shorter than its size, then the last chunk", body: "5\r\n{}\r\n0\r\n\r\n"),
        Case(name: "no CRLF after a chunk's data", body: "2\r\n{}X0\r\n\r\n"),
        Case(name: "chunked body cut off mid-chunk", body: "10\r\n{\"eventId\":", giveUp: true),
        Case(name: "chunked body without its last chunk", body: "2\r\n{}\r\n", giveUp: true),
        Case(name: "Content-Length body cut off", body: "{\"eventId\":", chunked: false, giveUp: true),
    ]

    @Test("each is refused with 400 request.malformedBody, stores nothing, and the daemon keeps serving", arguments: cases)
    func refused(_ testCase: Case) async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let session = try await daemon.client.startSession(Bedside.start())
        let framing = testCase.chunked ? "Transfer-Encoding: chunked" : "Content-Length: 400"
        let connection = try RawConnection(path: daemon.socketPath)
        connection.send("POST /v1/sessions/\(session.id)/observations HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\(framing)\r\n\r\n\(testCase.body)")
        if testCase.giveUp { connection.finishSending() }
        let reply = await connection.readUntilClosed()
        connection.close()
        let status = RawConnection.status(of: reply.data)
        // The parser may reject the framing before a route sees it (a bare 400), or while the route reads the body
        // (a problem document); either way a 4xx, never a 500.
        #expect(status == 400, "\(String(decoding: reply.data.prefix(400), as: UTF8.self))")
        let text = String(decoding: reply.data, as: UTF8.self)
        if text.contains("application/problem+json") { #expect(text.contains(#""code":"request.malformedBody""#)) }
        #expect(!text.contains("server.error"))
        #expect(try await daemon.client.events(sessionId: session.id).events.count == 1)
        #expect(try await daemon.client.health().status == "ok")
        #expect(await daemon.terminate() == 0)
    }

    @Test("a well-formed chunked body is read and answered as any other")
    func wellFormed() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let session = try await daemon.client.startSession(Bedside.start())
        let json = String(decoding: try WireJSON.encode(Bedside.observation(vitals: Vitals(heartRateBpm: 74))), as: UTF8.self)
        let half = json.utf8.count / 2
        let first = String(decoding: Array(json.utf8)[..<half], as: UTF8.self)
        let second = String(decoding: Array(json.utf8)[half...], as: UTF8.self)
        let body = String(first.utf8.count, radix: 16) + "\r\n" + first + "\r\n" + String(second.utf8.count, radix: 16) + "\r\n" + second + "\r\n0\r\n\r\n"
        let connection = try RawConnection(path: daemon.socketPath)
        connection.send("POST /v1/sessions/\(session.id)/observations HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\(body)")
        let reply = await connection.readUntilClosed()
        #expect(RawConnection.status(of: reply.data) == 201)
        #expect(try await daemon.client.events(sessionId: session.id).events.count == 2)
        #expect(await daemon.terminate() == 0)
    }
}
