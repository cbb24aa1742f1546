import Foundation
import InfusionClient
import InfusionCore
import Testing

/// Hostile and broken clients: the daemon answers with a 4xx or closes the connection, never crashes, and keeps
/// serving everyone else.
@Suite("Abuse: garbage, truncation, huge headers, idle and slow connections", .serialized)
struct AbuseTests {
    @Test("garbage, truncated bodies, random JSON and huge headers are refused and nothing is stored")
    func brokenRequests() async throws {
        // Long enough that a loaded machine cannot starve a well-formed request past it (2 s once did, in a full
        // run beside a release build), short enough that garbage which parses as a partial request is cut soon.
        let daemon = try DaemonProcess(extraConfig: "connections:\n  idleTimeoutSeconds: 6\n")
        try await daemon.start()
        let session = try await daemon.client.startSession(Bedside.start())
        let path = "/v1/sessions/\(session.id)/observations"

        // Not HTTP at all.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let connection = try RawConnection(path: daemon.socketPath)
            connection.send(Data((0..<Int.random(in: 1...4096, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }))
            let reply = await connection.readUntilClosed()
            if let status = RawConnection.status(of: reply.data) { #expect((400..<500).contains(status)) }
        }

        // A body shorter than its Content-Length, then the client gives up.
        let truncated = try RawConnection(path: daemon.socketPath)
        truncated.send("POST \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{\"eventId\":\"")
        truncated.close()

        // Headers far beyond any real client.
        let huge = try RawConnection(path: daemon.socketPath)
        huge.send("GET /v1/health HTTP/1.1\r\nHost: localhost\r\nX-Padding: \(String(repeating: "a", count: 200_000))\r\n\r\n")
        let hugeReply = await huge.readUntilClosed()
        if let status = RawConnection.status(of: hugeReply.data) { #expect((400..<500).contains(status)) }

        // Random but well-formed JSON bodies of every shape.
        for body in ["null", "[]", "42", "\"text\"", "{\"eventId\":null}", "{\"vitals\":{\"heartRateBpm\":1e999}}", "{}"] {
            let response = try await daemon.client.send(method: "POST", path: path, body: Data(body.utf8),
                                                        headers: [(name: "Content-Type", value: "application/json")])
            #expect((400..<500).contains(response.status), "\(body) → \(response.status)")
            #expect(response.header("content-type") == "application/problem+json")
        }

        #expect(try await daemon.client.health().status == "ok")
        #expect(try await daemon.client.events(sessionId: session.id).events.count == 1)
        #expect(!daemon.log.contains("Fatal error"))
        #expect(await daemon.terminate() == 0)
    }

    @Test("1,000 idle connections held open do not stop others being served; silent and slow clients are closed")
    func idleAndSlowConnections() async throws {
        // One account holds all of them here: lift its own limit (FloodTests covers the per-account limit).
        let daemon = try DaemonProcess(extraConfig: "connections:\n  idleTimeoutSeconds: 2\n  maxConnectionsPerUser: 2000\n")
        try await daemon.start()
        var idle: [RawConnection] = []
        for _ in 0..<1000 { idle.append(try RawConnection(path: daemon.socketPath)) }
        for _ in 0..<20 {
            #expect(try await daemon.client.health().status == "ok")
        }
        // A slow sender that stalls mid-request is cut off by the idle timeout.
        let slow = try RawConnection(path: daemon.socketPath)
        slow.send("GET /v1/health HTTP/1.1\r\nHost: loc")
        let started = Date()
        let reply = await slow.readUntilClosed()
        #expect(reply.closed)
        #expect(Date().timeIntervalSince(started) < 14, "a stalled request must be closed by the idle timeout")
        // The idle ones were closed too, and service goes on.
        let first = await idle[0].readUntilClosed()
        #expect(first.closed)
        idle.removeAll()
        #expect(try await daemon.client.health().status == "ok")
        #expect(await daemon.terminate() == 0)
    }
}
