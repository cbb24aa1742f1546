import Foundation
import InfusionCore
import InfusionStore
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Read-audit records that could not be written because storage failed, kept until a write succeeds again and then
/// written with their original times.
///
/// While the disk is full the ward must still see what is running and what is alarming, so reads are served; the
/// record of who read what is not given up but deferred. With a database file, each deferred record is first made
/// durable in a spool file beside it whose space was reserved (`posix_fallocate`) at start, while the disk still
/// had room: writing into reserved blocks needs no free space, so a SIGKILL or power cut while the disk is full
/// loses no record, and the next start (or the next successful write) moves them into the audit trail. When the
/// spool is full or could not be reserved, the read is refused with `507 storage.full` rather than served
/// unrecorded. Without a database file (tests' in-memory databases) records are kept in memory only, at most
/// ``capacity`` of them, and beyond that only their number (`audit.readsDropped`).
public final class DeferredReadAudit: Sendable {
    /// One read that is still to be recorded.
    struct Read: Codable, Sendable {
        var action: String
        var actor: AuditActor
        var entity: AuditEntity?
        var detail: JSONValue
        var time: Date
    }

    /// How many deferred reads are kept in memory when there is no spool.
    public static let capacity = 10_000
    /// The spool's name in the database's folder.
    public static let spoolName = "read-audit.spool"
    /// Space reserved for the spool: about 4,000 read records, an hour or more of a busy ward's reads.
    public static let defaultSpoolBytes = 2 * 1024 * 1024

    private struct State {
        var reads: [Read] = []
        /// Where each pending read ends in the spool (parallel to `reads`), when there is a spool.
        var ends: [Int] = []
        var dropped = 0
        var flushing = false
        var spool: Spool?
    }

    private let pending: Mutex<State>
    /// Why there is no spool for a database file (reads are refused while storage fails), or nil.
    public let spoolProblem: String?

    /// Deferred reads kept in memory only.
    public convenience init() {
        self.init(spoolPath: nil)
    }

    /// Deferred reads made durable in a spool at `spoolPath` (nil: memory only). Reads back what an earlier run left
    /// there, so ``flush(to:now:logger:)`` writes it to the trail.
    public init(spoolPath: String?, spoolBytes: Int = DeferredReadAudit.defaultSpoolBytes) {
        var state = State()
        var problem: String?
        if let spoolPath {
            do {
                let (spool, reads) = try Spool.open(path: spoolPath, bytes: spoolBytes)
                state.spool = spool
                state.reads = reads.map(\.read)
                state.ends = reads.map(\.end)
            } catch {
                problem = "\(error)"
            }
        }
        pending = Mutex(state)
        spoolProblem = problem
    }

    /// The spool beside a database file; nil for an in-memory database.
    public static func spoolPath(besides databasePath: String) -> String? {
        guard databasePath != ":memory:", !databasePath.isEmpty else { return nil }
        let folder = (databasePath as NSString).deletingLastPathComponent
        return "\(folder.isEmpty ? "." : folder)/\(spoolName)"
    }

    /// How many reads wait to be recorded.
    public var count: Int { pending.withLock { $0.reads.count + $0.dropped } }

    /// Keeps a read whose audit record could not be written; throws `507 storage.full` when it cannot be kept
    /// durably, so the read is refused instead of served unrecorded.
    public func keep(action: String, actor: AuditActor, entity: AuditEntity?, detail: JSONValue, time: Date, logger: Logger) throws {
        let read = Read(action: action, actor: actor, entity: entity, detail: detail, time: time)
        let memoryOnly = spoolProblem == nil
        try pending.withLock { state throws(Problem) in
            if let spool = state.spool {
                do {
                    let end = try spool.append(read)
                    state.reads.append(read)
                    state.ends.append(end)
                } catch {
                    throw Self.refusal("its record could not be kept in the reserved spool (\(error))")
                }
            } else if !memoryOnly {
                throw Self.refusal("no spool could be reserved at start (\(spoolProblem ?? "unknown"))")
            } else if state.reads.count < Self.capacity {
                state.reads.append(read)
            } else {
                state.dropped += 1
            }
        }
        logger.error("read served while storage fails; its audit record is deferred until writes succeed", metadata: [
            "infusion.audit.action": "\(action)", "infusion.peer.uid": "\(actor.uid.map(String.init) ?? "-")",
        ])
    }

    private static func refusal(_ why: String) -> Problem {
        Problem(status: 507, code: "storage.full", title: "Read refused: its audit record cannot be kept",
                detail: "The database's storage is failing and this read's audit record cannot be kept until it recovers: \(why). Nothing was served; free space on the database's disk and retry.")
    }

