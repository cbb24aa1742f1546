import Foundation
import InfusionStore
#if canImport(Glibc)
import Glibc
#endif

/// `infusiond restore BACKUP`: the offline restore, refused while a daemon still serves the socket.
public enum DaemonRestore {
    /// Why a restore was not started.
    public struct RefusedError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Checks that no daemon serves the configured socket, restores `backup` over the configured database and,
    /// when run as root, gives the restored file to the owner of the state folder (the daemon's account).
    /// What the restore did, in lines for the operator.
    public static func run(backup: String, configuration: DaemonConfiguration) throws -> [String] {
        let socket = configuration.resolvedSocketPath
        if FileManager.default.fileExists(atPath: socket), SocketFile.isLive(path: socket) {
            throw RefusedError(description: "a daemon is serving \(socket); stop it first (systemctl stop infusiond), then run the restore again")
        }
        try configuration.checkPaths()
        let databasePath = configuration.resolvedDatabasePath
        let outcome = try DatabaseRestore.restore(backup: backup, into: databasePath, witnessPath: configuration.resolvedAuditWitnessPath)
        if getuid() == 0 {
            let folder = (databasePath as NSString).deletingLastPathComponent
            var info = stat()
            if stat(folder.isEmpty ? "." : folder, &info) == 0 {
                _ = chown(databasePath, info.st_uid, info.st_gid)
            }
        }
        var lines = ["restored \(backup) → \(outcome.restored)",
                     "  audit records \(outcome.auditRecords), schema \(outcome.schemaVersion), backup sha256 \(outcome.backupSHA256)",
                     "  recorded as database.restore (audit record \(outcome.restoreRecordSeq))"]
        lines += outcome.movedAside.map { "  previous file kept as \($0)" }
        if let head = outcome.replacedHead, head.seq >= outcome.restoreRecordSeq {
            lines.append("  the replaced trail ended at record \(head.seq): records \(outcome.restoreRecordSeq)…\(head.seq) of it are not in the restored trail")
        }
        if let witness = outcome.behindWitness {
            lines.append("  the audit witness (\(configuration.resolvedAuditWitnessPath)) covers \(witness) records, more than the restored trail: "
                         + "the daemon refuses to start on it until you confirm the restore with `infusiond serve --confirm-restore` (docs/OPERATIONS.md)")
        }
        return lines
    }
}
