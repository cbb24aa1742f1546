import Foundation
import InfusionCore

/// Checks audit records streamed in order, in constant memory: each record's hash chain link, seq continuity,
/// and the RFC 6962 root at every trusted checkpoint size; names the first bad record and the kind of damage.
///
/// Used for the live database, a database file and an exported JSON-lines file alike. When the chain breaks it
/// looks one record further before naming the culprit, so an edited record is told apart from its successor and
/// a reordering from a gap.
public struct AuditTrailVerifier: Sendable {
    /// A trusted root the records must reproduce at a size.
    struct Expectation: Sendable {
        var size: UInt64
        var root: Data
        var label: String
    }

    /// A break whose culprit the next record decides.
    private enum Pending: Sendable {
        case seqJump(expected: Int64, got: Int64)
        case chainBreak(seq: Int64, hash: String)
    }

    /// The chain fields every record carries; the rest of the record is covered by its hash.
    private struct ChainFields: Decodable {
        var seq: Int64
        var prevHash: String
        var action: String?
    }

    /// What a record that names a fork says about it.
    private struct ForkFields: Decodable {
        var seq: Int64
        var action: String
        var time: String
        var detail: JSONValue?
    }

    private var expectedSeq: Int64
    private var previousHash: String?
    private var tree: CompactRange
    private var checked: Int64 = 0
    private var expectations: [Expectation] = []
    private var nextExpectation = 0
    private var checkpointsChecked = 0
    private var lastMatchedSize: UInt64
    private var pending: Pending?
    private var failure: AuditVerification?
    private var proofRanges: [(range: Range<UInt64>, hashes: CompactRange)] = []
    private var forks: [AuditFork] = []
    /// Whether the records since the last `database.restore` are only refused starts (`audit.forkDetected`).
    private var restoreAwaitingConfirmation = false
    private var consistencyTarget: (size1: UInt64, size2: UInt64)?
    private let decoder = JSONDecoder()

    /// Starts at seq 1 with the genesis prevHash, or at a later seq from a trusted compact range of the
    /// records before it (a partial export); then the first record's prevHash is taken as given, since the
    /// checkpoint's root still covers it.
    public init(firstSeq: Int64 = 1, prefix: CompactRange = CompactRange()) {
        expectedSeq = firstSeq
        previousHash = firstSeq == 1 ? AuditRecord.genesisHash : nil
        tree = prefix
        lastMatchedSize = prefix.size
    }

    /// Adds a trusted root (from a checkpoint whose signature was checked) that the records must reproduce.
    public mutating func expect(size: UInt64, root: Data, label: String) {
        expectations.append(Expectation(size: size, root: root, label: label))
        expectations.sort { $0.size < $1.size }
    }

    /// Also gathers, while streaming, the RFC 6962 consistency proof from `size1` to `size2` records.
    public mutating func collectConsistencyProof(size1: UInt64, size2: UInt64) {
        guard size1 > 0, size1 <= size2, tree.size == 0 else { return }
        consistencyTarget = (size1, size2)
        proofRanges = MerkleProofPlan.consistency(size1: size1, size2: size2).map { ($0, CompactRange()) }
    }

    /// The consistency proof gathered, once every record it needs has been added; nil before.
    public var consistencyProof: [Data]? {
        guard let target = consistencyTarget, tree.size >= target.size2 else { return nil }
        return proofRanges.map(\.hashes.root)
    }

    /// The number of records added and accepted so far.
    public var recordsChecked: Int64 { checked }

