import ArgumentParser
import Foundation
import InfusionClient
import InfusionCore
import InfusionStore
#if canImport(Glibc)
import Glibc
#endif

/// `infusionctl audit export`: the trail, or part of it, to a file with its signed checkpoint beside it.
struct AuditExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the audit trail to a file, with a signed checkpoint beside it.",
        discussion: """
            The daemon records the export in the trail, signs a checkpoint of records 1 … the last one exported, \
            and streams the records (constant memory at both ends, whatever the size). Written here:

              FILE             the export (written as FILE.partial, renamed when complete; mode 0600, it holds
                               patient identifiers)
              FILE.checkpoint  the signed checkpoint (C2SP tlog-checkpoint signed note) the export verifies against
              FILE.prefix      only for --from after 1: what a verifier needs about the records before the range

            Every file is created new, mode 0600, and never through a symbolic link: a link at any of these names \
            stops the export. An existing FILE, FILE.checkpoint, FILE.prefix or leftover FILE.partial is replaced \
            only with --force.

            Formats: jsonl, each line exactly the bytes that were hashed (the evidence; verify it with \
            `infusionctl audit verify --file FILE --pubkey KEY`); csv, one row per record for people (RFC 4180); \
            fhir, a FHIR R4 Bundle of AuditEvent resources carrying each record's seq, hash and bytes.

            --from and --to take a seq (1, 2, …) or an RFC 3339 time (2026-11-24T08:00:00Z); by default \
            everything up to and including this export's own record. A progress line is shown on a terminal.

            Examples:
              infusionctl audit export --format jsonl -o audit.jsonl --by auditor-3
              infusionctl audit export --format fhir --from 2026-11-01T00:00:00Z --to 2026-12-01T00:00:00Z -o nov.fhir.json
            """
    )

    // Not the shared GlobalOptions: here --format is the export's format (the issue's interface), so the summary
    // is always text, and --socket is declared on its own.
    @Option(
        help: ArgumentHelp(
            "The daemon's Unix socket.",
            discussion: "Default: $INFUSIOND_SOCKET, else /run/infusiond/infusiond.sock if it exists, else ./.infusiond/infusiond.sock.",
            valueName: "path"))
    var socket: String?

    @Option(help: "The export's format: jsonl (the evidence), csv (for people) or fhir (FHIR R4 Bundle of AuditEvent).")
    var format: ExportFormat = .jsonl

    @Option(help: ArgumentHelp("First record: a seq or an RFC 3339 time.", valueName: "seq|time"))
    var from: String?

    @Option(help: ArgumentHelp("Last record: a seq or an RFC 3339 time.", valueName: "seq|time"))
    var to: String?

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("The file to write.", valueName: "file"))
    var output: String

    @Option(help: ArgumentHelp("Who is exporting (staff identifier), recorded in the audit trail.", valueName: "person"))
    var by: String?

    @Flag(help: "Replace FILE (and its .checkpoint, .prefix and a leftover .partial) if they exist as regular files.")
    var force = false

    /// The formats, for the command line.
    enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
        case jsonl, csv, fhir
    }

    /// What an export produced.
    struct Result {
        var file: String
        var format: String
        var fromSeq: Int64
        var toSeq: Int64
        var records: Int64
        var bytes: Int64
        var checkpointFile: String
        var prefixFile: String?
        var treeSize: Int64
        var rootHash: String
    }

    func validate() throws {
        for (name, value) in [("--from", from), ("--to", to)] {
            if let value, AuditBound(parsing: value) == nil {
                throw ValidationError("\(name) \(value) is neither a seq (1, 2, …) nor an RFC 3339 time such as 2026-11-24T08:00:00Z.")
            }
        }
    }

    func run() async throws {
        let checkpointFile = "\(output).checkpoint"
        let prefixFile = "\(output).prefix"
        let partial = "\(output).partial"
        let handle: FileHandle
        do {
            // Every name is looked at before anything is fetched: a link or an unasked-for replacement stops the
            // export before the daemon records it.
            for path in [output, checkpointFile, prefixFile] {
                try PrivateFile.checkWritable(path, replacing: force)
            }
            // A regular leftover of an interrupted export goes only with --force; a link there makes createNew fail.
            if force && PrivateFile.existing(partial) == .regularFile { unlink(partial) }
            handle = try PrivateFile.createNew(partial)
        } catch let failure as PrivateFile.Failure {
            throw CommandFailure(failure.description)
        }
        let progress = ProgressLine(label: "exporting to \(output)")
        let counting = format != .fhir
        let head: InfusionClient.DownloadHead
        do {
            head = try await InfusionClient(socketPath: SocketLocator.resolve(explicit: socket)).downloadAuditExport(
                format: format.rawValue, from: from, to: to, person: by, into: handle
            ) { bytes, newlines in
                let records = counting ? "\(max(0, newlines - (format == .csv ? 1 : 0)).formatted()) records, " : ""
                progress.update("\(records)\(String(format: "%.1f", Double(bytes) / 1_048_576)) MiB")
            }
            try handle.synchronize()
            try handle.close()
        } catch {
            progress.finish()
            try? handle.close()
            unlink(partial)
            throw error
        }
        progress.finish()
        guard let noteText = head.header("Infusiond-Audit-Checkpoint").flatMap({ Data(base64Encoded: $0) }),
              let fromSeq = head.header("Infusiond-Audit-From").flatMap({ Int64($0) }),
              let toSeq = head.header("Infusiond-Audit-To").flatMap({ Int64($0) }) else {
            unlink(partial)
            throw CommandFailure("the daemon's answer carried no checkpoint; check that infusionctl and infusiond are the same version.")
        }
        let note = String(decoding: noteText, as: UTF8.self)
        do {
            try PrivateFile.write(noteText, to: checkpointFile, replacing: force)
            if let prefixText = head.header("Infusiond-Audit-Prefix").flatMap({ Data(base64Encoded: $0) }) {
                try PrivateFile.write(prefixText, to: prefixFile, replacing: force)
            } else {
                // A stale prefix from an earlier export would mislead a verifier; only --force lets it get this far.
                PrivateFile.removeRegularFile(prefixFile)
            }
            try PrivateFile.moveIntoPlace(partial, to: output, replacing: force)
        } catch let failure as PrivateFile.Failure {
            throw CommandFailure(failure.description)
        }
        let checkpoint = try Checkpoint(text: note.components(separatedBy: "\n\n").first.map { $0 + "\n" } ?? "")
        let bytes = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int64) ?? nil
        let result = Result(
            file: output, format: format.rawValue, fromSeq: fromSeq, toSeq: toSeq, records: toSeq - fromSeq + 1, bytes: bytes ?? 0,
            checkpointFile: checkpointFile, prefixFile: fromSeq > 1 ? prefixFile : nil, treeSize: Int64(checkpoint.size),
            rootHash: checkpoint.rootHash.base64EncodedString())
        Console.error("exported \(result.records.formatted()) records (seq \(fromSeq)…\(toSeq)) to \(output)")
        var lines = [
            "Exported records \(result.fromSeq)…\(result.toSeq) (\(result.records)) as \(result.format) to \(result.file).",
            "Signed checkpoint: \(result.checkpointFile) (tree size \(result.treeSize), root \(result.rootHash)).",
        ]
        if let prefix = result.prefixFile { lines.append("Records before the range are summarised in \(prefix).") }
        if result.format == "jsonl" {
            lines.append("Verify it offline: infusionctl audit verify --file \(result.file) --pubkey <key from `infusionctl audit pubkey`>")
        }
        Console.out(lines.joined(separator: "\n"))
    }
}
