import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Real Unix accounts and groups for tests that connect as other users (root only: CI runs as root).
///
/// Accounts are created once with `groupadd`/`useradd` and left in place (another test process may be using them);
/// their names start with `ietest-` so they are easy to recognise and remove.
enum SystemAccounts {
    /// Why tests that need real accounts cannot run here, or nil when they can.
    static var unavailableReason: String? {
        if getuid() != 0 { return "needs root to create test accounts and switch to them (CI runs as root)" }
        for tool in ["/usr/sbin/useradd", "/usr/sbin/groupadd", "/usr/bin/setpriv", "/usr/bin/curl"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is missing (apt-get install passwd util-linux curl)"
        }
        return nil
    }

    /// The gid of a group, creating it if needed.
    @discardableResult
    static func group(_ name: String) async throws -> UInt32 {
        if let gid = gid(name) { return gid }
        let result = try await DaemonProcess.run("/usr/sbin/groupadd", ["--system", name])
        // Another process may have created it at the same moment.
        guard let gid = gid(name) else {
            throw DaemonError("groupadd \(name) failed (\(result.status)): \(result.stderr)")
        }
        return gid
    }

    /// The uid of an account whose primary group is its own and which is in `groups`, creating it if needed.
    @discardableResult
    static func user(_ name: String, groups: [String]) async throws -> UInt32 {
        for group in groups { try await self.group(group) }
        if uid(name) == nil {
            let result = try await DaemonProcess.run("/usr/sbin/useradd", [
                "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin",
            ] + (groups.isEmpty ? [] : ["--groups", groups.joined(separator: ",")]) + [name])
            guard uid(name) != nil else {
                throw DaemonError("useradd \(name) failed (\(result.status)): \(result.stderr)")
            }
        } else if !groups.isEmpty {
            _ = try await DaemonProcess.run("/usr/sbin/usermod", ["--append", "--groups", groups.joined(separator: ","), name])
        }
        return uid(name)!
    }

    static func gid(_ name: String) -> UInt32? {
        var entry = Glibc.group()
        var result: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return entry.gr_gid
    }

    static func uid(_ name: String) -> UInt32? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return entry.pw_uid
    }

    /// An HTTP exchange made by curl running as another account.
    struct Reply {
        var curlStatus: Int32
        var status: Int
        var body: String
        var stderr: String
    }

    /// Runs curl as `user` with the supplementary groups from the group database (`setpriv --init-groups`), or
    /// exactly `groups` when given (`--groups`, `--clear-groups` when empty), against the daemon's socket.
    static func curl(as user: String, primaryGroup: String? = nil, groups: [String]? = nil, socket: String,
                     _ method: String, _ path: String, body: String? = nil) async throws -> Reply {
        var privileges = ["--reuid=\(user)", "--regid=\(primaryGroup ?? user)"]
        switch groups {
        case nil: privileges.append("--init-groups")
        case let list? where list.isEmpty: privileges.append("--clear-groups")
        case let list?: privileges.append("--groups=\(list.map { String(gid($0) ?? 0) }.joined(separator: ","))")
        }
        var arguments = privileges + ["--", "/usr/bin/curl", "--silent", "--show-error", "--max-time", "60",
                                      "--unix-socket", socket, "--request", method, "--output", "-",
                                      "--write-out", "\n%{http_code}"]
        if let body {
            arguments += ["--header", "Content-Type: application/json", "--data-binary", body]
        }
        arguments.append("http://localhost\(path)")
        let result = try await DaemonProcess.run("/usr/bin/setpriv", arguments)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.last ?? "") ?? 0
        return Reply(curlStatus: result.status, status: status, body: lines.dropLast().joined(separator: "\n"),
                     stderr: result.stderr)
    }
}