    /// Checks the next record. `rowSeq`, `storedHash` and `storedLeaf` are what a database stored beside the
    /// bytes, when there is one. Returns false once verification has failed (later records are not looked at).
    @discardableResult
    public mutating func add(_ bytes: Data, rowSeq: Int64? = nil, storedHash: String? = nil, storedLeaf: Data? = nil) -> Bool {
        guard failure == nil else { return false }
        let hash = AuditLog.hexSHA256(bytes)
        let fields = try? decoder.decode(ChainFields.self, from: bytes)
        if let pending {
            resolve(pending, next: fields, nextHash: hash)
            return false
        }
        let position = rowSeq ?? expectedSeq
        if let storedHash, storedHash != hash {
            return fail(.edited, position, "record \(position) was edited: its bytes hash to \(hash) but \(storedHash) was stored with it")
        }
        guard let fields else {
            return fail(.edited, position, "record \(position) is not a valid audit record (it does not parse as JSON with seq and prevHash): edited or damaged")
        }
        if let rowSeq, rowSeq != fields.seq {
            return fail(.reordered, rowSeq, "the row for seq \(rowSeq) holds record \(fields.seq): records were moved or swapped")
        }
        if fields.seq > expectedSeq {
            pending = .seqJump(expected: expectedSeq, got: fields.seq)
            return true
        }
        if fields.seq < expectedSeq {
            return fail(.reordered, fields.seq, "record \(fields.seq) appears after record \(expectedSeq - 1): records were reordered or repeated")
        }
        if let storedLeaf, storedLeaf != RFC6962.leafHash(bytes) {
            return fail(.edited, fields.seq, "record \(fields.seq) was edited: its bytes differ from the Merkle leaf stored when it was written")
        }
        if let previousHash, fields.prevHash != previousHash {
            pending = .chainBreak(seq: fields.seq, hash: hash)
            return true
        }
        let leaf = RFC6962.leafHash(bytes)
        let index = tree.size
        tree.append(leafHash: leaf)
        for position in proofRanges.indices where proofRanges[position].range.contains(index) {
            proofRanges[position].hashes.append(leafHash: leaf)
        }
        checked += 1
        expectedSeq += 1
        previousHash = hash
        if let action = fields.action, Self.forkActions.contains(action), let record = try? decoder.decode(ForkFields.self, from: bytes) {
            if action == "audit.forkConfirmed", restoreAwaitingConfirmation, let last = forks.indices.last {
                // The start that confirmed a restore: the same fork, not a second one.
                forks[last].description += " Confirmed at record \(record.seq) (audit.forkConfirmed, \(record.time))."
            } else {
                forks.append(Self.fork(record))
            }
            restoreAwaitingConfirmation = action == "database.restore"
        } else if fields.action != "audit.forkDetected" {
            restoreAwaitingConfirmation = false
        }
        return checkExpectations()
    }

    /// Ends the stream and returns the verdict: a failure found on the way, a break at the very end, records
    /// missing from the end against a checkpoint, or success with the root of everything checked.
    public mutating func finish() -> AuditVerification {
        if let pending {
            self.pending = nil
            switch pending {
            case .seqJump(let expected, let got):
                _ = fail(.missing, expected, "records \(range(expected, got - 1)) are missing before record \(got)")
            case .chainBreak(let seq, _):
                _ = fail(.edited, seq - 1, "record \(seq) does not chain to record \(seq - 1) (its prevHash differs from that record's hash): record \(seq - 1) or \(seq) was edited")
            }
        }
        if let failure { return failure }
        if nextExpectation < expectations.count {
            let expectation = expectations[expectations.count - 1]
            let last = expectedSeq - 1
            _ = fail(.truncated, last + 1, "the trail ends at record \(last) but \(expectation.label) covers \(expectation.size) records: records \(range(last + 1, Int64(expectation.size))) were removed from the end (truncated)",
                     checkpointSize: expectation.size)
            return failure!
        }
        var verdict = AuditVerification(ok: true, recordsChecked: checked, lastSeq: expectedSeq - 1, lastHash: previousHash ?? "",
                                        checkpointsChecked: checkpointsChecked, rootHash: tree.root.base64EncodedString())
        verdict.forks = forks.isEmpty ? nil : forks
        return verdict
    }

    /// The actions whose records say the trail forks here (written by `infusiond restore` and by a start
    /// confirmed with `--confirm-restore`).
    static let forkActions: Set<String> = ["database.restore", "audit.forkConfirmed"]

