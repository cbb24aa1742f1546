import ArgumentParser

/// `infusionctl db restore`: explains the offline restore, which the daemon's own binary performs.
struct DbRestore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Print how to restore a backup (an offline job for the operator, not for this tool).",
        discussion: """
            A restore replaces the clinical record, so it is done with the daemon stopped, on the server, by the \
            operator, with the daemon's own binary (infusionctl only talks to a running daemon and never touches \
            the database file):

              1. Check the backup:        infusionctl audit verify --db BACKUP
              2. Stop the daemon:         systemctl stop infusiond
              3. Restore it:              sudo -u infusiond infusiond restore BACKUP
                 (checks the backup with quick_check, its schema and its audit chain; moves the current database
                 and its -wal/-shm files aside as infusion.sqlite.replaced-TIMESTAMP; copies the backup in and
                 flushes it to disk; refuses while a daemon still answers on the socket)
              4. If step 3 says the witness shows a longer signed trail (the backup is older than the last
                 checkpoint): sudo -u infusiond infusiond serve --confirm-restore   (records audit.forkConfirmed;
                 stop it with Ctrl-C once it serves)
              5. Start the daemon:        systemctl start infusiond
              6. Confirm:                 infusionctl status; infusionctl audit verify

            Everything recorded after the backup was taken is not in it: reconcile from the paper record and the \
            replaced file. docs/OPERATIONS.md (Backup and restore) has the full procedure.
            """
    )

    @Argument(help: ArgumentHelp("The backup you intend to restore (only echoed in the steps).", valueName: "file"))
    var file: String?

    func run() async throws {
        let backup = file ?? "BACKUP"
        Console.out("""
            Restoring is done offline with the daemon stopped:
              infusionctl audit verify --db \(backup)
              systemctl stop infusiond
              sudo -u infusiond infusiond restore \(backup)
              sudo -u infusiond infusiond serve --confirm-restore   (only if restore says so; Ctrl-C once it serves)
              systemctl start infusiond
              infusionctl status && infusionctl audit verify
            See `infusionctl db restore --help` and docs/OPERATIONS.md (Backup and restore).
            """)
    }
}
