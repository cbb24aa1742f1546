import Foundation
import HTTPTypes
import Hummingbird
import InfusionCore
import InfusionStore
import Logging
import NIOCore

/// `POST /v1/admin/backup`: a consistent online copy of the database, streamed to the caller.
///
/// The client never opens the live database (it may not even be allowed to read it): the daemon copies it with
/// SQLite's backup API into a temporary file beside the database (same volume, the daemon's own permissions),
/// records the backup in the audit trail, streams the file and removes it.
enum BackupRoutes {
    /// Temporary copies are named `.backup-<uuid>.sqlite` in the database's folder.
    static let temporaryPrefix = ".backup-"

    static func add(to router: Router<InfusionRequestContext>, state: ServerState) {
        router.post("/v1/admin/backup") { _, context in
            let folder = (state.store.database.path as NSString).deletingLastPathComponent
            // Owned by the response from here on: if the client goes away before the body is sent (while the copy
            // is being made, say), the server drops the response unsent and the copy goes with it, at once.
            let copy = TemporaryCopy(path: "\(folder.isEmpty ? "." : folder)/\(temporaryPrefix)\(UUID().uuidString.lowercased()).sqlite")
            let summary = try await state.store.backup(to: copy.path, actor: await context.actor(person: nil), now: state.clock())
            context.logger.notice("backup taken", metadata: [
                "infusion.backup.bytes": "\(summary.bytes)", "infusion.backup.auditSeq": "\(summary.auditSeq)",
            ])
            var headers: HTTPFields = [
                .contentType: "application/vnd.sqlite3",
                .contentDisposition: "attachment; filename=\"infusiond-backup.sqlite\"",
            ]
            headers[HTTPField.Name("Infusiond-Backup-Sha256")!] = summary.sha256
            headers[HTTPField.Name("Infusiond-Backup-Audit-Seq")!] = String(summary.auditSeq)
            headers[HTTPField.Name("Infusiond-Backup-Schema")!] = String(summary.schemaVersion)
            return Response(status: .ok, headers: headers, body: ResponseBody(contentLength: Int(summary.bytes)) { writer in
                defer { copy.remove() }
                let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: copy.path))
                defer { try? handle.close() }
                while let chunk = try handle.read(upToCount: 256 * 1024), !chunk.isEmpty {
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await writer.finish(nil)
            })
        }
    }

    /// A backup copy that is removed when it has been sent, when sending fails, or when the last reference to it
    /// goes (the request failed, or the response was dropped because its client disconnected).
    final class TemporaryCopy: Sendable {
        /// Where the copy is made.
        let path: String

        init(path: String) { self.path = path }

        /// Removes the copy and any journal SQLite left beside it; harmless when they are already gone.
        func remove() {
            for suffix in ["", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }

        deinit { remove() }
    }

    /// Removes temporary copies a crash or a dropped connection left behind; called at start.
    static func removeStaleCopies(besides databasePath: String, logger: Logger) {
        let folder = (databasePath as NSString).deletingLastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        for name in names where name.hasPrefix(temporaryPrefix) {
            try? FileManager.default.removeItem(atPath: "\(folder)/\(name)")
            logger.info("removed a stale backup copy", metadata: ["infusion.file": "\(name)"])
        }
    }
}
