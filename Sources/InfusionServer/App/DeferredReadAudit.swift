import Foundation
import InfusionCore
import InfusionStore
import Logging
import Synchronization

/// Read-audit records that could not be written because storage failed, kept in memory and written with their
/// original times as soon as a write succeeds again.
///
/// While the disk is full the ward must still see what is running and what is alarming, so reads are served; the
/// record of who read what is not given up but deferred. At most ``capacity`` records are kept; beyond that only
/// their number is, and a `audit.readsDropped` record says how many were lost. A crash while records are deferred
/// loses them (the daemon logs each deferral at error, so the journal keeps a trace).
public final class DeferredReadAudit: Sendable {
    /// One read that is still to be recorded.
    struct Read: Sendable {
        var action: String
        var actor: AuditActor
        var entity: AuditEntity?
        var detail: JSONValue
        var time: Date
    }

    /// How many deferred reads are kept in memory.
    public static let capacity = 10_000

    private let pending = Mutex<(reads: [Read], dropped: Int, flushing: Bool)>(([], 0, false))

    public init() {}

    /// How many reads wait to be recorded.
    public var count: Int { pending.withLock { $0.reads.count + $0.dropped } }

    /// Keeps a read whose audit record could not be written.
    public func keep(action: String, actor: AuditActor, entity: AuditEntity?, detail: JSONValue, time: Date, logger: Logger) {
        pending.withLock { state in
            if state.reads.count < Self.capacity {
                state.reads.append(Read(action: action, actor: actor, entity: entity, detail: detail, time: time))
            } else {
                state.dropped += 1
            }
        }
        logger.error("read served while storage fails; its audit record is deferred until writes succeed", metadata: [
            "infusion.audit.action": "\(action)", "infusion.peer.uid": "\(actor.uid.map(String.init) ?? "-")",
        ])
    }

    /// Writes every deferred read (each marked `deferred` with the original time) and, if some were dropped, an
    /// `audit.readsDropped` record. Stops at the first failure and keeps the rest for the next attempt.
    public func flush(to store: ClinicalStore, now: Date, logger: Logger) async {
        let batch = pending.withLock { state -> (reads: [Read], dropped: Int)? in
            guard !state.flushing, !state.reads.isEmpty || state.dropped > 0 else { return nil }
            state.flushing = true
            defer { (state.reads, state.dropped) = ([], 0) }
            return (state.reads, state.dropped)
        }
        guard let batch else { return }
        var written = 0
        do {
            for read in batch.reads {
                var detail = read.detail
                if case .object(var fields) = detail {
                    fields["deferred"] = .bool(true)
                    detail = .object(fields)
                }
                try await store.recordRead(read.action, actor: read.actor, entity: read.entity, detail: detail, now: read.time)
                written += 1
            }
            if batch.dropped > 0 {
                try await store.recordDaemonEvent("audit.readsDropped", detail: [
                    "count": .number(Double(batch.dropped)),
                    "reason": "more reads were served during a storage fault than could be kept in memory",
                ], now: now)
            }
            logger.notice("deferred read-audit records written", metadata: ["infusion.audit.count": "\(written)"])
            pending.withLock { $0.flushing = false }
        } catch {
            pending.withLock { state in
                state.reads.insert(contentsOf: batch.reads.dropFirst(written), at: 0)
                state.dropped += batch.dropped
                state.flushing = false
            }
        }
    }
}
