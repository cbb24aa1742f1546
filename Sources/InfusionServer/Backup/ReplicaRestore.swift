import Foundation
import InfusionCore
import InfusionStore
#if canImport(Glibc)
import Glibc
#endif

/// `infusiond restore --from-replica`: the database back from Litestream's continuous replica, after a lost disk or
/// host, recorded like any restore.
///
/// Runs `litestream restore` into a temporary file in the state folder, then hands it to the same checked restore a
/// backup goes through (``DatabaseRestore``: quick_check, schema, audit chain, the current files moved aside, a
/// `database.restore` record naming the replica and the restored head). The signing key is not in the database: a
/// new host gets the escrowed copy (`--signing-key`), checked against the key that signed the restored trail's
/// checkpoints, so `infusionctl audit verify` keeps passing with the public key auditors already hold.
public enum ReplicaRestore {
    /// What the operator asked for.
    public struct Options: Sendable {
        /// Litestream's config naming the database and its replica (default `/etc/infusiond/litestream.yml`).
        public var litestreamConfig: String
        /// Restore the state at this time rather than the newest (`litestream restore -timestamp`).
        public var at: Date?
        /// The `litestream` program; found on PATH when nil.
        public var litestream: String?
        /// The escrowed copy of the audit signing key, installed when the state folder has none.
        public var signingKey: String?

        public init(litestreamConfig: String = ReplicaRestore.defaultConfig, at: Date? = nil, litestream: String? = nil, signingKey: String? = nil) {
            self.litestreamConfig = litestreamConfig
            self.at = at
            self.litestream = litestream
            self.signingKey = signingKey
        }
    }

    /// Where the package's docs put Litestream's config.
    public static let defaultConfig = "/etc/infusiond/litestream.yml"

