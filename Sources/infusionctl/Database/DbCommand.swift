import ArgumentParser

/// `infusionctl db …`: backups of the clinical database.
struct DbCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Back up the clinical database while the daemon runs, and learn how to restore it.",
        discussion: """
            infusionctl never opens the live database: the daemon makes the copy and streams it over the socket, \
            so taking a backup needs the admin role, not read access to /var/lib/infusiond.

            Example:
              infusionctl db backup /srv/backup/infusiond-$(date +%F).sqlite
              infusionctl db restore --help
            """,
        subcommands: [DbBackup.self, DbRestore.self]
    )
}
