import Foundation
import GRDB
import InfusionClient
import InfusionCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 15 item 8: someone on the host floods the undeletable audit trail with refusals, or holds the daemon's
/// connections. Refusal records are bounded and counted per peer, a peer with no role is answered and cut off
/// as it connects, each account has a connection limit, and request heads are limited to what a client needs.
@Suite("Flooding: bounded refusal records, per-account connection limits, no-role peers cut off", .serialized)
struct FloodTests {
    static var accountsAvailable: Bool {
        SystemAccounts.unavailableReason == nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/perl")
    }

    /// Every stored audit record of a stopped daemon's database, decoded, with its size in bytes.
    static func records(in path: String) async throws -> [(record: AuditRecord, bytes: Int)] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try await queue.read { db in
            try Data.fetchAll(db, sql: "SELECT record FROM audit_records ORDER BY seq").map {
                (try WireJSON.decoder().decode(AuditRecord.self, from: $0), $0.count)
            }
        }
    }

    @Test("300 refused requests with 8 KB paths store at most 20 bounded records and one counted summary")
    func refusalFloodIsBounded() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let longPath = "/v1/nothing-here/" + String(repeating: "x", count: 8000)
        let began = ContinuousClock.now
        for _ in 0..<300 {
            let response = try await daemon.client.send(method: "GET", path: longPath)
            #expect(response.status == 404)
        }
        // The allowance is 20 per minute-long window, which need not start with the run: a run slowed past a
        // minute (a loaded machine) can touch one window more than its length in minutes.
        let elapsed = ContinuousClock.now - began
        let windows = elapsed < .seconds(55) ? 1 : Int(elapsed.components.seconds / 60) + 2
        #expect(await daemon.terminate() == 0)
        let all = try await Self.records(in: daemon.databasePath)
        let refusals = all.filter { $0.record.action == "request.refuse" }
        if windows == 1 {
            #expect(refusals.count == 20, "one peer gets 20 full refusal records per minute; got \(refusals.count)")
        } else {
            #expect(refusals.count >= 20 && refusals.count <= 20 * windows,
                    "20 full refusal records per minute in at most \(windows) windows (\(elapsed)); got \(refusals.count)")
        }
        for refusal in refusals {
            let id = refusal.record.entity?.id ?? ""
            #expect(id.utf8.count < 400, "the stored route is bounded: \(id.utf8.count) bytes")
            #expect(id.contains("sha256"), "the rest of a long path is kept as its hash")
            #expect(refusal.bytes < 2500, "a refusal record holds \(refusal.bytes) bytes")
        }
        let summaries = all.filter { $0.record.action == "refusal.suppressed" }
        #expect(summaries.count >= 1 && summaries.count <= windows)
        var suppressed = 0.0
        for summary in summaries {
            guard case .object(let detail) = summary.record.detail, case .number(let count)? = detail["suppressed"] else {
                Issue.record("a refusal.suppressed record without a count")
                continue
            }
            suppressed += count
            #expect(detail["byCode"] == .object(["route.notFound": .number(count)]))
            #expect(detail["uid"] == .number(Double(getuid())))
        }
        #expect(Int(suppressed) + refusals.count == 300, "every refusal is either recorded or counted")
        if windows == 1 { #expect(suppressed == 280) }
        let refusalBytes = all.filter { ["request.refuse", "refusal.suppressed"].contains($0.record.action) }.reduce(0) { $0 + $1.bytes }
        #expect(refusalBytes < 60_000, "300 refusals stored \(refusalBytes) bytes")
    }

    @Test("a request head over the 16 KiB limit is refused; one under it is served", arguments: [
        (padding: 8_000, served: true), (padding: 15_000, served: true), (padding: 17_000, served: false), (padding: 70_000, served: false),
    ])
    func headerLimit(padding: Int, served: Bool) async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let connection = try RawConnection(path: daemon.socketPath)
        _ = connection.send("GET /v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Padding: \(String(repeating: "a", count: padding))\r\n\r\n")
        let reply = await connection.readUntilClosed()
        let status = RawConnection.status(of: reply.data)
        if served {
            #expect(status == 200)
        } else {
            #expect(status != 200, "a \(padding)-byte header was served")
            #expect(status == nil || (400..<500).contains(status!))
        }
        #expect(try await daemon.client.health().status == "ok")
        #expect(await daemon.terminate() == 0)
    }

    @Test("a request head with more than 100 header lines is refused; one with fewer is served", arguments: [
        (fields: 98, served: true), (fields: 102, served: false),
    ])
    func headerFieldLimit(fields: Int, served: Bool) async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let connection = try RawConnection(path: daemon.socketPath)
        // Host and Connection count as two of the lines.
        let extra = (0..<(fields - 2)).map { "X-Field-\($0): 1\r\n" }.joined()
        _ = connection.send("GET /v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\(extra)\r\n")
        let reply = await connection.readUntilClosed()
        let status = RawConnection.status(of: reply.data)
        if served {
            #expect(status == 200)
        } else {
            #expect(status != 200, "a head of \(fields) header lines was served")
            #expect(status == nil || (400..<500).contains(status!))
        }
        #expect(try await daemon.client.health().status == "ok")
        #expect(await daemon.terminate() == 0)
    }

    @Test("an account over its connection limit is answered 429 and closed; its other connections and a freed slot still work")
    func perAccountLimit() async throws {
        let daemon = try DaemonProcess(extraConfig: "connections:\n  idleTimeoutSeconds: 30\n  maxConnectionsPerUser: 16\n")
        try await daemon.start()
        var held: [RawConnection] = []
        for _ in 0..<16 {
            let connection = try RawConnection(path: daemon.socketPath)
            // An answer proves the daemon accepted and counted this one before the seventeenth arrives (a fixed
            // pause was not enough in a full parallel run on 2 cores).
            _ = connection.send("GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(await connection.receiveSome() > 0)
            held.append(connection)
        }
        let extra = try RawConnection(path: daemon.socketPath)
        let started = Date()
        let reply = await extra.readUntilClosed()
        #expect(reply.closed)
        #expect(Date().timeIntervalSince(started) < 5, "the connection over the limit is closed at once")
        #expect(RawConnection.status(of: reply.data) == 429)
        #expect(String(decoding: reply.data, as: UTF8.self).contains("connections.tooMany"))
        // A held connection still serves.
        _ = held[0].send("GET /v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        // What arrives may start with the rest of the first answer; the second one follows it.
        let again = await held[0].readUntilClosed()
        #expect(String(decoding: again.data, as: UTF8.self).contains("HTTP/1.1 200"))
        held[0].close()
        held.removeFirst()
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await daemon.client.health().status == "ok")
        held.removeAll()
        #expect(await daemon.terminate() == 0)
        let refused = try await Self.records(in: daemon.databasePath).filter { $0.record.action == "connection.refuse" }
        #expect(refused.count == 1)
        if case .object(let detail)? = refused.first?.record.detail {
            #expect(detail["reason"] == .string("tooManyConnections"))
        }
    }

    @Test("a peer with no role is answered 403 and disconnected without sending anything, and cannot hold connections",
          .enabled(if: FloodTests.accountsAvailable, "needs root, test accounts, setpriv and perl"))
    func noRolePeerIsCutOff() async throws {
        try await SystemAccounts.group(RoleTests.clients)
        try await SystemAccounts.group("ietest-station")
        try await SystemAccounts.user(RoleTests.outsider, groups: [RoleTests.clients])
        try await SystemAccounts.user(RoleTests.nurse, groups: [RoleTests.clients, "ietest-station"])
        let daemon = try DaemonProcess(extraConfig: """
            socketGroup: \(RoleTests.clients)
            access:
              groups:
                ietest-station: station
            connections:
              maxConnectionsPerUser: 8
            """)
        try await daemon.start()
        defer { Task { await daemon.terminate() } }
        // Opens 50 connections at once, sends nothing, and prints what each one received until it closed; the
        // alarm ends it if the daemon keeps any of them open.
        let script = """
            use IO::Socket::UNIX; use Time::HiRes qw(time);
            $SIG{ALRM} = sub { print "TIMEOUT\\n"; exit 3 }; alarm 10;
            my @s; for (1..50) { my $c = IO::Socket::UNIX->new(Peer => $ARGV[0]); push @s, $c if $c; }
            my $start = time; my $answered = 0; my $first = "";
            for my $c (@s) { my $all = ""; while (sysread($c, my $b, 65536)) { $all .= $b } $answered++ if $all =~ /^HTTP\\/1.1 403/; $first = $all if $first eq "" }
            printf "connected %d answered %d seconds %.2f\\n%s\\n", scalar(@s), $answered, time - $start, $first;
            """
        let result = try await DaemonProcess.run("/usr/bin/setpriv", [
            "--reuid=\(RoleTests.outsider)", "--regid=\(RoleTests.outsider)", "--init-groups", "--",
            "/usr/bin/perl", "-e", script, daemon.socketPath,
        ])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(!result.stdout.contains("TIMEOUT"))
        #expect(result.stdout.contains("access.denied"))
        #expect(result.stdout.contains("uid \(SystemAccounts.uid(RoleTests.outsider)!)"))
        let answered = result.stdout.split(separator: "\n").first.flatMap { line in
            line.split(separator: " ").dropFirst(3).first.flatMap { Int($0) }
        }
        #expect((answered ?? 0) >= 1, "\(result.stdout)")
        // A station account is served meanwhile.
        let station = try await SystemAccounts.curl(as: RoleTests.nurse, socket: daemon.socketPath, "GET", "/v1/health")
        #expect(station.status == 200)
        #expect(await daemon.terminate() == 0)
        let all = try await Self.records(in: daemon.databasePath)
        let refused = all.filter { $0.record.action == "connection.refuse" }
        #expect((1...20).contains(refused.count), "connection refusals are recorded, at most 20 in full: \(refused.count)")
        let outsiderUID = Double(SystemAccounts.uid(RoleTests.outsider)!)
        #expect(refused.allSatisfy { record in
            guard case .object(let detail) = record.record.detail else { return false }
            return detail["uid"] == .number(outsiderUID) && detail["reason"] == .string("noRole")
        })
        #expect(!all.contains { $0.record.action == "request.refuse" }, "no request from the no-role peer reached a route")
    }
}
