import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@testable import InfusionClient

@Suite("PrivateFile: outputs never go through links")
struct PrivateFileTests {
    /// A fresh folder holding a victim file that a planted link points at.
    struct Scene {
        let folder = NSTemporaryDirectory() + "pf-" + UUID().uuidString.prefix(8)
        var victim: String { folder + "/victim" }

        init() throws {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try "do not touch\n".write(toFile: victim, atomically: false, encoding: .utf8)
            chmod(victim, 0o644)
        }

        func plantLink(at path: String, to target: String? = nil) throws {
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target ?? victim)
        }

        func victimIsUntouched() throws -> Bool {
            try String(contentsOfFile: victim, encoding: .utf8) == "do not touch\n" && PrivateFile.permissions(victim) == 0o644
        }

        func remove() { try? FileManager.default.removeItem(atPath: folder) }
    }

    @Test("createNew refuses a link, dangling or not, and makes a 0600 file otherwise")
    func createNewRefusesLinks() throws {
        let scene = try Scene()
        defer { scene.remove() }
        try scene.plantLink(at: scene.folder + "/out.partial")
        #expect(throws: PrivateFile.Failure.self) { _ = try PrivateFile.createNew(scene.folder + "/out.partial") }
        try scene.plantLink(at: scene.folder + "/dangling", to: scene.folder + "/would-be-created")
        #expect(throws: PrivateFile.Failure.self) { _ = try PrivateFile.createNew(scene.folder + "/dangling") }
        #expect(PrivateFile.existing(scene.folder + "/would-be-created") == .none)
        #expect(try scene.victimIsUntouched())

        let umask = Glibc.umask(0)
        defer { _ = Glibc.umask(umask) }
        let handle = try PrivateFile.createNew(scene.folder + "/fresh")
        try handle.close()
        #expect(PrivateFile.permissions(scene.folder + "/fresh") == 0o600)
    }

    @Test("write refuses a link at its name even when replacing, and writes 0600 otherwise", arguments: [false, true])
    func writeRefusesLinks(replacing: Bool) throws {
        let scene = try Scene()
        defer { scene.remove() }
        let path = scene.folder + "/out.checkpoint"
        try scene.plantLink(at: path)
        #expect(throws: PrivateFile.Failure.self) { try PrivateFile.write(Data("note".utf8), to: path, replacing: replacing) }
        #expect(try scene.victimIsUntouched())
        #expect(PrivateFile.existing(path) == .symbolicLink)
        let left = try FileManager.default.contentsOfDirectory(atPath: scene.folder).sorted()
        #expect(left == ["out.checkpoint", "victim"])

        let fresh = scene.folder + "/fresh.checkpoint"
        try PrivateFile.write(Data("note".utf8), to: fresh, replacing: replacing)
        #expect(try String(contentsOfFile: fresh, encoding: .utf8) == "note")
        #expect(PrivateFile.permissions(fresh) == 0o600)
    }

    @Test("a regular file is replaced only when asked")
    func replacesOnlyWhenAsked() throws {
        let scene = try Scene()
        defer { scene.remove() }
        let path = scene.folder + "/out"
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: PrivateFile.Failure.self) { try PrivateFile.write(Data("new".utf8), to: path, replacing: false) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
        try PrivateFile.write(Data("new".utf8), to: path, replacing: true)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new")
        #expect(PrivateFile.permissions(path) == 0o600)
    }

    @Test("moveIntoPlace without replacing never replaces a file that appeared meanwhile, nor follows a link")
    func moveIntoPlaceKeepsOthersFiles() throws {
        let scene = try Scene()
        defer { scene.remove() }
        let source = scene.folder + "/out.partial"
        try Data("export".utf8).write(to: URL(fileURLWithPath: source))
        try scene.plantLink(at: scene.folder + "/out")
        for replacing in [false, true] {
            #expect(throws: PrivateFile.Failure.self) { try PrivateFile.moveIntoPlace(source, to: scene.folder + "/out", replacing: replacing) }
        }
        #expect(try scene.victimIsUntouched())
        try PrivateFile.moveIntoPlace(source, to: scene.folder + "/new", replacing: false)
        #expect(PrivateFile.existing(source) == .none)
        #expect(try String(contentsOfFile: scene.folder + "/new", encoding: .utf8) == "export")
    }

    @Test("removeRegularFile leaves links alone")
    func removeLeavesLinks() throws {
        let scene = try Scene()
        defer { scene.remove() }
        try scene.plantLink(at: scene.folder + "/out.prefix")
        PrivateFile.removeRegularFile(scene.folder + "/out.prefix")
        #expect(PrivateFile.existing(scene.folder + "/out.prefix") == .symbolicLink)
        #expect(try scene.victimIsUntouched())
    }
}
