import ArgumentParser
import Foundation
import InfusionServer

/// `infusiond restore BACKUP`: put a backup in place of the database, with the daemon stopped.
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a backup, or the continuous replica, over the database (offline: the daemon must be stopped).",
        discussion: """
            Checks the backup first (PRAGMA quick_check, a schema this version knows, an intact audit chain) and \
            refuses it otherwise. Then moves the current database and its -wal/-shm files aside as \
            <database>.replaced-<time> (nothing is deleted), copies the backup in with SQLite's backup API, \
            records database.restore at the end of its audit trail (the backup's SHA-256, its last record and \
            the replaced database's last record) and flushes it to disk. When the audit witness shows the key \
            signed a longer trail, the daemon then starts only with `infusiond serve --confirm-restore`. Refuses while a daemon answers on the configured socket. Run it as the daemon's \
            user (sudo -u infusiond infusiond restore FILE); run as root it gives the file to the state folder's owner.

            Take backups with `infusionctl db backup FILE` while the daemon runs.

            With --from-replica it restores from Litestream's replica instead (`litestream restore`, the newest state \
            or the one --at a time), checks it the same way and records database.restore naming the replica and the \
            restored head. Stop infusiond-litestream first. A new host gets the escrowed audit signing key with \
            --signing-key FILE (docs/RECOVERY.md).
            """)

    @Argument(help: ArgumentHelp("The backup file to restore (not with --from-replica).", valueName: "backup"))
    var backup: String?

    @OptionGroup var options: ConfigOptions

    @OptionGroup var replica: ReplicaRestoreOptions

    func validate() throws {
        if replica.fromReplica && backup != nil { throw ValidationError("Give a backup file or --from-replica, not both.") }
        if !replica.fromReplica && backup == nil { throw ValidationError("Give the backup file to restore, or --from-replica.") }
        if !replica.fromReplica && replica.givesReplicaOptions { throw ValidationError("--litestream-config, --at, --litestream and --signing-key go with --from-replica.") }
    }

    func run() async throws {
        do {
            let (configuration, _) = try options.load()
            guard let backup else { return try await replica.run(configuration: configuration) }
            FileHandle.standardError.write(Data("checking \(backup) (quick_check, schema, audit chain)…\n".utf8))
            let lines = try DaemonRestore.run(backup: backup, configuration: configuration)
            for line in lines { print(line) }
            if lines.contains(where: { $0.contains("--confirm-restore") }) {
                print("confirm the restore: run `infusiond serve --confirm-restore` as the daemon's user once (it records audit.forkConfirmed; stop it with Ctrl-C), then start the daemon (systemctl start infusiond) and check: infusionctl status && infusionctl audit verify")
            } else {
                print("start the daemon (systemctl start infusiond), then check: infusionctl status && infusionctl audit verify")
            }
        } catch {
            FileHandle.standardError.write(Data("infusiond restore: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
