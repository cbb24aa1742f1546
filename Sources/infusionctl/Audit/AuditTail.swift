import ArgumentParser
import InfusionClient
import InfusionCore

/// `infusionctl audit tail`.
struct AuditTail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Show the latest audit records.",
        discussion: """
            Shows sequence number, local time, action, outcome, the person acting and what it was about. With \
            --format json, prints the records with their hashes.

            Example:
              infusionctl audit tail -n 20
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: [.short, .customLong("count")], help: "How many records to show.")
    var n: Int = 20

    func validate() throws {
        guard n > 0 else { throw ValidationError("-n takes a count of 1 or more.") }
    }

    func run() async throws {
        let entries = try await global.client().auditTail(count: n)
        try global.emit(AuditPage(records: entries, nextAfter: nil)) { page in
            page.records.isEmpty ? "No audit records." : Render.audit(page.records).render()
        }
    }
}
