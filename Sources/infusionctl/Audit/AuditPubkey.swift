import ArgumentParser
import Foundation
import InfusionClient
import InfusionCore
import InfusionStore

/// `infusionctl audit pubkey`: the verifier key auditors check checkpoints with.
struct AuditPubkey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pubkey",
        abstract: "Print the public key that verifies the daemon's audit checkpoints.",
        discussion: """
            Prints the C2SP verifier key, <name>+<key id>+<base64 key>, on one line: keep it somewhere the \
            daemon's host cannot change (an auditor's own records), and pass it to `audit verify --pubkey`. \
            By default it asks the daemon; with --key it reads the daemon's private key file directly (on the \
            server, as the daemon's user) and prints only its public half.

            Examples:
              infusionctl audit pubkey > infusiond-audit.pub
              sudo -u infusiond infusionctl audit pubkey --key /var/lib/infusiond/audit-signing.key
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Read the key from this private key file instead of asking the daemon.", valueName: "file"))
    var key: String?

    func run() async throws {
        let publicKey: AuditPublicKey
        if let key {
            let signer: NoteSigner
            do {
                signer = try AuditSigningKey.load(path: key)
            } catch {
                throw CommandFailure("\(error)")
            }
            publicKey = AuditPublicKey(verifierKey: signer.verifier.verifierKey, origin: signer.name)
        } else {
            publicKey = try await global.client().auditPublicKey()
        }
        try global.emit(publicKey) { $0.verifierKey }
    }
}
