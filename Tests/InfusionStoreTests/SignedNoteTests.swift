import Foundation
import InfusionStore
import Testing

/// C2SP signed notes and tlog checkpoints, against the reference vector of golang.org/x/mod/sumdb/note.
@Suite("Signed notes and checkpoints (C2SP)")
struct SignedNoteTests {
    static let verifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let privateKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    static let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let note = text + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

    @Test("the reference key signs the reference note byte for byte (Ed25519 is deterministic) and it verifies")
    func referenceVector() throws {
        let signer = try NoteSigner(privateKey: Self.privateKey)
        #expect(signer.verifier.verifierKey == Self.verifierKey)
        #expect(signer.privateKeyString == Self.privateKey)
        #expect(try signer.sign(Self.text) == Self.note)
        let verifier = try NoteVerifier(verifierKey: Self.verifierKey)
        #expect(try verifier.open(Self.note) == Self.text)
    }

    @Test("a checkpoint of tree.json's first three leaves signs to the bytes Python's cryptography package produced")
    func checkpointVector() throws {
        let signer = try NoteSigner(privateKey: Self.privateKey)
        var tree = CompactRange()
        for leaf in [Data(), Data([0x00]), Data([0x10])] { tree.append(leaf: leaf) }
        let checkpoint = Checkpoint(origin: "PeterNeumann", size: 3, rootHash: tree.root)
        // docs/AUDIT.md §4 shows this note; the signature was made independently (Python, cryptography 48.0.0).
        let expected = "PeterNeumann\n3\nrra8/idLcKFPsGel5VeCZNsPqbUa9eC6FZFY8yngbnc=\n\n— PeterNeumann x08go5qwS8thI5Q0mc87loAkz5RuAu6CxAfauFfkTjbI+tS+r604CtjhfIELPsXWVt3XFLc1f2AfFNxVMSHgP+ERWQA=\n"
        #expect(try signer.sign(checkpoint.text) == expected)
        #expect(try Checkpoint(signedNote: expected, verifier: NoteVerifier(verifierKey: Self.verifierKey)) == checkpoint)
    }

    @Test("an altered text, a signature from another key and a missing signature are each refused")
    func refusals() throws {
        let verifier = try NoteVerifier(verifierKey: Self.verifierKey)
        let altered = Self.note.replacingOccurrences(of: "answer", with: "Answer")
        #expect(throws: SignedNoteError.badSignature(keyName: "PeterNeumann")) { try verifier.open(altered) }

        let impostor = try NoteSigner(generatingWithName: "PeterNeumann")
        let forged = try impostor.sign(Self.text)
        #expect {
            try verifier.open(forged)
        } throws: { error in
            guard case .unknownKey? = error as? SignedNoteError else { return false }
            return true
        }
        #expect(throws: SignedNoteError.self) { try verifier.open(Self.text) }
        #expect(throws: SignedNoteError.self) { try verifier.open(Self.note.replacingOccurrences(of: "— ", with: "- ")) }
        #expect(throws: SignedNoteError.self) { try verifier.open(Self.note + "\u{07}") }
    }

    @Test("a note signed by two keys opens with either", arguments: [0, 1])
    func cosigned(which: Int) throws {
        let first = try NoteSigner(generatingWithName: "a.example/log")
        let second = try NoteSigner(generatingWithName: "b.example/witness")
        let note = try first.sign("hello\n")
        let secondLine = try second.sign("hello\n").components(separatedBy: "\n\n")[1]
        let both = note + secondLine
        #expect(try [first, second][which].verifier.open(both) == "hello\n")
    }

    @Test("malformed verifier and private keys are refused", arguments: [
        "", "PeterNeumann+c74f20a3", "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "PeterNeumann+c74f20a3+AgAA",
        "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ])
    func badVerifierKeys(key: String) {
        #expect(throws: SignedNoteError.self) { try NoteVerifier(verifierKey: key) }
    }

    @Test("private keys with a wrong id or prefix are refused", arguments: [
        "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PUBLIC+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AgEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
    ])
    func badPrivateKeys(key: String) {
        #expect(throws: SignedNoteError.self) { try NoteSigner(privateKey: key) }
    }

    @Test("a checkpoint round-trips through its signed note, and its origin must be the key's name")
    func checkpointRoundTrip() throws {
        let signer = try NoteSigner(generatingWithName: "ward7.example/infusiond/audit")
        let checkpoint = Checkpoint(origin: signer.name, size: 1234, rootHash: Data(repeating: 7, count: 32))
        let note = try signer.sign(checkpoint.text)
        #expect(note.hasPrefix("ward7.example/infusiond/audit\n1234\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n— ward7.example/infusiond/audit "))
        #expect(try Checkpoint(signedNote: note, verifier: signer.verifier) == checkpoint)

        let other = try NoteSigner(generatingWithName: "elsewhere/log")
        let wrongOrigin = try other.sign(checkpoint.text)
        #expect(throws: SignedNoteError.wrongOrigin(checkpoint: signer.name, key: "elsewhere/log")) {
            try Checkpoint(signedNote: wrongOrigin, verifier: other.verifier)
        }
    }

    @Test("checkpoint bodies that are not origin, size and 32-byte base64 root are refused", arguments: [
        "origin\n12\n", "\n12\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n", "origin\n012\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n",
        "origin\n-1\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n", "origin\n12\nBwcH\n",
        "origin\n12\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
    ])
    func badCheckpoints(text: String) {
        #expect(throws: SignedNoteError.self) { try Checkpoint(text: text) }
    }

    @Test("extension lines after the root are allowed")
    func extensionLines() throws {
        let checkpoint = try Checkpoint(text: "origin\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\nextra line\n")
        #expect(checkpoint.size == 0 && checkpoint.rootHash == RFC6962.emptyRoot)
    }

    @Test("the key file is created once with mode 0600, reloaded as the same key, and refused when others can read it")
    func keyFile() throws {
        let folder = try StoreFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = "\(folder)/\(AuditSigningKey.fileName)"
        let (created, isNew) = try AuditSigningKey.loadOrCreate(path: path, name: "test.example/audit")
        #expect(isNew)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let (loaded, isNewAgain) = try AuditSigningKey.loadOrCreate(path: path, name: "ignored/name")
        #expect(!isNewAgain)
        #expect(loaded.verifier == created.verifier)

        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
        #expect(throws: AuditSigningKey.KeyFileError.self) { try AuditSigningKey.load(path: path) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        try "PRIVATE+KEY+broken".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: AuditSigningKey.KeyFileError.self) { try AuditSigningKey.load(path: path) }
        #expect(AuditSigningKey.defaultName().hasSuffix("/infusiond/audit"))
    }
}
