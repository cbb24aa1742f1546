import Foundation
import GRDB
import InfusionStore
import Testing

/// Known-answer tests against the RFC 6962 vectors of transparency-dev/merkle (Tests/Fixtures/rfc6962, copied
/// from ../shared/testdata/rfc6962): every root in tree.json, and every inclusion and consistency vector, where
/// each tampered one must be rejected and each happy path accepted.
@Suite("Merkle tree: RFC 6962 known answers")
struct MerkleVectorTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "Fixtures/rfc6962")

    struct Tree: Decodable {
        var leafInputs: [String]
        var rootHashes: [String]
    }

    struct InclusionVector: Decodable {
        var leafIdx: UInt64
        var treeSize: UInt64
        var root: String
        var leafHash: String
        var proof: [String]?
        var desc: String
        var wantErr: Bool
    }

    struct ConsistencyVector: Decodable {
        var size1: UInt64
        var size2: UInt64
        var root1: String
        var root2: String
        var proof: [String]?
        var desc: String
        var wantErr: Bool
    }

    static func files(_ kind: String) -> [String] {
        let base = folder.appending(path: kind)
        let enumerator = FileManager.default.enumerator(atPath: base.path)
        var paths: [String] = []
        while let item = enumerator?.nextObject() as? String {
            if item.hasSuffix(".json") { paths.append("\(kind)/\(item)") }
        }
        return paths.sorted()
    }

    static func load<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: folder.appending(path: path)))
    }

    static func hex(_ text: String) -> Data {
        var bytes = Data()
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    static func base64(_ text: String) -> Data { Data(base64Encoded: text) ?? Data() }

    static let inclusionFiles = files("inclusion")
    static let consistencyFiles = files("consistency")

    @Test("every vector file is here: 12 happy paths and 184 tampered cases")
    func vectorCount() throws {
        #expect(Self.inclusionFiles.count + Self.consistencyFiles.count == 196)
        let wants = try Self.inclusionFiles.map { try Self.load(InclusionVector.self, $0).wantErr }
            + Self.consistencyFiles.map { try Self.load(ConsistencyVector.self, $0).wantErr }
        #expect(wants.filter { !$0 }.count == 12)
    }

    @Test("the copied vectors are byte-identical to ../shared/testdata/rfc6962 when that folder is present")
    func copyMatchesShared() throws {
        let shared = Self.folder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appending(path: "shared/testdata/rfc6962")
        guard FileManager.default.fileExists(atPath: shared.path) else { return }
        for path in ["tree.json"] + Self.inclusionFiles + Self.consistencyFiles {
            #expect(try Data(contentsOf: shared.appending(path: path)) == Data(contentsOf: Self.folder.appending(path: path)), "\(path) differs")
        }
    }

    @Test("tree.json: the root of every prefix of the leaves, from a compact range and from the database tree")
    func treeRoots() async throws {
        let tree = try Self.load(Tree.self, "tree.json")
        #expect(tree.rootHashes.count == tree.leafInputs.count + 1)
        var range = CompactRange()
        #expect(range.root == Self.hex(tree.rootHashes[0]))
        #expect(RFC6962.emptyRoot == Self.hex(tree.rootHashes[0]))
        for (index, leaf) in tree.leafInputs.enumerated() {
            range.append(leaf: Self.hex(leaf))
            #expect(range.root == Self.hex(tree.rootHashes[index + 1]), "root of the first \(index + 1) leaves")
        }

        let database = try ClinicalDatabase()
        try await database.writer.write { db in
            for (index, leaf) in tree.leafInputs.enumerated() {
                try AuditTree.append(db, index: UInt64(index), leafHash: RFC6962.leafHash(Self.hex(leaf)))
            }
            for size in 0...tree.leafInputs.count {
                #expect(try AuditTree.root(db, size: UInt64(size)) == Self.hex(tree.rootHashes[size]), "stored root of \(size) leaves")
            }
        }
    }

    @Test("inclusion vectors: happy paths verify, every tampered one is rejected", arguments: inclusionFiles)
    func inclusion(path: String) throws {
        let vector = try Self.load(InclusionVector.self, path)
        let proof = (vector.proof ?? []).map(Self.base64)
        let outcome = Result {
            try MerkleVerifier.verifyInclusion(index: vector.leafIdx, size: vector.treeSize,
                                               leafHash: Self.base64(vector.leafHash), proof: proof, root: Self.base64(vector.root))
        }
        switch (outcome, vector.wantErr) {
        case (.success, true): Issue.record("\(path) (\(vector.desc)) was accepted but is tampered")
        case (.failure(let error), false): Issue.record("\(path) (\(vector.desc)) was rejected: \(error)")
        default: break
        }
    }

    @Test("consistency vectors: happy paths verify, every tampered one is rejected", arguments: consistencyFiles)
    func consistency(path: String) throws {
        let vector = try Self.load(ConsistencyVector.self, path)
        let proof = (vector.proof ?? []).map(Self.base64)
        let outcome = Result {
            try MerkleVerifier.verifyConsistency(size1: vector.size1, size2: vector.size2, proof: proof,
                                                 root1: Self.base64(vector.root1), root2: Self.base64(vector.root2))
        }
        switch (outcome, vector.wantErr) {
        case (.success, true): Issue.record("\(path) (\(vector.desc)) was accepted but is tampered")
        case (.failure(let error), false): Issue.record("\(path) (\(vector.desc)) was rejected: \(error)")
        default: break
        }
    }

    @Test("the database generates the happy-path proofs byte for byte, and they verify")
    func generatedProofsMatchVectors() async throws {
        let tree = try Self.load(Tree.self, "tree.json")
        let database = try ClinicalDatabase()
        try await database.writer.write { db in
            for (index, leaf) in tree.leafInputs.enumerated() {
                try AuditTree.append(db, index: UInt64(index), leafHash: RFC6962.leafHash(Self.hex(leaf)))
            }
            var compared = 0
            for path in Self.inclusionFiles {
                let vector = try Self.load(InclusionVector.self, path)
                guard !vector.wantErr, vector.treeSize <= UInt64(tree.leafInputs.count),
                      Self.base64(vector.leafHash) == RFC6962.leafHash(Self.hex(tree.leafInputs[Int(vector.leafIdx)])) else { continue }
                let proof = try AuditTree.inclusionProof(db, index: vector.leafIdx, size: vector.treeSize)
                #expect(proof == (vector.proof ?? []).map(Self.base64), "\(path)")
                compared += 1
            }
            for path in Self.consistencyFiles {
                let vector = try Self.load(ConsistencyVector.self, path)
                guard !vector.wantErr, vector.size1 > 0, vector.size2 <= UInt64(tree.leafInputs.count),
                      Self.base64(vector.root2) == (try AuditTree.root(db, size: vector.size2)) else { continue }
                let proof = try AuditTree.consistencyProof(db, size1: vector.size1, size2: vector.size2)
                #expect(proof == (vector.proof ?? []).map(Self.base64), "\(path)")
                compared += 1
            }
            // Every happy path is over the tree.json leaves, so each one is regenerated here.
            #expect(compared == 10)
        }
    }

    @Test("generated proofs verify for every pair of sizes up to 40 leaves; a flipped bit in any hash fails")
    func exhaustiveSmallTrees() async throws {
        let database = try ClinicalDatabase()
        try await database.writer.write { db in
            var leaves: [Data] = []
            for index in 0..<40 {
                let leaf = RFC6962.leafHash(Data("leaf \(index)".utf8))
                leaves.append(leaf)
                try AuditTree.append(db, index: UInt64(index), leafHash: leaf)
            }
            let roots = try (0...40).map { try AuditTree.root(db, size: UInt64($0)) }
            for size in 1...40 {
                for index in 0..<size {
                    let proof = try AuditTree.inclusionProof(db, index: UInt64(index), size: UInt64(size))
                    try MerkleVerifier.verifyInclusion(index: UInt64(index), size: UInt64(size), leafHash: leaves[index], proof: proof, root: roots[size])
                    if var first = proof.first {
                        first[0] ^= 1
                        #expect(throws: MerkleProofError.self) {
                            try MerkleVerifier.verifyInclusion(index: UInt64(index), size: UInt64(size), leafHash: leaves[index],
                                                               proof: [first] + proof.dropFirst(), root: roots[size])
                        }
                    }
                }
                for size1 in 1...size {
                    let proof = try AuditTree.consistencyProof(db, size1: UInt64(size1), size2: UInt64(size))
                    try MerkleVerifier.verifyConsistency(size1: UInt64(size1), size2: UInt64(size), proof: proof, root1: roots[size1], root2: roots[size])
                    if size1 < size {
                        #expect(throws: MerkleProofError.self) {
                            try MerkleVerifier.verifyConsistency(size1: UInt64(size1), size2: UInt64(size), proof: proof,
                                                                 root1: roots[size1 - 1], root2: roots[size])
                        }
                    }
                }
            }
        }
    }

    @Test("a compact range started from a stored prefix reaches the same root as the whole tree")
    func prefixContinuation() async throws {
        let database = try ClinicalDatabase()
        try await database.writer.write { db in
            let leaves = (0..<23).map { RFC6962.leafHash(Data("r\($0)".utf8)) }
            for (index, leaf) in leaves.enumerated() { try AuditTree.append(db, index: UInt64(index), leafHash: leaf) }
            for start in 0...23 {
                var range = try CompactRange(size: UInt64(start), hashes: try AuditTree.prefix(db, size: UInt64(start)))
                for leaf in leaves[start...] { range.append(leafHash: leaf) }
                #expect(range.root == (try AuditTree.root(db, size: 23)), "continuing after \(start) leaves")
            }
            #expect(throws: MerkleProofError.self) { try CompactRange(size: 3, hashes: [leaves[0]]) }
        }
    }
}
