import ArgumentParser
import InfusionClient
import InfusionCore

/// `infusionctl audit verify`.
struct AuditVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the audit chain and name the first record that fails.",
        discussion: """
            Has the daemon walk every record, recompute its hash and compare it with the next record's prevHash. \
            Prints OK with the record count and the last hash, or names the first bad record and exits 1.

            Example:
              infusionctl audit verify
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let result = try await global.client().verifyAudit()
        try global.emit(result, text: Render.verification)
        if !result.ok { throw ExitCode.failure }
    }
}
