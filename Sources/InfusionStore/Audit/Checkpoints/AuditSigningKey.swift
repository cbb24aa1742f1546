import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's checkpoint signing key: a file in the state directory, created on first start with mode 0600.
public enum AuditSigningKey {
    /// The key file's name inside the state directory.
    public static let fileName = "audit-signing.key"

    /// Errors reading or creating the key file, each saying what to do.
    public struct KeyFileError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Loads the key at `path`, or creates it (mode 0600, never overwriting) with `name` when there is none.
    /// Returns the signer and whether it was created now.
    public static func loadOrCreate(path: String, name: String) throws -> (signer: NoteSigner, created: Bool) {
        if FileManager.default.fileExists(atPath: path) {
            return (try load(path: path), false)
        }
        let signer = try NoteSigner(generatingWithName: name)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { return (try load(path: path), false) }
            throw KeyFileError(description: "cannot create the audit signing key \(path): \(String(cString: strerror(errno))). Check that the state directory exists and is writable by infusiond.")
        }
        defer { close(descriptor) }
        let bytes = Array((signer.privateKeyString + "\n").utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count, fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw KeyFileError(description: "cannot write the audit signing key \(path): \(reason)")
        }
        return (signer, true)
    }

    /// Loads an existing key file, refusing one that others can read.
    public static func load(path: String) throws -> NoteSigner {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw KeyFileError(description: "cannot read the audit signing key \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw KeyFileError(description: "the audit signing key \(path) is readable or writable by others (mode \(String(info.st_mode & 0o777, radix: 8))); run `chmod 600 \(path)` and start again.")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw KeyFileError(description: "cannot read the audit signing key \(path); check its owner and permissions")
        }
        do {
            return try NoteSigner(privateKey: text)
        } catch {
            throw KeyFileError(description: "the audit signing key \(path) is damaged (\(error)); restore it from a backup. Never replace it silently: auditors hold its public key.")
        }
    }

    /// A default key name for this host: `<hostname>/infusiond/audit`.
    public static func defaultName() -> String {
        let host = ProcessInfo.processInfo.hostName.unicodeScalars
            .map { CharacterSet.alphanumerics.contains($0) || $0 == "." || $0 == "-" ? String($0) : "-" }.joined()
        return "\(host.isEmpty ? "localhost" : host)/infusiond/audit"
    }
}
