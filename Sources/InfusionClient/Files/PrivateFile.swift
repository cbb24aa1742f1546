import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Files the command line writes (exports, checkpoints, backups): created new, mode 0600, never through a symbolic
/// link and never over a file that was not named or not allowed to be replaced.
///
/// A planted link at `FILE.partial` once made an export run as root overwrite a root-owned file: every output is
/// therefore opened with `O_CREAT|O_EXCL|O_NOFOLLOW` (which fails on any existing name, a link included) and put in
/// place with `rename` or `link`, which replace or create the name itself and never follow a link there.
public enum PrivateFile {
    /// What is at a path, looked at with `lstat` (a link is reported as a link, not as what it points to).
    public enum Existing: Sendable, Equatable {
        /// Nothing is there.
        case none
        /// A regular file.
        case regularFile
        /// A symbolic link, whatever it points to.
        case symbolicLink
        /// A folder, device, socket or pipe.
        case other
    }

    /// A file operation that failed, with a sentence that says what to do.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        /// What failed and what to do.
        public var description: String

        /// Creates a failure with its sentence.
        public init(_ description: String) { self.description = description }
    }

    /// What is at `path`, without following a link.
    public static func existing(_ path: String) -> Existing {
        var status = stat()
        guard lstat(path, &status) == 0 else { return .none }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return .regularFile
        case S_IFLNK: return .symbolicLink
        default: return .other
        }
    }

    /// Checks that `path` may be written: nothing is there, or a regular file when `replacing` is allowed.
    ///
    /// A link or a folder is refused even with `replacing`: the person asked for a file, not for whatever the link
    /// points to, and removing a link someone else made is not this tool's decision.
    ///
    /// - Parameter option: the flag that allows replacing, named in the message (e.g. `--force`).
    public static func checkWritable(_ path: String, replacing: Bool, option: String = "--force") throws {
        switch existing(path) {
        case .none:
            return
        case .symbolicLink:
            throw Failure("\(path) is a symbolic link; nothing is written through links. Remove it or choose another file name.")
        case .other:
            throw Failure("\(path) exists and is not a regular file; choose another file name.")
        case .regularFile:
            if !replacing { throw Failure("\(path) exists; choose another file name or pass \(option) to replace it.") }
        }
    }

    /// Creates `path`, which must not exist, for writing with `mode` (0600 by default: exports hold patient data).
    ///
    /// - Throws: ``Failure`` when anything is at `path` (a link included) or it cannot be created.
    public static func createNew(_ path: String, mode: mode_t = 0o600) throws -> FileHandle {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            let code = errno
            if code == EEXIST || code == ELOOP {
                throw Failure("\(path) already exists" + (existing(path) == .symbolicLink ? " as a symbolic link" : "")
                              + "; remove it (a leftover from an interrupted run?) or choose another file name.")
            }
            throw Failure("cannot create \(path): \(String(cString: strerror(code))); check the folder exists and is writable.")
        }
        // The umask may only have narrowed the mode; fchmod makes it exactly what was asked for.
        _ = fchmod(descriptor, mode)
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// Writes `data` to `path` through a new private file in the same folder, flushed and then moved into place,
    /// so `path` is either the old file or the complete new one.
    public static func write(_ data: Data, to path: String, replacing: Bool, mode: mode_t = 0o600) throws {
        try checkWritable(path, replacing: replacing)
        var template = Array((path + ".XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw Failure("cannot create a file beside \(path): \(String(cString: strerror(errno))); check the folder exists and is writable.")
        }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            _ = fchmod(descriptor, mode)
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
            try moveIntoPlace(temporary, to: path, replacing: replacing)
        } catch {
            try? handle.close()
            unlink(temporary)
            throw error
        }
    }

    /// Gives the finished file `source` its final name `destination`.
    ///
    /// With `replacing`, `rename` replaces a regular file there (a link there is refused first, and `rename` would
    /// replace the link itself, never its target). Without it, `link` creates the name only if nothing has it, so a
    /// file that appeared since the check is never replaced.
    public static func moveIntoPlace(_ source: String, to destination: String, replacing: Bool) throws {
        try checkWritable(destination, replacing: replacing)
        if replacing {
            guard rename(source, destination) == 0 else {
                throw Failure("cannot rename \(source) to \(destination): \(String(cString: strerror(errno)))")
            }
            return
        }
        if link(source, destination) == 0 {
            unlink(source)
            return
        }
        let code = errno
        if code == EEXIST {
            throw Failure("\(destination) appeared while \(source) was being written; it was left alone. Choose another file name.")
        }
        // Some file systems have no hard links: check again just before the rename.
        guard code == EPERM || code == ENOTSUP || code == EOPNOTSUPP || code == EMLINK else {
            throw Failure("cannot move \(source) to \(destination): \(String(cString: strerror(code)))")
        }
        try checkWritable(destination, replacing: false)
        guard rename(source, destination) == 0 else {
            throw Failure("cannot rename \(source) to \(destination): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes `path` when it is a regular file; a link or anything else is left alone.
    public static func removeRegularFile(_ path: String) {
        if existing(path) == .regularFile { unlink(path) }
    }

    /// The permission bits of the file at `path` (not following a link), or nil when nothing is there.
    public static func permissions(_ path: String) -> mode_t? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return status.st_mode & 0o7777
    }
}