    /// A fork record in words: where the trail forks and what of the other trail it leaves out.
    private static func fork(_ record: ForkFields) -> AuditFork {
        var fields: [String: JSONValue] = [:]
        if case .object(let detail)? = record.detail { fields = detail }
        func number(_ value: JSONValue?, _ key: String) -> Int64? {
            if case .object(let object)? = value, case .number(let number)? = object[key] { return Int64(number) }
            return nil
        }
        func text(_ value: JSONValue?) -> String? {
            if case .string(let string)? = value { return string }
            return nil
        }
        let previous = record.seq - 1
        switch record.action {
        case "database.restore":
            let replaced = number(fields["replacedHead"], "seq")
            let hash: String? = {
                if case .object(let head)? = fields["replacedHead"], case .string(let hash)? = head["hash"] { return hash }
                return nil
            }()
            var sentence: String
            if text(fields["source"]) == "replica" {
                // infusiond restore --from-replica: the file restored was a temporary one; the replica is what counts.
                sentence = "record \(record.seq) (database.restore, \(record.time)): the database was restored from its continuous replica (\(text(fields["replicator"]) ?? "?"), \(text(fields["litestreamConfig"]) ?? "?")\(text(fields["at"]).map { " as of \($0)" } ?? ""))"
            } else {
                sentence = "record \(record.seq) (database.restore, \(record.time)): the database was replaced by the backup \(text(fields["backup"]) ?? "?")"
                if let sha = text(fields["backupSHA256"]) { sentence += " (sha256 \(sha))" }
            }
            sentence += ", whose trail ends at record \(previous)"
            if let replaced, replaced > previous {
                sentence += "; the replaced trail went on to record \(replaced)\(hash.map { " (hash \($0))" } ?? ""), so records \(previous + 1)…\(replaced) of it are not in this trail, their seqs are used again here, and checkpoints signed for that trail past record \(previous) do not fit this one"
            } else if replaced == nil {
                sentence += "; the replaced trail's end is unknown (the replaced database was absent or could not be read)"
            }
            if let witness = number(fields["witness"], "treeSize"), witness > previous {
                sentence += "; the key had signed a checkpoint of \(witness) records before the restore"
            }
            return AuditFork(seq: record.seq, action: record.action, time: record.time, replacedHeadSeq: replaced, description: sentence + ".")
        default:
            let witness = number(fields["witness"], "treeSize")
            let finding = text(fields["finding"]) ?? "differs from"
            var sentence = "record \(record.seq) (audit.forkConfirmed, \(record.time)): an operator confirmed a start on a database whose trail is \(finding) against the audit witness"
            if let witness { sentence += " (a signed checkpoint of \(witness) records)" }
            sentence += "; checkpoints signed for the other trail past record \(previous) do not fit this one."
            return AuditFork(seq: record.seq, action: record.action, time: record.time, replacedHeadSeq: witness, description: sentence)
        }
    }

    /// The RFC 6962 root of the records accepted so far.
    public var root: Data { tree.root }

    private mutating func checkExpectations() -> Bool {
        while nextExpectation < expectations.count, expectations[nextExpectation].size <= tree.size {
            let expectation = expectations[nextExpectation]
            nextExpectation += 1
            guard expectation.size == tree.size else { continue }
            guard tree.root == expectation.root else {
                let first = Int64(lastMatchedSize) + 1
                let last = Int64(expectation.size)
                let problem = first == last
                    ? "record \(last) was edited: the records do not reproduce the root that \(expectation.label) signed"
                    : "the records up to \(last) do not reproduce the root that \(expectation.label) signed: record \(last) was edited, or a record in \(range(first, last - 1)) was edited and every record after it re-chained"
                return fail(.edited, first, problem, checkpointSize: expectation.size)
            }
            checkpointsChecked += 1
            lastMatchedSize = expectation.size
        }
        return true
    }

    private mutating func resolve(_ pending: Pending, next: ChainFields?, nextHash: String) {
        self.pending = nil
        switch pending {
        case .seqJump(let expected, let got):
            if next?.seq == expected {
                _ = fail(.reordered, expected, "record \(got) comes before record \(expected): records were reordered")
            } else {
                _ = fail(.missing, expected, "records \(range(expected, got - 1)) are missing before record \(got)")
            }
        case .chainBreak(let seq, let hash):
            if next?.prevHash == hash {
                _ = fail(.edited, seq - 1, "record \(seq - 1) was edited: record \(seq) names a different hash for it")
            } else {
                _ = fail(.edited, seq, "record \(seq) was edited: it does not chain to record \(seq - 1) and record \(seq + 1) does not chain to it")
            }
        }
    }

    /// Records the failure. `checkpointSize` is the size of the signed checkpoint the trail failed to
    /// reproduce, if that was the failure: past a fork the trail records, such a checkpoint belongs to the other
    /// trail, and the failure is named a fork.
    private mutating func fail(_ kind: AuditFailureKind, _ seq: Int64, _ problem: String, checkpointSize: UInt64? = nil) -> Bool {
        var verdict = AuditVerification(ok: false, recordsChecked: checked, lastSeq: expectedSeq - 1, lastHash: previousHash ?? "",
                                        firstBadSeq: seq, problem: problem, failure: kind, checkpointsChecked: checkpointsChecked)
        verdict.forks = forks.isEmpty ? nil : forks
        // A checkpoint of the replaced trail covers the fork point and at most that trail's last record.
        if let checkpointSize, let fork = forks.last(where: {
            UInt64($0.seq) <= checkpointSize && $0.replacedHeadSeq.map { checkpointSize <= UInt64($0) } ?? true
        }) {
            verdict.failure = .forked
            verdict.firstBadSeq = fork.seq
            verdict.problem = "the checkpoint of \(checkpointSize) records belongs to another trail: this one forks at \(fork.description) (\(problem))"
        }
        failure = verdict
        return false
    }

    private func range(_ first: Int64, _ last: Int64) -> String {
        first == last ? "\(first)" : "\(first)…\(last)"
    }
}
