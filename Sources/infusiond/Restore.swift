import ArgumentParser
import Foundation
import InfusionServer

/// `infusiond restore BACKUP`: put a backup in place of the database, with the daemon stopped.
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a backup over the database (offline: the daemon must be stopped).",
        discussion: """
            Checks the backup first (PRAGMA quick_check, a schema this version knows, an intact audit chain) and \
            refuses it otherwise. Then moves the current database and its -wal/-shm files aside as \
            <database>.replaced-<time> (nothing is deleted), copies the backup in with SQLite's backup API and \
            flushes it to disk. Refuses while a daemon answers on the configured socket. Run it as the daemon's \
            user (sudo -u infusiond infusiond restore FILE); run as root it gives the file to the state folder's owner.

            Take backups with `infusionctl db backup FILE` while the daemon runs.
            """)

    @Argument(help: ArgumentHelp("The backup file to restore.", valueName: "backup"))
    var backup: String

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        do {
            let (configuration, _) = try options.load()
            FileHandle.standardError.write(Data("checking \(backup) (quick_check, schema, audit chain)…\n".utf8))
            for line in try DaemonRestore.run(backup: backup, configuration: configuration) { print(line) }
            print("start the daemon (systemctl start infusiond), then check: infusionctl status && infusionctl audit verify")
        } catch {
            FileHandle.standardError.write(Data("infusiond restore: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
