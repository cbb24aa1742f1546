import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The Unix socket's file: refuse to take over a live one, remove a stale one, and set its mode and group.
enum SocketFile {
    struct SocketError: Error, CustomStringConvertible {
        var description: String
    }

    /// Makes sure the path can be bound: fits `sun_path`, its folder exists, and nothing but a stale socket is
    /// there. Only a socket is ever removed: a regular file (a database named as the socket by mistake), a
    /// folder or a link is refused, never unlinked.
    static func prepare(path: String) throws {
        guard path.utf8.count < 108 else {
            throw SocketError(description: "socket path \(path) is \(path.utf8.count) bytes; Unix socket paths must be under 108 bytes")
        }
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw SocketError(description: "\(path) exists and is not a socket (\(kind(info.st_mode))); the daemon removes only a stale socket there. Check socketPath: it must name a path of its own")
        }
        if isLive(path: path) {
            throw SocketError(description: "another process is already serving \(path); stop it first or choose another socketPath")
        }
        guard unlink(path) == 0 else {
            throw SocketError(description: "cannot remove the stale socket \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes the socket at stop, if it is still a socket (someone may have put another file there since).
    static func remove(path: String) {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFSOCK else { return }
        unlink(path)
    }

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: "a regular file"
        case S_IFDIR: "a folder"
        case S_IFLNK: "a symbolic link"
        case S_IFIFO: "a named pipe"
        default: "not a socket"
        }
    }

    /// Sets the socket's mode (0660 by default) and group once it is bound.
    static func secure(path: String, mode: mode_t, group: String?) throws {
        if let group {
            let gid: gid_t
            if let number = gid_t(group) {
                gid = number
            } else if let entry = getgrnam(group) {
                gid = entry.pointee.gr_gid
            } else {
                throw SocketError(description: "socket group '\(group)' does not exist")
            }
            guard chown(path, uid_t.max, gid) == 0 else {
                throw SocketError(description: "cannot give \(path) to group \(group): \(String(cString: strerror(errno)))")
            }
        }
        guard chmod(path, mode) == 0 else {
            throw SocketError(description: "cannot set mode \(String(mode, radix: 8)) on \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Whether a process accepts connections on the socket at `path`.
    static func isLive(path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return result == 0
    }
}
