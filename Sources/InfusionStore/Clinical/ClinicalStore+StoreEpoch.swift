import Crypto
import Foundation
import GRDB
import InfusionCore

extension ClinicalStore {
    /// The store epoch this start continues, or a new one after a restore, with whether it is new.
    ///
    /// Each `daemon.start` record names its epoch (`detail.storeEpoch`). The newest record among `daemon.start`,
    /// `database.restore` and `audit.forkConfirmed` decides: a start that names an epoch passes it on; a restore or
    /// a confirmed fork since the last start begins a new epoch, derived from that record's hash, so every restore
    /// gives one (and the same one however often the start after it is tried). A trail with no such record (a new
    /// database) or whose last start predates epochs gets one derived from its newest record, or a random one when
    /// it has none. Clients that see the epoch change resend their recent observations by `eventId`.
    public func resolveStoreEpoch() async throws -> (epoch: String, new: Bool) {
        try await writer.read { db in
            // A byte search finds the candidates without parsing every record since the last start (a long run
            // holds millions); each is then decoded, and only its real action counts.
            let candidates = try Row.fetchCursor(db, sql: """
                SELECT hash, record FROM audit_records
                WHERE instr(record, CAST('"daemon.start"' AS BLOB)) > 0 OR instr(record, CAST('"database.restore"' AS BLOB)) > 0
                   OR instr(record, CAST('"audit.forkConfirmed"' AS BLOB)) > 0
                ORDER BY seq DESC
                """)
            while let row = try candidates.next() {
                let bytes: Data = row["record"]
                let record = try WireJSON.decoder().decode(AuditRecord.self, from: bytes)
                guard Self.epochBoundaries.contains(record.action) else { continue }
                if record.action == "daemon.start", case .object(let detail) = record.detail, case .string(let epoch)? = detail["storeEpoch"] {
                    return (epoch, false)
                }
                return (Self.epoch(derivedFrom: row["hash"]), true)
            }
            if let newest = try String.fetchOne(db, sql: "SELECT hash FROM audit_records ORDER BY seq DESC LIMIT 1") {
                return (Self.epoch(derivedFrom: newest), true)
            }
            return (Self.epoch(derivedFrom: UUID().uuidString), true)
        }
    }

    /// The records that end one epoch or carry it on.
    static let epochBoundaries: Set<String> = ["daemon.start", "database.restore", "audit.forkConfirmed"]

    /// 16 hex digits of SHA-256 over a record hash: opaque to clients, stable for the same record.
    static func epoch(derivedFrom seed: String) -> String {
        String(SHA256.hash(data: Data("infusiond store epoch \(seed)".utf8)).lowercaseHex.prefix(16))
    }
}
