import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 12's browser suite: the real daemon, a real nginx on loopback with `auth_basic` users (nurse, clinician,
/// auditor) whose workers run as the account the daemon trusts, and the system Chromium driven by Selenium
/// (scripts/browser-station-test.py) through the ward's day. Screenshots of each step go to
/// `.build/browser-screenshots/`; with `INFUSION_UPDATE_BOARD_PNG=1` the wall-screen board is also copied to
/// `docs/board.png` (the README's picture), so an ordinary run never changes the source tree.
@Suite("Browser station", .serialized)
struct BrowserStationTests {
    static let webGroup = "ietest-web"
    /// nginx's workers: the daemon's `web.proxy.account`.
    static let proxy = "ietest-nginx"
    /// Another account in the socket's group, which tries to speak for staff without the proxy.
    static let forger = "ietest-webforger"
    static let password = "ward7-\(UUID().uuidString.prefix(8))"

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// What this machine lacks for the suite, or nil when it can run.
    static var missing: String? {
        if let reason = SystemAccounts.unavailableReason { return reason }
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver", "/usr/sbin/nginx", "/usr/bin/openssl"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is missing (apt-get install chromium chromium-driver nginx openssl; scripts/test installs them)"
        }
        guard let python = TestEnvironment.tool("python3"),
              (try? DaemonProcess.runBlocking(python, ["-c", "import selenium"]))?.status == 0 else {
            return "Selenium is missing from .build/venv (scripts/test --setup-only installs selenium==4.51.0)"
        }
        return nil
    }

    /// A free TCP port on loopback.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw DaemonError("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The nginx site of the test: the shipped site's identity and streaming settings, on plain HTTP loopback
    /// (a secure context for the browser) with `auth_basic`, and the groups mapped from the user.
    static func nginxConfig(folder: String, port: Int, webSocket: String) -> String {
        """
        user \(proxy) \(proxy);
        worker_processes 1;
        pid \(folder)/nginx.pid;
        error_log \(folder)/error.log info;
        daemon off;
        events { worker_connections 128; }
        http {
            access_log \(folder)/access.log;
            client_body_temp_path \(folder)/tmp/body;
            proxy_temp_path \(folder)/tmp/proxy;
            fastcgi_temp_path \(folder)/tmp/fastcgi;
            uwsgi_temp_path \(folder)/tmp/uwsgi;
            scgi_temp_path \(folder)/tmp/scgi;
            underscores_in_headers off;
            map $remote_user $infusion_groups {
                default "";
                nurse ward7-nurses;
                clinician pain-team;
                auditor audit-office;
            }
            upstream infusiond_web { server unix:\(webSocket); keepalive 4; }
            server {
                listen 127.0.0.1:\(port);
                auth_basic "infusiond";
                auth_basic_user_file \(folder)/htpasswd;
                location = /v1/alerts/stream {
                    proxy_pass http://infusiond_web;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_set_header Host $host;
                    proxy_set_header X-Remote-User $remote_user;
                    proxy_set_header X-Remote-Groups $infusion_groups;
                    proxy_buffering off;
                    proxy_read_timeout 1h;
                }
                location / {
                    proxy_pass http://infusiond_web;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_set_header Host $host;
                    proxy_set_header X-Remote-User $remote_user;
                    proxy_set_header X-Remote-Groups $infusion_groups;
                }
            }
        }
        """
    }

    @Test("the ward's day in Chromium through nginx: preview and start (soft limit with a reason, the 100 mg/h cap refused), observations, tinnitus pauses and the alert reaches a second board live, acknowledge by keyboard, the board at 1280×800, the trend chart from the daemon's series and limit lines, resume/pause/change rate/stop each showing the daemon's new state, a seizure's lipid emulsion doses, the auditor sees the nurse, cross-origin and forged requests refused, daemon stopped → 'not updating' → recovered",
          .enabled(if: TestEnvironment.runs(missing == nil),
                   "needs root, chromium, chromium-driver, nginx and selenium in .build/venv; scripts/test installs them"),
          .timeLimit(.minutes(5)))
    func wardsDay() async throws {
        try await SystemAccounts.group(Self.webGroup)
        try await SystemAccounts.user(Self.proxy, groups: [Self.webGroup])
        try await SystemAccounts.user(Self.forger, groups: [Self.webGroup])
        let port = try Self.freePort()
        let origin = "http://127.0.0.1:\(port)"
        let folder = "/tmp/ie-\(UUID().uuidString.prefix(8).lowercased())"
        let webSocket = "\(folder)-w.sock"
        let daemon = try DaemonProcess(extraConfig: """
            alertStream:
              heartbeatSeconds: 1
            web:
              socketPath: \(webSocket)
              socketGroup: \(Self.webGroup)
              proxy:
                account: \(Self.proxy)
              roles:
                ward7-nurses: station
                pain-team: clinician
                audit-office: auditor
              publicOrigin: \(origin)
            """)
        try await daemon.start()
        defer { Task { await daemon.terminate() } }

        let fm = FileManager.default
        try fm.createDirectory(atPath: "\(folder)/tmp", withIntermediateDirectories: true)
        // The workers (the proxy account) write their temporary files here and read the password file.
        _ = try await DaemonProcess.run("/usr/bin/chown", ["-R", "\(Self.proxy):\(Self.proxy)", folder])
        var lines: [String] = []
        for user in ["nurse", "clinician", "auditor"] {
            let hash = try await DaemonProcess.run("/usr/bin/openssl", ["passwd", "-apr1", Self.password])
            lines.append("\(user):\(hash.stdout.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        try lines.joined(separator: "\n").write(toFile: "\(folder)/htpasswd", atomically: true, encoding: .utf8)
        _ = try await DaemonProcess.run("/usr/bin/chown", ["\(Self.proxy)", "\(folder)/htpasswd"])
        try Self.nginxConfig(folder: folder, port: port, webSocket: webSocket).write(toFile: "\(folder)/nginx.conf", atomically: true, encoding: .utf8)
        let nginx = Process()
        nginx.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        nginx.arguments = ["-c", "\(folder)/nginx.conf", "-p", folder, "-e", "\(folder)/error.log"]
        nginx.standardOutput = FileHandle.nullDevice
        nginx.standardError = FileHandle.nullDevice
        try nginx.run()
        defer {
            kill(nginx.processIdentifier, SIGQUIT)
            nginx.waitUntilExit()
        }
        // nginx answers 401 without a password once it listens.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let probe = try await DaemonProcess.run("/usr/bin/curl", ["--silent", "--output", "/dev/null", "--write-out", "%{http_code}", "\(origin)/"])
            if probe.stdout == "401" { break }
            try await Task.sleep(for: .milliseconds(100))
        }

        let shots = Self.root.appending(path: ".build/browser-screenshots").path
        let python = try #require(TestEnvironment.tool("python3"))
        let started = Date()
        let updatePicture = ProcessInfo.processInfo.environment["INFUSION_UPDATE_BOARD_PNG"] == "1"
        let walk = try await DaemonProcess.run(python, [
            Self.root.appending(path: "scripts/browser-station-test.py").path,
            "--base", origin, "--password", Self.password, "--shots", shots,
            "--daemon-pid", String(try #require(daemon.process?.processIdentifier)),
            "--daemon", "\(DaemonProcess.binaryFolder)/infusiond", "--config", daemon.configPath, "--log", daemon.logPath,
            "--web-socket", webSocket, "--forger", Self.forger,
        ] + (updatePicture ? ["--board-png", Self.root.appending(path: "docs/board.png").path] : []))
        let nginxLog = (try? String(contentsOfFile: "\(folder)/error.log", encoding: .utf8)) ?? ""
        #expect(walk.status == 0, """
            the browser walk failed after \(Int(Date().timeIntervalSince(started))) s:
            \(walk.stdout.suffix(6000))
            \(walk.stderr.suffix(3000))
            nginx: \(nginxLog.suffix(1500))
            daemon: \(daemon.log.suffix(3000))
            """)
        #expect(walk.stdout.contains("OK: the ward's day passed"))
        for step in ["01-start-preview-hard-limit", "07-board-alert-live", "08b-board-1280x800", "08c-session-stopped", "08d-lipid-guidance",
                     "10-audit", "11-not-updating", "12-recovered"] {
            #expect(fm.fileExists(atPath: "\(shots)/\(step).png"), "no screenshot \(step)")
        }
    }
}
