import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Checks of a configuration against this host, made by `check-config` and before the daemon opens anything:
/// no two of its files may be the same file, the socket group must exist and be one the daemon can give the
/// socket to, and hook programs must exist. A file parses without them (the documented examples name groups and
/// programs a build machine lacks).
extension DaemonConfiguration {
    /// The witness file: the newest signed audit checkpoint, kept outside the database (docs/OPERATIONS.md).
    public var resolvedAuditWitnessPath: String { "\(stateDirectory)/audit-witness.checkpoint" }

    /// Every file the daemon owns, by the setting that places it. The database's `-wal`, `-shm` and `-journal`
    /// files are SQLite's; they collide as surely as the database itself.
    public var ownedPaths: [(setting: String, path: String)] {
        let database = resolvedDatabasePath
        return [
            ("socketPath", resolvedSocketPath),
            ("databasePath", database),
            ("databasePath (its -wal file)", database + "-wal"),
            ("databasePath (its -shm file)", database + "-shm"),
            ("databasePath (its -journal file)", database + "-journal"),
            ("audit.signingKeyPath", resolvedAuditSigningKeyPath),
            ("the audit witness file (<stateDirectory>/audit-witness.checkpoint)", resolvedAuditWitnessPath),
            ("the read-audit spool (\(DeferredReadAudit.spoolName) beside the database)",
             (database as NSString).deletingLastPathComponent + "/" + DeferredReadAudit.spoolName),
            ("stateDirectory", stateDirectory),
        ] + (resolvedWebSocketPath.map { [("web.socketPath", $0)] } ?? []) + (hl7?.socketPath.map { [("hl7.socketPath", $0)] } ?? [])
    }

    /// Refuses a configuration in which two of the daemon's files are one file: the same path written two ways,
    /// through a symbolic link, or a hard link. Start-up replaces the socket and SQLite writes beside the
    /// database, so a collision would destroy the other file.
    public func checkPaths(file: String? = nil) throws {
        var seen: [(setting: String, path: String, key: String, inode: (dev_t, ino_t)?)] = []
        for (setting, path) in ownedPaths {
            let key = Self.canonical(path)
            let inode = Self.inode(path)
            if let clash = seen.first(where: { $0.key == key || (inode != nil && $0.inode.map { $0 == inode! } == true) }) {
                throw ConfigurationError(
                    file: file ?? "(configuration)", line: nil,
                    message: "\(clash.setting) (\(clash.path)) and \(setting) (\(path)) are the same file; give each its own path, or the daemon would overwrite one with the other")
            }
            seen.append((setting, path, key, inode))
        }
    }

    /// ``checkPaths(file:)``, then the settings that name things on this host: `socketGroup` must exist and the
    /// daemon must be able to give the socket to it, and each hook's program must exist and be executable.
    public func checkHost(file: String? = nil) throws {
        try checkPaths(file: file)
        let source = file ?? "(configuration)"
        if let group = socketGroup {
            guard let gid = Self.gid(of: group) else {
                throw ConfigurationError(file: source, line: nil,
                                         message: "socketGroup '\(group)' does not exist on this host; create it (groupadd \(group)) or change socketGroup")
            }
            if geteuid() != 0, getegid() != gid, !Self.supplementaryGroups().contains(gid) {
                throw ConfigurationError(file: source, line: nil,
                                         message: "socketGroup '\(group)': this account (uid \(geteuid())) is not a member, so it cannot give the socket to that group; add it to the group (SupplementaryGroups= in the unit)")
            }
        }
        try checkWebHost(file: source)
        try checkHL7Host(file: source)
        for (name, command) in [("hooks.onAlert", hooks?.onAlert), ("hooks.onStop", hooks?.onStop)] {
            guard let program = command?.first, !program.isEmpty else { continue }
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: program, isDirectory: &isFolder), !isFolder.boolValue else {
                throw ConfigurationError(file: source, line: nil, message: "\(name): the program \(program) does not exist")
            }
            guard FileManager.default.isExecutableFile(atPath: program) else {
                throw ConfigurationError(file: source, line: nil, message: "\(name): \(program) is not executable by this account")
            }
        }
    }

    /// An absolute, normalised path with every symbolic link in it resolved as far as the path exists.
    static func canonical(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let standard = (absolute as NSString).standardizingPath
        if let resolved = realpath(standard, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        // The file does not exist (yet): resolve its folder and keep the name.
        let folder = (standard as NSString).deletingLastPathComponent
        let name = (standard as NSString).lastPathComponent
        guard folder != standard else { return standard }
        return (canonical(folder) as NSString).appendingPathComponent(name)
    }

    private static func inode(_ path: String) -> (dev_t, ino_t)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (info.st_dev, info.st_ino)
    }

    static func gid(of name: String) -> gid_t? {
        if let number = gid_t(name) { return number }
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return entry.gr_gid
    }

    static func supplementaryGroups() -> [gid_t] {
        let count = getgroups(0, nil)
        guard count > 0 else { return [] }
        var groups = [gid_t](repeating: 0, count: Int(count))
        let filled = getgroups(count, &groups)
        return filled > 0 ? Array(groups.prefix(Int(filled))) : []
    }
}
