import ArgumentParser
import Foundation
import InfusionCore
import InfusionServer

/// The options of `infusiond restore --from-replica`, the restore from Litestream's continuous replica.
struct ReplicaRestoreOptions: ParsableArguments {
    @Flag(name: .long, help: ArgumentHelp(
        "Restore from the continuous replica (Litestream) instead of a backup file: after a lost disk or host (docs/RECOVERY.md)."))
    var fromReplica = false

    @Option(name: .long, help: ArgumentHelp("With --from-replica: Litestream's config naming the database and its replica.", valueName: "file"))
    var litestreamConfig: String = ReplicaRestore.defaultConfig

    @Option(name: .long, help: ArgumentHelp(
        "With --from-replica: restore the state at this time (RFC 3339, e.g. 2026-12-03T09:30:00Z) rather than the newest.", valueName: "time"))
    var at: String?

    @Option(name: .long, help: ArgumentHelp("With --from-replica: the litestream program (default: the one on PATH).", valueName: "path"))
    var litestream: String?

    @Option(name: .long, help: ArgumentHelp(
        "With --from-replica: the escrowed copy of the audit signing key, for a new host that has none (docs/RECOVERY.md).", valueName: "file"))
    var signingKey: String?

    /// Whether any replica-only option was given.
    var givesReplicaOptions: Bool {
        litestreamConfig != ReplicaRestore.defaultConfig || at != nil || litestream != nil || signingKey != nil
    }

    /// The restore's options, with `--at` parsed.
    func resolved() throws -> ReplicaRestore.Options {
        let time = try at.map { text in
            guard let date = WireJSON.parseTimestamp(text) else {
                throw ValidationError("--at '\(text)' is not an RFC 3339 time such as 2026-12-03T09:30:00Z")
            }
            return date
        }
        return ReplicaRestore.Options(litestreamConfig: litestreamConfig, at: time, litestream: litestream, signingKey: signingKey)
    }

    /// `infusiond restore --from-replica`: prints what it did and what to do next.
    func run(configuration: DaemonConfiguration) async throws {
        FileHandle.standardError.write(Data("restoring from the replica in \(litestreamConfig) (litestream restore), then checking it (quick_check, schema, audit chain)…\n".utf8))
        let lines = try await ReplicaRestore.run(options: try resolved(), configuration: configuration)
        for line in lines { print(line) }
        let confirm = lines.contains { $0.contains("--confirm-restore") }
        print((confirm ? "confirm the restore: run `infusiond serve --confirm-restore` as the daemon's user once (it records audit.forkConfirmed; stop it with Ctrl-C); then " : "")
              + "start Litestream and the daemon (systemctl start infusiond-litestream infusiond), then check: infusionctl status && infusionctl audit verify")
    }
}