    /// Why a restore from the replica was not done, with what to do.
    public struct RefusedError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The program `litestream`: `explicit` when given (it must be executable), else the first on `PATH`.
    public static func findLitestream(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if let explicit {
            guard FileManager.default.isExecutableFile(atPath: explicit) else {
                throw RefusedError(description: "--litestream \(explicit) is not an executable file; give the path of the litestream program (Litestream 0.5 or later)")
            }
            return explicit
        }
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(folder)/litestream") {
            return "\(folder)/litestream"
        }
        throw RefusedError(description: "litestream is not installed: no litestream program on PATH (\(path)). Install Litestream 0.5 or later (docs/RECOVERY.md), or name the program with --litestream PATH.")
    }

    /// Restores the configured database from the replica; returns what it did, in lines for the operator.
    public static func run(options: Options, configuration: DaemonConfiguration, now: Date = Date()) async throws -> [String] {
        let socket = configuration.resolvedSocketPath
        if FileManager.default.fileExists(atPath: socket), SocketFile.isLive(path: socket) {
            throw RefusedError(description: "a daemon is serving \(socket); stop it first (systemctl stop infusiond), then run the restore again")
        }
        let databasePath = configuration.resolvedDatabasePath
        if let replication = configuration.replication,
           let entry = try? await LitestreamControl(socketPath: replication.resolvedControlSocket).status(of: databasePath, timeout: .seconds(3)) {
            throw RefusedError(description: "Litestream is replicating \(entry.path) (control socket \(replication.resolvedControlSocket)); stop it first (systemctl stop infusiond-litestream): a database restored under a running replicator could be shipped over the replica. Start it again after the restore.")
        }
        let program = try findLitestream(explicit: options.litestream)
        guard FileManager.default.isReadableFile(atPath: options.litestreamConfig) else {
            throw RefusedError(description: "cannot read Litestream's config \(options.litestreamConfig); give the one that names the replica with --litestream-config FILE")
        }
        try configuration.checkPaths()
        let folder = (databasePath as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder.isEmpty ? "." : folder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o750])
        let keyPlan = try SigningKeyPlan(escrow: options.signingKey, keyPath: configuration.resolvedAuditSigningKeyPath)

        let temporary = "\(folder.isEmpty ? "." : folder)/.replica-restore-\(UUID().uuidString.prefix(8).lowercased()).sqlite"
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: temporary + suffix) }
        }
        var arguments = ["restore", "-config", options.litestreamConfig, "-o", temporary, "-json"]
        if let at = options.at { arguments += ["-timestamp", Self.rfc3339(at)] }
        arguments.append(databasePath)
        let result = try await Self.runProgram(program, arguments)
        guard result.status == 0 else {
            let said = (result.stderr + result.stdout).trimmingCharacters(in: .whitespacesAndNewlines)
            throw RefusedError(description: "litestream restore failed (exit \(result.status)): \(said.isEmpty ? "no message" : said). Check that \(options.litestreamConfig) names \(databasePath) and its replica, and that the replica is reachable\(options.at == nil ? "" : " and holds a state at or before --at").")
        }
        let summary = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any] ?? [:]

        let trail: RestoredTrail
        do {
            trail = try RestoredTrail.read(path: temporary)
        } catch {
            throw RefusedError(description: "the database litestream restored cannot be read (\(error)); try an earlier --at, or another replica. Nothing was changed.")
        }
        try keyPlan.check(against: trail)
        let witnessPath = configuration.resolvedAuditWitnessPath
        let hasWitness = FileManager.default.fileExists(atPath: witnessPath)
        var origin: [String: JSONValue] = [
            "source": "replica", "replicator": "litestream",
            "litestreamConfig": .string(options.litestreamConfig),
            "replica": (summary["replica"] as? String).map(JSONValue.string) ?? .null,
            "replicaTxid": (summary["txid"] as? String).map(JSONValue.string) ?? .null,
            "at": options.at.map { .string(WireJSON.formatTimestamp($0)) } ?? .null,
            "restoredHead": trail.headJSON,
            "restoredAt": .string(WireJSON.formatTimestamp(now)),
            "signingKey": .string(keyPlan.recordNote),
        ]
        origin["explanation"] = .string("""
            The database was restored from its continuous replica (Litestream): commits after restoredHead that the \
            replica had not received when the host was lost are not in this trail, and this trail uses their seqs \
            again from here on. \(hasWitness ? "The audit witness on this host is named under witness." : "There was no audit witness on this host (a new host): compare this trail with the last checkpoint an auditor holds (infusionctl audit verify --previous).")
            """)
        let outcome = try DatabaseRestore.restore(backup: temporary, into: databasePath, witnessPath: witnessPath, origin: origin, now: now)
        let installed = try keyPlan.install()
        if getuid() == 0 {
            var info = stat()
            if stat(folder.isEmpty ? "." : folder, &info) == 0 {
                for path in [databasePath] + (installed.map { [$0] } ?? []) { _ = chown(path, info.st_uid, info.st_gid) }
            }
        }
        var lines = ["restored \(databasePath) from the replica in \(options.litestreamConfig)\(options.at.map { " as of \(Self.rfc3339($0))" } ?? "")",
                     "  litestream: replica \(summary["replica"] as? String ?? "?"), txid \(summary["txid"] as? String ?? "?")",
                     "  checked: quick_check, schema \(outcome.schemaVersion), audit chain of \(outcome.auditRecords - 1) records",
                     "  restored head: record \(trail.head.map { "\($0.seq) (\($0.time), \($0.hash.prefix(16))…)" } ?? "none")",
                     "  recorded as database.restore (audit record \(outcome.restoreRecordSeq))",
                     "  signing key: \(keyPlan.summary)"]
        lines += outcome.movedAside.map { "  previous file kept as \($0)" }
        if !hasWitness {
            lines.append("  no audit witness here (a new host): check the restored trail against the last checkpoint an auditor holds with `infusionctl audit verify --previous OLD.checkpoint --pubkey KEY` once the daemon runs")
        } else if let finding = Self.witnessFinding(databasePath: databasePath, witnessPath: witnessPath, key: keyPlan.verifier), finding.isFork {
            // The daemon's start makes the same comparison and refuses until the operator confirms.
            lines.append("  the audit witness (\(witnessPath)) does not fit the restored trail (\(finding.explanation)): "
                         + "the daemon starts on it only after `infusiond serve --confirm-restore` (docs/RECOVERY.md)")
        }
        return lines
    }

    /// How the restored trail stands against the audit witness, as the daemon's start will judge it; nil when the
    /// witness cannot be read at all.
    static func witnessFinding(databasePath: String, witnessPath: String, key: NoteVerifier?) -> AuditWitness.Finding? {
        guard let note = try? AuditWitness.read(path: witnessPath) else { return nil }
        return try? AuditDatabaseFile.compareWitness(path: databasePath, note: note, trustedKey: key)
    }

    /// RFC 3339 in UTC with milliseconds, as Litestream's `-timestamp` takes it.
    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// Runs a program to completion, collecting its output; waits on a dispatch thread.
    static func runProgram(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: executable)
                    process.arguments = arguments
                    let out = Pipe()
                    let err = Pipe()
                    process.standardOutput = out
                    process.standardError = err
                    process.standardInput = FileHandle.nullDevice
                    do {
                        try process.run()
                    } catch {
                        throw RefusedError(description: "cannot run \(executable): \(error)")
                    }
                    let group = DispatchGroup()
                    nonisolated(unsafe) var stderr = Data()
                    DispatchQueue.global().async(group: group) { stderr = err.fileHandleForReading.readDataToEndOfFile() }
                    let stdout = out.fileHandleForReading.readDataToEndOfFile()
                    group.wait()
                    process.waitUntilExit()
                    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
                })
            }
        }
    }
}

