import ArgumentParser
import Crypto
import Foundation
import InfusionClient
import InfusionCore
#if canImport(Glibc)
import Glibc
#endif

/// `infusionctl db backup FILE`.
struct DbBackup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Save a consistent copy of the live database to a file (needs the admin role).",
        discussion: """
            The daemon copies the database with SQLite's online backup API while it keeps serving (a snapshot \
            of everything committed when the copy began), checks it with PRAGMA quick_check, records the backup \
            in the audit trail and streams it here. The file is written as FILE.partial, checked against the \
            SHA-256 the daemon sent, flushed to disk and only then renamed to FILE, so FILE is never half a backup. \
            It is created mode 0600 (it holds patient records) and never through a symbolic link.

            Check a backup with: infusionctl audit verify --db FILE

            Example:
              infusionctl db backup /srv/backup/infusiond-$(date +%F).sqlite
            """
    )

    @Argument(help: ArgumentHelp("Where to write the backup; must not exist unless --force.", valueName: "file"))
    var file: String

    @Flag(help: "Replace FILE if it exists as a regular file.")
    var force = false

    @OptionGroup var global: GlobalOptions

    /// What a backup produced, as printed with `--format json`.
    struct Result: Encodable {
        var file: String
        var bytes: Int64
        var sha256: String
        var auditSeq: Int64?
        var schemaVersion: Int?
    }

    func run() async throws {
        let target = URL(fileURLWithPath: file).standardizedFileURL.path
        let partial = target + ".partial"
        let handle: FileHandle
        do {
            try PrivateFile.checkWritable(target, replacing: force)
            handle = try PrivateFile.createNew(partial)
        } catch let failure as PrivateFile.Failure {
            throw CommandFailure(failure.description)
        }
        var finished = false
        defer {
            try? handle.close()
            if !finished { unlink(partial) }
        }
        let progress = ProgressLine(label: "backup")
        let head = try await global.client().downloadBackup(into: handle) { progress.update(bytes: $0) }
        progress.finish()
        try handle.synchronize()
        let (bytes, digest) = try Self.digest(of: partial)
        let expected = head.header("Infusiond-Backup-Sha256")
        guard let expected, expected == digest else {
            throw CommandFailure("the received backup does not match the daemon's SHA-256 (\(expected ?? "none sent") vs \(digest)); it was discarded. Run the backup again.")
        }
        do {
            try PrivateFile.moveIntoPlace(partial, to: target, replacing: force)
        } catch let failure as PrivateFile.Failure {
            throw CommandFailure(failure.description)
        }
        finished = true
        Self.syncFolder(of: target)
        let result = Result(file: target, bytes: bytes, sha256: digest,
                            auditSeq: head.header("Infusiond-Backup-Audit-Seq").flatMap { Int64($0) },
                            schemaVersion: head.header("Infusiond-Backup-Schema").flatMap { Int($0) })
        try global.emit(result) { result in
            """
            backup written: \(result.file)
              bytes        \(result.bytes)
              sha256       \(result.sha256)
              audit seq    \(result.auditSeq.map(String.init) ?? "?")  (records up to this seq are in the copy)
              schema       \(result.schemaVersion.map(String.init) ?? "?")
            check it: infusionctl audit verify --db \(result.file)
            """
        }
    }

    /// Size and hex SHA-256 of a file.
    static func digest(of path: String) throws -> (Int64, String) {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var hasher = SHA256()
        var bytes: Int64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            bytes += Int64(chunk.count)
        }
        return (bytes, hasher.finalize().lowercaseHex)
    }

    /// Flushes the folder entry so the rename survives a power cut.
    static func syncFolder(of path: String) {
        let folder = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY)
        guard folder >= 0 else { return }
        fsync(folder)
        close(folder)
    }
}