    /// Writes every deferred read (each marked `deferred` with the original time) and, if some were dropped, an
    /// `audit.readsDropped` record. Stops at the first failure and keeps the rest for the next attempt. The spool
    /// gives up only the records that were written.
    public func flush(to store: ClinicalStore, now: Date, logger: Logger) async {
        let batch = pending.withLock { state -> (reads: [Read], dropped: Int)? in
            guard !state.flushing, !state.reads.isEmpty || state.dropped > 0 else { return nil }
            state.flushing = true
            return (state.reads, state.dropped)
        }
        guard let batch else { return }
        var written = 0
        var droppedWritten = false
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
                droppedWritten = true
            }
            logger.notice("deferred read-audit records written", metadata: ["infusion.audit.count": "\(written)"])
        } catch {
            logger.warning("deferred read-audit records still cannot be written", metadata: [
                "infusion.audit.written": "\(written)", "infusion.error": "\(error)",
            ])
        }
        pending.withLock { state in
            if written > 0, let spool = state.spool {
                // Reads kept while this flush ran lie after the batch in the spool and stay there.
                try? spool.release(through: state.ends[written - 1])
            }
            state.reads.removeFirst(written)
            if !state.ends.isEmpty { state.ends.removeFirst(written) }
            if droppedWritten { state.dropped -= batch.dropped }
            state.flushing = false
        }
    }
}

/// A preallocated file of read records: a 24-byte header (`IRASPL01`, then the offsets where the pending records
/// start and end, little-endian) and JSON lines. Appending writes a record into reserved space, then the header;
/// each is synced before the read is served.
private final class Spool: Sendable {
    static let magic = Array("IRASPL01".utf8)
    static let headerBytes = 24

    let fd: Int32
    let capacity: Int
    private let bounds: Mutex<(start: Int, end: Int)>

    private init(fd: Int32, capacity: Int, start: Int, end: Int) {
        self.fd = fd
        self.capacity = capacity
        bounds = Mutex((start, end))
    }

    deinit { close(fd) }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Opens (creating and reserving) the spool and reads back the records an earlier run left pending.
    static func open(path: String, bytes: Int) throws -> (Spool, [(read: DeferredReadAudit.Read, end: Int)]) {
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        let reserved = posix_fallocate(fd, 0, off_t(bytes))
        guard reserved == 0 else {
            close(fd)
            throw Failure(description: "cannot reserve \(bytes) bytes for \(path): \(String(cString: strerror(reserved)))")
        }
        var header = [UInt8](repeating: 0, count: headerBytes)
        _ = pread(fd, &header, headerBytes, 0)
        var start = headerBytes
        var end = headerBytes
        if Array(header[0..<8]) == magic {
            start = Int(littleEndian(header, at: 8))
            end = Int(littleEndian(header, at: 16))
            if !(headerBytes <= start && start <= end && end <= bytes) { (start, end) = (headerBytes, headerBytes) }
        }
        let spool = Spool(fd: fd, capacity: bytes, start: start, end: end)
        var records: [(DeferredReadAudit.Read, Int)] = []
        if end > start {
            var data = [UInt8](repeating: 0, count: end - start)
            guard pread(fd, &data, data.count, off_t(start)) == data.count else {
                throw Failure(description: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            var offset = start
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast() {
                offset += line.count + 1
                if let read = try? WireJSON.decoder().decode(DeferredReadAudit.Read.self, from: Data(line)) {
                    records.append((read, offset))
                }
            }
        }
        try spool.writeHeader(start: start, end: end)
        return (spool, records)
    }

    /// Appends a record durably; returns where it ends.
    func append(_ read: DeferredReadAudit.Read) throws -> Int {
        let line = Array(try WireJSON.encode(read)) + [UInt8(ascii: "\n")]
        return try bounds.withLock { bounds in
            guard bounds.end + line.count <= capacity else {
                throw Failure(description: "the spool's \(capacity) bytes are used up")
            }
            try write(line, at: bounds.end)
            try writeHeader(start: bounds.start, end: bounds.end + line.count)
            bounds.end += line.count
            return bounds.end
        }
    }

    /// Gives up the records up to `offset` (they are in the trail now); an empty spool starts again at the top.
    func release(through offset: Int) throws {
        try bounds.withLock { bounds in
            let start = min(offset, bounds.end)
            if start == bounds.end {
                try writeHeader(start: Self.headerBytes, end: Self.headerBytes)
                bounds = (Self.headerBytes, Self.headerBytes)
            } else {
                try writeHeader(start: start, end: bounds.end)
                bounds.start = start
            }
        }
    }

    private func writeHeader(start: Int, end: Int) throws {
        var header = Self.magic
        for value in [UInt64(start), UInt64(end)] {
            for shift in stride(from: 0, to: 64, by: 8) { header.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }
        try write(header, at: 0)
    }

    private func write(_ bytes: [UInt8], at offset: Int) throws {
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        guard written == bytes.count, fdatasync(fd) == 0 else {
            throw Failure(description: String(cString: strerror(errno)))
        }
    }

    private static func littleEndian(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << UInt64($1 * 8) }
    }
}
