import Foundation
import InfusionCore
import Testing

/// Characterisation of the clinical engine: a few hundred seeded scenarios run through the store, the timers, the
/// audit trail and replay, compared with the transcripts recorded in `Golden/Scenarios/`. See `Golden/README.md`.
@Suite("Golden scenarios of the clinical engine")
struct GoldenScenarioTests {
    /// `INFUSION_GOLDEN_RECORD=1` rewrites the golden files instead of comparing with them.
    static let recording = ProcessInfo.processInfo.environment["INFUSION_GOLDEN_RECORD"] == "1"

    /// Found from this file's path, so the test target needs no resources.
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scenarios")

    static func fileURL(_ file: Int) -> URL {
        let first = file * ScenarioGenerator.perFile
        let name = String(format: "scenarios-%03d-%03d.json", first, first + ScenarioGenerator.perFile - 1)
        return folder.appendingPathComponent(name)
    }

    /// The encoding of golden files: sorted keys and one value per line, so a diff reads well.
    static func encode(_ value: JSONValue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test("the engine reproduces every recorded scenario", arguments: 0..<ScenarioGenerator.fileCount)
    func scenarios(file: Int) async throws {
        let indices = (file * ScenarioGenerator.perFile)..<((file + 1) * ScenarioGenerator.perFile)
        var transcripts: [JSONValue] = []
        for index in indices {
            transcripts.append(try await ScenarioRecorder.record(ScenarioGenerator.scenario(index)))
        }
        let url = Self.fileURL(file)
        if Self.recording {
            try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
            try (Self.encode(.array(transcripts)) + "\n").write(to: url, atomically: true, encoding: .utf8)
            Issue.record("INFUSION_GOLDEN_RECORD=1: rewrote \(url.lastPathComponent) instead of comparing; run again without it to check.")
            return
        }
        let data = try Data(contentsOf: url)
        guard case .array(let golden) = try JSONDecoder().decode(JSONValue.self, from: data) else {
            Issue.record("\(url.lastPathComponent) is not a JSON array of transcripts")
            return
        }
        #expect(golden.count == transcripts.count, "\(url.lastPathComponent) holds \(golden.count) scenarios, expected \(transcripts.count)")
        for (offset, transcript) in transcripts.enumerated() where offset < golden.count {
            let expected = try Self.encode(golden[offset])
            let actual = try Self.encode(transcript)
            guard expected != actual else { continue }
            let index = indices.lowerBound + offset
            Issue.record(Comment(rawValue: Self.firstDifference(expected: expected, actual: actual,
                                                                scenario: index, seed: ScenarioGenerator.seed(of: index))))
        }
    }

    /// Where a transcript first differs from its golden copy, with the lines around it.
    static func firstDifference(expected: String, actual: String, scenario: Int, seed: UInt64) -> String {
        let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let got = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(want, got).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(want.count, got.count)
        let context = { (lines: [Substring]) in
            lines[max(0, line - 3)..<min(lines.count, line + 2)].joined(separator: "\n")
        }
        return """
            scenario \(scenario) (seed \(String(format: "0x%016llX", seed))) differs from its golden transcript at line \(line + 1):
            golden:   \(line < want.count ? String(want[line]) : "<end>")
            now:      \(line < got.count ? String(got[line]) : "<end>")
            golden context:
            \(context(want))
            now context:
            \(context(got))
            """
    }

    @Test("the folder holds exactly the golden files the suite writes, so none is left unchecked")
    func noStrayFiles() throws {
        let expected = Set((0..<ScenarioGenerator.fileCount).map { Self.fileURL($0).lastPathComponent })
        let present = Set(try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".json") })
        #expect(present == expected, "stray: \(present.subtracting(expected).sorted()), missing: \(expected.subtracting(present).sorted())")
    }

    @Test("the generator is deterministic: a scenario's seed rebuilds the same steps")
    func generatorIsDeterministic() {
        let first = ScenarioGenerator.scenario(7), second = ScenarioGenerator.scenario(7)
        #expect(first.seed == second.seed && first.steps.count == second.steps.count)
        #expect(String(describing: first.steps) == String(describing: second.steps))
        #expect(ScenarioGenerator.seed(of: 0) != ScenarioGenerator.seed(of: 1))
    }
}
