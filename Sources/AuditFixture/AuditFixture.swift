import ArgumentParser
import Foundation
import GRDB
import InfusionCore
import InfusionStore

/// `infusion-audit-fixture`: fills a fresh state directory with a large audit trail for benchmarks, written through
/// the real `AuditLog.append` path (chain, Merkle tree and all), then signs a checkpoint with the state directory's
/// key, exactly as the daemon would. A test-support tool: not installed, not run by CI.
@main
struct AuditFixture: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infusion-audit-fixture",
        abstract: "Create a state directory holding N audit records, for export and verification benchmarks.",
        discussion: """
            Records cycle through realistic shapes (observations with vitals, rule decisions, alert changes, \
            session reads and heartbeats) for a few hundred sessions, 10,000 per transaction. Then start \
            infusiond with stateDirectory set to the folder. docs/BENCHMARKS.md shows the whole procedure.

            Example:
              infusion-audit-fixture --state /tmp/bench/state --records 1000000
            """
    )

    @Option(help: ArgumentHelp("The state directory to create (must not hold a database).", valueName: "folder"))
    var state: String

    @Option(help: "How many audit records to write.")
    var records: Int = 1_000_000

    func run() throws {
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        let path = "\(state)/infusion.sqlite"
        guard !FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("\(path) exists; give a fresh folder.")
        }
        let database = try ClinicalDatabase(path: path)
        let (signer, _) = try AuditSigningKey.loadOrCreate(path: "\(state)/\(AuditSigningKey.fileName)", name: AuditSigningKey.defaultName())
        let sessions = (0..<300).map { _ in UUID().uuidString }
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let clock = ContinuousClock()
        let began = clock.now
        var written = 0
        while written < records {
            let batch = min(10_000, records - written)
            let first = written
            try database.writer.write { db in
                for offset in 0..<batch {
                    let n = first + offset
                    let session = sessions[n % sessions.count]
                    let (action, detail) = Self.shape(n)
                    try AuditLog.append(
                        db, action: action, actor: AuditActor(person: "nurse-\(100 + n % 40)", role: "station", uid: 1001, gid: 1001, pid: Int32(4000 + n % 97)),
                        entity: AuditEntity(type: "session", id: session, patientId: "MRN-\(100_000 + n % 300)"), detail: detail,
                        at: start.addingTimeInterval(Double(n) * 0.25))
                }
            }
            written += batch
            FileHandle.standardError.write(Data("\rwrote \(written) of \(records) records".utf8))
        }
        let checkpoint = try database.writer.write { db in
            try AuditCheckpointLog.make(db, signer: signer, reason: "request", at: start.addingTimeInterval(Double(records) * 0.25))
        }
        let seconds = Double((clock.now - began).components.seconds)
        FileHandle.standardError.write(Data("\n".utf8))
        print("wrote \(records) records to \(path) in \(Int(seconds)) s; checkpoint of \(checkpoint.treeSize) records, root \(checkpoint.rootHash)")
        print("verifier key: \(signer.verifier.verifierKey)")
    }

    /// A record's action and detail, cycling through the shapes a ward produces.
    static func shape(_ n: Int) -> (String, JSONValue) {
        switch n % 5 {
        case 0, 1:
            return ("observation.accept", [
                "eventId": .string(UUID().uuidString), "observedAt": "2026-11-18T10:00:00.000Z",
                "vitals": ["heartRateBpm": .number(Double(60 + n % 40)), "systolicMmHg": 124, "diastolicMmHg": 78, "spo2Percent": 97,
                           "respiratoryRatePerMin": 14, "qrsMs": 92, "prMs": 160, "rhythm": "sinus"],
                "symptoms": .array(n % 7 == 0 ? ["tinnitus"] : []),
            ])
        case 2:
            return ("decision.record", [
                "ruleId": "L10", "action": "pause", "priority": "medium",
                "reason": "Early signs of local anaesthetic toxicity: pause the infusion and call the clinician.",
                "ruleSetHash": .string(String(repeating: "ab", count: 32)),
            ])
        case 3:
            return ("session.read", ["route": "GET /v1/sessions/x"])
        default:
            return ("daemon.heartbeat", ["uptimeSeconds": .number(Double(n)), "intervalSeconds": 300])
        }
    }
}
