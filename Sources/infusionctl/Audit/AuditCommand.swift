import ArgumentParser

/// `infusionctl audit …`: the tamper-evident audit trail.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read and verify the audit trail.",
        discussion: """
            Every action, access, refusal, rule decision and alert change is an audit record, chained by \
            SHA-256 hashes so that a changed or missing record is found.

            Example:
              infusionctl audit tail -n 50
              infusionctl audit verify
            """,
        subcommands: [AuditTail.self, AuditVerify.self]
    )
}
