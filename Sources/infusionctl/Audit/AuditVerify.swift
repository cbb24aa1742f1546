import ArgumentParser
import Foundation
import InfusionClient
import InfusionCore
import InfusionStore

/// `infusionctl audit verify`: the live trail through the daemon, a database file, or an export file offline.
struct AuditVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the audit trail and name the first record that fails.",
        discussion: """
            Three ways to check, from most to least trust in the host:

            1. Live (no file options): the daemon walks every record, recomputes its hash, its chain link and \
            its Merkle leaf, and checks every signed checkpoint it stored. With --previous OLD.checkpoint and \
            --pubkey KEY it also fetches the latest checkpoint and an RFC 6962 consistency proof and checks here \
            that today's trail extends the checkpoint you kept.

            2. --db FILE: the same walk on a database file (a backup or a copy), opened read-only, no daemon.

            3. --file EXPORT.jsonl: fully offline, trusting nothing but the public key. Checks the hash chain, \
            seq continuity, that the records reproduce the Merkle root of the signed checkpoint (EXPORT.jsonl.checkpoint \
            unless --checkpoint names another), that the signature is by --pubkey, and with --previous that the \
            trail extends the older checkpoint (consistency proof). A partial export (--from after 1) needs the \
            EXPORT.jsonl.prefix file written beside it.

            With --db, --witness FILE also checks the trail against the daemon's audit witness (the newest \
            checkpoint it signed, kept outside the database): a database restored or replaced behind it is \
            reported as a fork. Forks the trail records itself (database.restore, audit.forkConfirmed) are \
            listed after the verdict, each by name.

            On failure it names the first bad record and the kind of damage (edited, missing, reordered, \
            truncated, badSignature, unverified, malformed, forked) and exits 1. --pubkey takes the verifier key itself \
            (from `infusionctl audit pubkey`) or a file holding it. A progress line is shown on a terminal.

            Examples:
              infusionctl audit verify
              infusionctl audit verify --db /srv/backup/infusiond-2026-11-24.sqlite --pubkey daemon.pub
              infusionctl audit verify --file audit.jsonl --pubkey daemon.pub --previous last-month.jsonl.checkpoint
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Verify this database file offline, read-only.", valueName: "file"))
    var db: String?

    @Option(help: ArgumentHelp("Verify this jsonl export offline.", valueName: "file"))
    var file: String?

    @Option(help: ArgumentHelp("The export's signed checkpoint (default: FILE.checkpoint).", valueName: "file"))
    var checkpoint: String?

    @Option(help: ArgumentHelp("A partial export's prefix file (default: FILE.prefix when it exists).", valueName: "file"))
    var prefix: String?

    @Option(help: ArgumentHelp("The trusted verifier key, or a file holding it.", valueName: "key"))
    var pubkey: String?

    @Option(help: ArgumentHelp("An earlier signed checkpoint the trail must extend.", valueName: "file"))
    var previous: String?

    @Option(help: ArgumentHelp("With --db: the daemon's audit witness (<stateDirectory>/audit-witness.checkpoint); the trail must extend it.", valueName: "file"))
    var witness: String?

    func validate() throws {
        if db != nil && file != nil { throw ValidationError("Give either --db or --file, not both.") }
        if file != nil && pubkey == nil {
            throw ValidationError("--file needs --pubkey: an export is only as good as the key its checkpoint is checked with (get it with `infusionctl audit pubkey`).")
        }
        if previous != nil && pubkey == nil { throw ValidationError("--previous needs --pubkey to check the older checkpoint's signature.") }
        if file == nil && (checkpoint != nil || prefix != nil) { throw ValidationError("--checkpoint and --prefix go with --file.") }
        if witness != nil && db == nil { throw ValidationError("--witness goes with --db (the running daemon checks its own witness at every start).") }
    }

    func run() async throws {
        let key = try pubkey.map(Self.verifier)
        let earlier = try previous.map { try Self.read($0, what: "the earlier checkpoint") }
        var result: AuditVerification
        if let file {
            result = try verifyFile(file, key: key!, earlier: earlier)
        } else if let db {
            let progress = ProgressLine(label: "verifying \(db)")
            defer { progress.finish() }
            result = try runLocally {
                try AuditDatabaseFile.verify(path: db, trustedKey: key, earlierNotes: earlier.map { [($0, "the earlier checkpoint")] } ?? [],
                                             progress: { progress.update("\($0.formatted()) records") })
            }
            if let witness {
                let note = try Self.read(witness, what: "the audit witness")
                result = try runLocally { try Self.checkWitness(result, db: db, note: note, label: witness, key: key) }
            }
        } else {
            result = try await verifyLive(key: key, earlier: earlier)
        }
        try global.emit(result, text: Self.render)
        if !result.ok { throw ExitCode.failure }
    }

    /// The verdict, then every fork the trail records, each by name.
    static func render(_ result: AuditVerification) -> String {
        var text = Render.verification(result)
        let forks = result.forks ?? []
        if !forks.isEmpty {
            text += "\nThe trail records \(forks.count) fork\(forks.count == 1 ? "" : "s") (a restore or a replaced database): "
                + "checkpoints of the other trail do not fit this one."
            for fork in forks { text += "\n  fork at \(fork.description)" }
        }
        return text
    }

    /// Compares a database file's trail with the daemon's audit witness; a trail that does not extend it is a
    /// fork, named as such.
    static func checkWitness(_ base: AuditVerification, db: String, note: String, label: String, key: NoteVerifier?) throws -> AuditVerification {
        let finding = try AuditDatabaseFile.compareWitness(path: db, note: note, trustedKey: key)
        switch finding {
        case .none:
            return base
        case .consistent:
            var result = base
            if result.ok { result.checkpointsChecked = (result.checkpointsChecked ?? 0) + 1 }
            return result
        case .unreadable(let why):
            return failed(base, .badSignature, nil, "the audit witness \(label) does not verify: \(why)")
        case .behind(let witness, _), .diverged(let witness, _):
            guard base.ok || base.failure == .forked || base.failure == .truncated else { return base }
            let recorded = (base.forks ?? []).last.map { " The trail itself records it at \($0.description)" } ?? " The trail records no restore: the database was replaced or rolled back without one."
            return failed(base, .forked, Int64(min(witness.size, UInt64(max(base.lastSeq, 0)) + 1)),
                          "fork: \(finding.explanation) (audit witness \(label)).\(recorded)")
        }
    }

    private func verifyFile(_ file: String, key: NoteVerifier, earlier: String?) throws -> AuditVerification {
        let checkpointPath = checkpoint ?? "\(file).checkpoint"
        let note = try Self.read(checkpointPath, what: "the checkpoint (write it with `audit export`, or name it with --checkpoint)")
        let prefixPath = prefix ?? (FileManager.default.fileExists(atPath: "\(file).prefix") ? "\(file).prefix" : nil)
        let start = try prefixPath.map { path in
            try runLocally { try AuditPrefixFile.parse(try Self.read(path, what: "the prefix file")) }
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int64) ?? nil
        let progress = ProgressLine(label: "verifying \(file)")
        defer { progress.finish() }
        return try runLocally {
            try AuditFileVerifier.verify(file: file, checkpoint: note, trustedKey: key, previous: earlier, prefix: start) { records, bytes in
                let share = size.map { $0 > 0 ? " (\(Int(Double(bytes) * 100 / Double($0)))%)" : "" } ?? ""
                progress.update("\(records.formatted()) records\(share)")
            }
        }
    }

    /// The daemon's own walk, and with --previous a consistency proof from the kept checkpoint to the latest.
    private func verifyLive(key: NoteVerifier?, earlier: String?) async throws -> AuditVerification {
        let client = global.client()
        var result = try await client.verifyAudit()
        guard result.ok, let earlier, let key else { return result }
        do {
            let old = try Checkpoint(signedNote: earlier, verifier: key)
            let latest = try await client.auditCheckpoint()
            let new = try Checkpoint(signedNote: latest.note, verifier: key)
            if let fork = Self.forkBefore(old.size, in: result) {
                let extends = try await Self.consistent(old, new, client: client)
                if !extends { return Self.failed(result, .forked, fork.seq, Self.stopsAt(fork, checkpointSize: old.size)) }
            }
            guard old.size <= new.size else {
                return Self.failed(result, .truncated, Int64(new.size) + 1,
                                   "the earlier checkpoint covers \(old.size) records but the daemon's latest only \(new.size): records \(new.size + 1)…\(old.size) were removed (truncated)")
            }
            if old.size < new.size {
                let proof = try await client.auditConsistencyProof(from: Int64(old.size), to: Int64(new.size))
                try MerkleVerifier.verifyConsistency(
                    size1: old.size, size2: new.size, proof: proof.proof.compactMap { Data(base64Encoded: $0) },
                    root1: old.rootHash, root2: new.rootHash)
            } else if old.rootHash != new.rootHash {
                throw MerkleProofError.rootMismatch(which: "earlier root at the same size")
            }
            result.checkpointsChecked = (result.checkpointsChecked ?? 0) + 1
            return result
        } catch let error as SignedNoteError {
            return Self.failed(result, .badSignature, nil, "a checkpoint does not verify with the key you gave: \(error)")
        } catch let error as MerkleProofError {
            return Self.failed(result, .edited, nil, "the daemon's trail does not extend the earlier checkpoint (its consistency proof fails: \(error)): records it covered were changed")
        }
    }

    /// The newest fork the trail records inside the first `size` records: a restore there means the trail cannot
    /// extend a checkpoint of the trail it replaced.
    static func forkBefore(_ size: UInt64, in result: AuditVerification) -> AuditFork? {
        (result.forks ?? []).last { $0.seq <= Int64(size) }
    }

    /// Whether the daemon's trail extends `old` (an RFC 6962 consistency proof from it to `new`).
    private static func consistent(_ old: Checkpoint, _ new: Checkpoint, client: InfusionClient) async throws -> Bool {
        guard old.size <= new.size else { return false }
        guard old.size < new.size else { return old.rootHash == new.rootHash }
        let proof = try await client.auditConsistencyProof(from: Int64(old.size), to: Int64(new.size))
        do {
            try MerkleVerifier.verifyConsistency(size1: old.size, size2: new.size, proof: proof.proof.compactMap { Data(base64Encoded: $0) },
                                                 root1: old.rootHash, root2: new.rootHash)
            return true
        } catch is MerkleProofError {
            return false
        }
    }

    /// Where a restored trail stops against a checkpoint of the trail it replaced.
    static func stopsAt(_ fork: AuditFork, checkpointSize: UInt64) -> String {
        "the trail does not extend the earlier checkpoint of \(checkpointSize) records: it was restored at record \(fork.seq) "
            + "(\(fork.action), \(fork.time)), so it holds at most records 1…\(fork.seq - 1) of the trail that checkpoint covers; "
            + "records \(fork.seq)…\(checkpointSize) of that trail are not in it (lost with the host or the replaced database, "
            + "docs/RECOVERY.md). \(fork.description)"
    }

    private static func failed(_ base: AuditVerification, _ kind: AuditFailureKind, _ seq: Int64?, _ problem: String) -> AuditVerification {
        var result = base
        result.ok = false
        result.failure = kind
        result.firstBadSeq = seq
        result.problem = problem
        return result
    }

    /// A key given on the command line, or the first line of the file it names.
    static func verifier(_ argument: String) throws -> NoteVerifier {
        let text = FileManager.default.fileExists(atPath: argument) ? try read(argument, what: "the public key file") : argument
        do {
            return try NoteVerifier(verifierKey: text)
        } catch {
            throw CommandFailure("--pubkey is not a verifier key (\(error)); pass the line `infusionctl audit pubkey` prints, or a file holding it.")
        }
    }

    static func read(_ path: String, what: String) throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CommandFailure("cannot read \(what) at \(path); check the path.")
        }
        return text
    }

    /// Runs offline work, turning input errors into failures with their sentence.
    private func runLocally<T>(_ work: () throws -> T) throws -> T {
        do {
            return try work()
        } catch let error as VerificationInputError {
            throw CommandFailure(error.description)
        } catch let error as SignedNoteError {
            throw CommandFailure(error.description)
        } catch let error as MerkleProofError {
            throw CommandFailure(error.description)
        }
    }
}
