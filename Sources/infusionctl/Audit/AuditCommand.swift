import ArgumentParser

/// `infusionctl audit …`: the tamper-evident audit trail.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read and verify the audit trail.",
        discussion: """
            Every action, access (reads included), refusal, rule decision and alert change is an audit record, \
            chained by SHA-256 hashes and gathered into an RFC 6962 Merkle tree whose signed checkpoints let an \
            auditor prove, away from this host, that an export is complete and unaltered. docs/AUDIT.md has the \
            formats and the verification steps.

            Example:
              infusionctl audit tail -n 50
              infusionctl audit verify
              infusionctl audit pubkey > infusiond-audit.pub
              infusionctl audit export --format jsonl -o audit.jsonl
              infusionctl audit verify --file audit.jsonl --pubkey infusiond-audit.pub
            """,
        subcommands: [AuditTail.self, AuditVerify.self, AuditExport.self, AuditPubkey.self]
    )
}
