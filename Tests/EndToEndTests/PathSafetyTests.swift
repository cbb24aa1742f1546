import Foundation
import GRDB
import InfusionClient
import InfusionCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 15 item 9: a configuration whose paths collide must not delete data. Start-up removes only a stale
/// socket, `check-config` and the daemon refuse colliding paths, a socket group that cannot be used, a mode with
/// world access and hook programs that do not exist.
@Suite("Path collisions and socket settings are refused, never acted on", .serialized)
struct PathSafetyTests {
    static var infusiond: String { "\(DaemonProcess.binaryFolder)/infusiond" }

    /// Writes `text` as the daemon's whole config file.
    static func writeConfig(_ daemon: DaemonProcess, _ text: String) throws {
        try text.write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
    }

    /// Runs `infusiond serve` and collects its output; a daemon that serves instead of refusing is stopped after
    /// 20 s (exit 124).
    static func serveBriefly(_ daemon: DaemonProcess) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await DaemonProcess.run("/usr/bin/timeout", ["20", infusiond, "serve", "--config", daemon.configPath])
    }

    static func sessions(in path: String) async throws -> Int {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try await queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sessions") ?? 0 }
    }

    @Test("socketPath naming the database is refused by check-config and by the daemon, and the database survives")
    func socketOnTheDatabase() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        _ = try await daemon.client.startSession(Bedside.start())
        #expect(await daemon.terminate() == 0)
        try Self.writeConfig(daemon, "stateDirectory: \(daemon.folder)/state\nsocketPath: \(daemon.databasePath)\n")

        let check = try await DaemonProcess.run(Self.infusiond, ["check-config", daemon.configPath])
        #expect(check.status == 78, "check-config accepted a socket on the database: \(check.stdout)")
        #expect(check.stderr.contains("socketPath (\(daemon.databasePath)) and databasePath (\(daemon.databasePath)) are the same file"), "\(check.stderr)")

        let serve = try await Self.serveBriefly(daemon)
        #expect(serve.status != 0)
        #expect(serve.stderr.contains("are the same file"), "\(serve.stderr)")
        var info = stat()
        #expect(lstat(daemon.databasePath, &info) == 0 && info.st_mode & S_IFMT == S_IFREG, "the database file is gone or replaced")
        #expect(try await Self.sessions(in: daemon.databasePath) == 1)
    }

    @Test("a socket path holding a regular file is refused, and the file is left alone")
    func socketOnAnotherFile() async throws {
        let daemon = try DaemonProcess()
        let precious = "\(daemon.folder)/precious.txt"
        try "keep me".write(toFile: precious, atomically: true, encoding: .utf8)
        try Self.writeConfig(daemon, "stateDirectory: \(daemon.folder)/state\nsocketPath: \(precious)\n")
        let serve = try await Self.serveBriefly(daemon)
        #expect(serve.status != 0)
        #expect(serve.stderr.contains("is not a socket"), "\(serve.stderr)")
        #expect((try? String(contentsOfFile: precious, encoding: .utf8)) == "keep me")
    }

    /// Settings `check-config` must refuse, each with the words its message must contain. `@F` is the test's folder.
    static let refused: [(setting: String, message: String)] = [
        ("databasePath: @F/state/infusiond.sock", "socketPath (@F/state/infusiond.sock) and databasePath (@F/state/infusiond.sock) are the same file"),
        ("socketPath: @F/state/infusion.sqlite-wal", "and databasePath (its -wal file) (@F/state/infusion.sqlite-wal) are the same file"),
        ("socketPath: @F/state/infusion.sqlite-shm", "and databasePath (its -shm file) (@F/state/infusion.sqlite-shm) are the same file"),
        ("socketPath: @F/state/./../state/infusion.sqlite", "and databasePath (@F/state/infusion.sqlite) are the same file"),
        ("socketPath: @F/link/infusion.sqlite", "socketPath (@F/link/infusion.sqlite) and databasePath (@F/state/infusion.sqlite) are the same file"),
        ("databasePath: @F/state/audit-signing.key", "databasePath (@F/state/audit-signing.key) and audit.signingKeyPath (@F/state/audit-signing.key) are the same file"),
        ("databasePath: @F/state/audit-witness.checkpoint", "witness file"),
        ("databasePath: @F/state", "databasePath (@F/state) and stateDirectory (@F/state) are the same file"),
        ("socketPath: @F/state/read-audit.spool", "and the read-audit spool (read-audit.spool beside the database)"),
        ("socketMode: \"0666\"", "lets every account on the host connect"),
        ("socketMode: \"0662\"", "lets every account on the host connect"),
        ("socketMode: \"2660\"", "beyond permissions"),
        ("socketGroup: ietest-no-such-group", "socketGroup 'ietest-no-such-group' does not exist"),
        ("hooks:\n  onAlert: [/nonexistent/ward-pager, --ward, \"7\"]", "hooks.onAlert: the program /nonexistent/ward-pager does not exist"),
        ("hooks:\n  onStop: [@F/not-executable]", "hooks.onStop: @F/not-executable is not executable"),
    ]

    @Test("check-config refuses colliding paths, a world-accessible mode, an unknown socket group and missing hook programs",
          arguments: PathSafetyTests.refused)
    func checkConfigRefuses(setting: String, message: String) async throws {
        let daemon = try DaemonProcess()
        try FileManager.default.createDirectory(atPath: "\(daemon.folder)/state", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: "\(daemon.folder)/link", withDestinationPath: "\(daemon.folder)/state")
        FileManager.default.createFile(atPath: "\(daemon.folder)/not-executable", contents: Data("#!/bin/sh\n".utf8),
                                       attributes: [.posixPermissions: 0o644])
        let folder = daemon.folder
        let text = "stateDirectory: \(folder)/state\n" + setting.replacingOccurrences(of: "@F", with: folder) + "\n"
        try Self.writeConfig(daemon, text)
        let check = try await DaemonProcess.run(Self.infusiond, ["check-config", daemon.configPath])
        #expect(check.status == 78, "accepted:\n\(text)")
        #expect(check.stderr.contains(message.replacingOccurrences(of: "@F", with: folder)), "\(check.stderr)")
    }

    @Test("the same settings without the fault pass check-config", arguments: [
        "socketMode: \"0660\"", "socketMode: \"0600\"", "socketMode: \"0640\"",
        "databasePath: @F/db/infusion.sqlite\nsocketPath: @F/run/d.sock",
        "hooks:\n  onAlert: [/bin/true]",
    ])
    func checkConfigAccepts(setting: String) async throws {
        let daemon = try DaemonProcess()
        let text = "stateDirectory: \(daemon.folder)/state\n" + setting.replacingOccurrences(of: "@F", with: daemon.folder) + "\n"
        try Self.writeConfig(daemon, text)
        let check = try await DaemonProcess.run(Self.infusiond, ["check-config", daemon.configPath])
        #expect(check.status == 0, "\(text)\n\(check.stderr)")
    }

    @Test("a socket group that does not exist stops the daemon before it serves")
    func unknownSocketGroupStopsTheStart() async throws {
        let daemon = try DaemonProcess(extraConfig: "socketGroup: ietest-no-such-group\n")
        do {
            try await daemon.start()
            Issue.record("the daemon served with a socket group that does not exist")
        } catch {
            #expect("\(error)".contains("socketGroup 'ietest-no-such-group' does not exist"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
    }

    @Test("an account that is not in socketGroup cannot start the daemon with it",
          .enabled(if: SystemAccounts.unavailableReason == nil, "needs root, test accounts and setpriv"))
    func socketGroupTheDaemonIsNotIn() async throws {
        try await SystemAccounts.group("ietest-station")
        try await SystemAccounts.user(RoleTests.stranger, groups: [])
        let daemon = try DaemonProcess(extraConfig: "socketGroup: ietest-station\n")
        // The stranger's own state folder, so only the group is in the way.
        _ = try await DaemonProcess.run("/usr/bin/chown", ["-R", RoleTests.stranger, daemon.folder])
        let serve = try await DaemonProcess.run("/usr/bin/timeout", [
            "20", "/usr/bin/setpriv", "--reuid=\(RoleTests.stranger)", "--regid=\(RoleTests.stranger)", "--clear-groups", "--",
            Self.infusiond, "serve", "--config", daemon.configPath,
        ])
        #expect(serve.status != 0)
        #expect(serve.stderr.contains("is not a member"), "\(serve.stderr)")
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
    }
}
