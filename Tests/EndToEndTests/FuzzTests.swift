import Foundation
import InfusionClient
import InfusionCore
import Testing

/// schemathesis generates requests from docs/openapi.yaml and sends them over the socket (through a loopback
/// bridge): no request may produce a server error or bring the daemon down.
@Suite("Fuzz: schemathesis against docs/openapi.yaml", .serialized)
struct FuzzTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// schemathesis from the project's .build/venv (scripts/test installs it there) or from PATH.
    static var schemathesis: String? { TestEnvironment.tool("schemathesis") }

    static var examples: Int { ProcessInfo.processInfo.environment["INFUSION_FUZZ_EXAMPLES"].flatMap(Int.init) ?? 25 }

    @Test("zero server errors and zero crashes", .enabled(if: TestEnvironment.runs(schemathesis != nil),
                                                   "needs schemathesis==4.32.5: scripts/test installs it in .build/venv"))
    func schemathesisRun() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let portFile = "\(daemon.folder)/bridge.port"
        let bridge = Process()
        bridge.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        bridge.arguments = ["python3", Self.repositoryRoot.appending(path: "Tests/Fuzz/unix_bridge.py").path, daemon.socketPath, portFile]
        // The bridge must not hold the test runner's output pipes, or a runner waiting for them never ends.
        bridge.standardInput = FileHandle.nullDevice
        bridge.standardOutput = FileHandle.nullDevice
        bridge.standardError = FileHandle.nullDevice
        try bridge.run()
        defer { bridge.terminate() }
        var port: String?
        for _ in 0..<100 where port == nil {
            port = try? String(contentsOfFile: portFile, encoding: .utf8)
            if port == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let bridgePort = try #require(port, "the loopback bridge did not start")
        let schemathesis = try #require(Self.schemathesis, "schemathesis is not installed; run scripts/test")
        let result = try await DaemonProcess.run(schemathesis, [
            "run", Self.repositoryRoot.appending(path: "docs/openapi.yaml").path, "--url", "http://127.0.0.1:\(bridgePort)",
            "--checks", "not_a_server_error",
            // The alert stream never ends by design; its own tests cover it (AlertDeliveryTests).
            "--exclude-path", "/v1/alerts/stream",
            // The browser station's reads are served on the web socket only (StationPagesTests covers them there).
            "--exclude-path", "/v1/board", "--exclude-path", "/v1/station",
            "--max-examples", String(Self.examples), "--seed", "1",
            "--request-timeout", "20", "--report-dir", "\(daemon.folder)/reports",
        ])
        #expect(result.status == 0, "schemathesis found problems:\n\(result.stdout.suffix(6000))")
        #expect(try await daemon.client.health().status == "ok", "the daemon must still serve after the fuzz run")
        #expect(!daemon.log.contains("Fatal error") && !daemon.log.contains("Illegal instruction"))
        #expect(await daemon.terminate() == 0)
    }
}
