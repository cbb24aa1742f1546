import Foundation
import InfusionCore
import InfusionStore
import Testing

/// The audit witness (issue 15 item 10): a trail shorter than the newest signed checkpoint, or with another root
/// at its size, is a fork; one that reaches or passes it with the same root is not.
@Suite("Audit witness: behind, diverged, consistent")
struct AuditWitnessTests {
    static let signer = try! NoteSigner(generatingWithName: "ward7.example/infusiond/audit")

    /// A store whose trail holds `records` daemon records.
    static func store(records: Int, tag: String = "a") async throws -> ClinicalStore {
        let store = try StoreFixtures.store()
        for index in 0..<records {
            try await store.recordDaemonEvent("daemon.heartbeat", detail: ["n": .number(Double(index)), "tag": .string(tag)], now: StoreFixtures.start)
        }
        return store
    }

    @Test("a trail of n records against a witness of 10 records", arguments: [
        (records: 0, finding: "behind"), (records: 9, finding: "behind"), (records: 10, finding: "consistent"), (records: 11, finding: "consistent"),
    ])
    func againstWitness(records: Int, finding: String) async throws {
        let signed = try await Self.store(records: 10)
        let note = try await signed.makeCheckpoint(signer: Self.signer, reason: "periodic", now: StoreFixtures.start)!.note
        // The same records again (same bytes, same time), then more.
        let candidate = try await Self.store(records: records)
        #expect(try await candidate.auditWitnessFinding(note: note, verifier: Self.signer.verifier).name == finding)
    }

    @Test("another trail of the same or greater length is diverged; a witness by another key is unreadable; none is none")
    func divergedAndUnreadable() async throws {
        let signed = try await Self.store(records: 10)
        let note = try await signed.makeCheckpoint(signer: Self.signer, reason: "periodic", now: StoreFixtures.start)!.note
        for size in [10, 12] {
            let other = try await Self.store(records: size, tag: "b")
            let finding = try await other.auditWitnessFinding(note: note, verifier: Self.signer.verifier)
            #expect(finding.name == "diverged")
            #expect(finding.isFork)
        }
        let impostor = try NoteSigner(generatingWithName: Self.signer.name)
        #expect(try await signed.auditWitnessFinding(note: note, verifier: impostor.verifier).name == "unreadableWitness")
        #expect(try await signed.auditWitnessFinding(note: nil, verifier: Self.signer.verifier) == .none)
    }

    @Test("the witness file is replaced whole and read back")
    func writeAndRead() throws {
        let folder = try StoreFixtures.temporaryFolder()
        let path = "\(folder)/audit-witness.checkpoint"
        #expect(try AuditWitness.read(path: path) == nil)
        try AuditWitness.write(note: "one\n", path: path)
        try AuditWitness.write(note: "two\n", path: path)
        #expect(try AuditWitness.read(path: path) == "two\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["audit-witness.checkpoint"])
    }
}
