import Foundation
import InfusionCore

/// Verifies an exported JSON-lines file fully offline, with no daemon: the hash chain, seq continuity, the
/// checkpoint's signature and its Merkle root, and optionally that the trail extends an earlier checkpoint
/// (RFC 6962 consistency proof, gathered while streaming). Constant memory, whatever the file's size.
public enum AuditFileVerifier {
    /// Checks `file` against the signed `checkpoint` note with the trusted key.
    ///
    /// - Parameters:
    ///   - previous: an earlier signed checkpoint the auditor kept; the trail must extend it.
    ///   - prefix: for a partial export (starting after seq 1), the compact range of the records before it.
    ///   - progress: called every 10,000 records with the count so far and the bytes read.
    public static func verify(
        file path: String, checkpoint note: String, trustedKey: NoteVerifier, previous: String? = nil,
        prefix: CompactRange? = nil, progress: ((Int64, UInt64) -> Void)? = nil
    ) throws -> AuditVerification {
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint(signedNote: note, verifier: trustedKey)
        } catch {
            return signatureFailure(error, what: "the checkpoint")
        }
        var earlier: Checkpoint?
        if let previous {
            do {
                earlier = try Checkpoint(signedNote: previous, verifier: trustedKey)
            } catch {
                return signatureFailure(error, what: "the earlier checkpoint (--previous)")
            }
        }
        if let earlier, earlier.size > checkpoint.size {
            return AuditVerification(
                ok: false, recordsChecked: 0, lastSeq: 0, lastHash: "", firstBadSeq: Int64(checkpoint.size) + 1,
                problem: "the earlier checkpoint covers \(earlier.size) records but this one only \(checkpoint.size): records \(checkpoint.size + 1)…\(earlier.size) were removed from the end (truncated)",
                failure: .truncated)
        }
        let start = prefix ?? CompactRange()
        if let earlier, earlier.size <= start.size {
            throw VerificationInputError(description: "this export starts at record \(start.size + 1), after the \(earlier.size) records the earlier checkpoint covers, so it cannot show the trail extends that checkpoint; export from seq 1 (--from 1) to check --previous")
        }

        var verifier = AuditTrailVerifier(firstSeq: Int64(start.size) + 1, prefix: start)
        verifier.expect(size: checkpoint.size, root: checkpoint.rootHash, label: "the checkpoint")
        if let earlier {
            verifier.expect(size: earlier.size, root: earlier.rootHash, label: "the earlier checkpoint")
            verifier.collectConsistencyProof(size1: earlier.size, size2: checkpoint.size)
        }
        var reader = try LineReader(path: path)
        var lines: Int64 = 0
        while let line = try reader.next() {
            lines += 1
            guard verifier.add(line) else { break }
            if let progress, lines % 10_000 == 0 { progress(lines, reader.bytesRead) }
        }
        var result = verifier.finish()
        guard result.ok else { return result }
        if result.lastSeq > Int64(checkpoint.size) {
            result.ok = false
            result.firstBadSeq = Int64(checkpoint.size) + 1
            result.failure = .unverified
            result.problem = "records \(checkpoint.size + 1)…\(result.lastSeq) are not covered by the checkpoint, so nothing vouches for them: they were added after it was signed, or this is not the export's own checkpoint file"
            return result
        }
        // From a whole export the proof is gathered while streaming; from a partial one the direct comparison of
        // the earlier root above is the check.
        if let earlier, earlier.size < checkpoint.size, let proof = verifier.consistencyProof {
            do {
                try MerkleVerifier.verifyConsistency(size1: earlier.size, size2: checkpoint.size, proof: proof,
                                                     root1: earlier.rootHash, root2: checkpoint.rootHash)
            } catch {
                result.ok = false
                result.failure = .edited
                result.problem = "the trail does not extend the earlier checkpoint: its consistency proof fails (\(error))"
                return result
            }
        }
        return result
    }

    private static func signatureFailure(_ error: any Error, what: String) -> AuditVerification {
        let kind: AuditFailureKind = switch error as? SignedNoteError {
        case .unknownKey?, .badSignature?, .wrongOrigin?: .badSignature
        default: .malformed
        }
        return AuditVerification(ok: false, recordsChecked: 0, lastSeq: 0, lastHash: "", problem: "\(what) does not verify: \(error)", failure: kind)
    }
}