/// How the audit signing key comes through a restore: kept (the state folder has the key that signed the restored
/// trail) or installed from the escrowed copy; anything else is refused before the database is touched.
struct SigningKeyPlan {
    let escrow: String?
    let keyPath: String
    /// The escrowed key, loaded (its file must be private to its owner, as the daemon requires of its own key).
    let escrowSigner: NoteSigner?
    /// The key already in the state folder.
    let presentSigner: NoteSigner?

    init(escrow: String?, keyPath: String) throws {
        self.escrow = escrow
        self.keyPath = keyPath
        do {
            escrowSigner = try escrow.map { try AuditSigningKey.load(path: $0) }
        } catch {
            throw ReplicaRestore.RefusedError(description: "the escrowed signing key cannot be used: \(error)")
        }
        presentSigner = FileManager.default.fileExists(atPath: keyPath) ? try AuditSigningKey.load(path: keyPath) : nil
    }

    /// Refuses a key that did not sign the restored trail, and a new host without the escrowed key.
    func check(against trail: RestoredTrail) throws {
        let signed = trail.verifierKey
        if let escrowSigner {
            if let signed, escrowSigner.verifier.verifierKey != signed {
                throw ReplicaRestore.RefusedError(description: "the escrowed key \(escrow ?? "") (\(escrowSigner.verifier.verifierKey)) is not the key that signed the restored trail's checkpoints (\(signed)); find the right escrowed copy. Nothing was changed.")
            }
            return
        }
        guard let signed else { return }
        guard let presentSigner else {
            throw ReplicaRestore.RefusedError(description: "there is no audit signing key at \(keyPath): the key is not in the database, and a new key would make every checkpoint of the restored trail fail to verify. Give the escrowed copy with --signing-key FILE (docs/RECOVERY.md, \"The signing key\"). Nothing was changed.")
        }
        guard presentSigner.verifier.verifierKey == signed else {
            throw ReplicaRestore.RefusedError(description: "the audit signing key at \(keyPath) (\(presentSigner.verifier.verifierKey)) is not the key that signed the restored trail's checkpoints (\(signed)), e.g. one a daemon made on this new host before the restore. Give the escrowed copy with --signing-key FILE; the key found here is then kept aside. Nothing was changed.")
        }
    }

    /// Puts the escrowed key in place when it is not already; returns the path written, if any. A different key
    /// found there is moved aside, never deleted.
    func install(now: Date = Date()) throws -> String? {
        guard let escrow, let escrowSigner else { return nil }
        if let presentSigner, presentSigner.verifier.verifierKey == escrowSigner.verifier.verifierKey { return nil }
        if presentSigner != nil {
            let stamp = ISO8601DateFormatter().string(from: now).replacingOccurrences(of: ":", with: "")
            try FileManager.default.moveItem(atPath: keyPath, toPath: "\(keyPath).replaced-\(stamp)")
        }
        let text = try String(contentsOfFile: escrow, encoding: .utf8)
        let descriptor = open(keyPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ReplicaRestore.RefusedError(description: "the database is restored, but the escrowed key could not be written to \(keyPath): \(String(cString: strerror(errno))); copy it there by hand (mode 0600, owned by infusiond) before starting the daemon")
        }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count, fsync(descriptor) == 0 else {
            throw ReplicaRestore.RefusedError(description: "the database is restored, but writing the escrowed key to \(keyPath) failed: \(String(cString: strerror(errno))); copy it there by hand before starting the daemon")
        }
        return keyPath
    }

    /// The key the daemon will sign with after the restore, if one is known.
    var verifier: NoteVerifier? { (escrowSigner ?? presentSigner)?.verifier }

    /// What the restore record says about the key.
    var recordNote: String {
        if escrowSigner != nil {
            return presentSigner?.verifier.verifierKey == escrowSigner?.verifier.verifierKey ? "kept (the escrowed copy is the key already here)" : "installed from the escrowed copy"
        }
        return presentSigner == nil ? "none (the restored trail has no checkpoint)" : "kept (the key here signed the restored trail)"
    }

    /// The same for the operator.
    var summary: String {
        let key = (escrowSigner ?? presentSigner)?.verifier.verifierKey ?? "none"
        return "\(recordNote): \(key)"
    }
}
