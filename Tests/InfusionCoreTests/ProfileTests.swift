import Foundation
import InfusionCore
import Testing

/// The shipped lidocaine profile loads and has the shape CLINICAL §6 asks for.
@Suite("Shipped lidocaine profile")
struct ProfileTests {
    @Test("Loads with the lidocaine header")
    func header() throws {
        let profile = try ProfileFixture.lidocaine()
        #expect(profile.drug == .lidocaine)
        #expect(profile.defaultDosingWeight == .actual)
        #expect(!profile.title.isEmpty)
    }

    @Test("Has L01–L17 and X01, in order, with the documented entries")
    func ruleEntries() throws {
        let profile = try ProfileFixture.lidocaine()
        let entries = profile.rules.map { "\($0.id) \($0.action.rawValue) \($0.priority.rawValue)" }
        #expect(entries == [
            "L01 stop high", "L02 stop high", "L03 stop high", "L03 alert medium", "L04 stop high", "L05 pause medium",
            "L06 stop high", "L06 pause high", "L07 pause high", "L08 stop high", "L08 pause medium",
            "L09 stop high", "L10 pause medium", "L11 stop high", "L12 alert low", "L13 stop high", "L13 pause high",
            "L14 pause high", "L14 review medium", "L16 stop medium", "L17 review low", "X01 stop high",
        ])
        #expect(profile.rules.filter { $0.emergency == true }.map(\.id) == ["L01", "L02"])
        #expect(profile.rules.filter { $0.review == true }.map(\.id) == ["L13", "L14", "L17"])
        #expect(profile.rules.filter { $0.confirmWithinSeconds == 120 }.map(\.id) == ["L04", "L05", "L06", "L06", "L07", "L08", "L08"])
        #expect(profile.modelProblems.isEmpty, "\(profile.modelProblems)")
        #expect(profile.rules.filter { $0.lipidGuidance == true }.map(\.id) == ["L01", "L02", "L03", "L09", "L11", "L13"])
    }

    @Test("L12 is suppressed by the symptom and ECG rules, all of which exist")
    func suppression() throws {
        let profile = try ProfileFixture.lidocaine()
        let l12 = try #require(profile.rules.first { $0.id == "L12" })
        #expect(l12.suppressedBy == ["L01", "L03", "L09", "L10", "L11"])
        let ids = Set(profile.rules.map(\.id))
        #expect(Set(l12.suppressedBy ?? []).isSubset(of: ids))
        #expect(profile.rules.filter { $0.suppressedBy != nil }.map(\.id) == ["L12"])
    }

    @Test("Every condition has a clause, every bound a limit, every reason one sentence")
    func wellFormed() throws {
        let profile = try ProfileFixture.lidocaine()
        for rule in profile.rules {
            #expect(!rule.anyOf.isEmpty, "\(rule.id) has no condition")
            for condition in rule.anyOf {
                #expect(!condition.isEmpty, "\(rule.id) has an empty condition")
                for (metric, bounds) in condition.values ?? [:] {
                    #expect(!bounds.isEmpty, "\(rule.id) \(metric.rawValue) has no bound")
                }
            }
            #expect(rule.reason.hasSuffix("."), "\(rule.id) reason should end with a full stop")
            #expect(!rule.reason.contains("\n"))
            #expect(rule.reason.filter { $0 == "." }.count == 1, "\(rule.id) reason should be one sentence")
        }
    }

    @Test("Every rule entry is preceded by a comment naming its CLINICAL source")
    func sourcesCommented() throws {
        let text = try String(contentsOf: ProfileFixture.lidocainePath, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var entries = 0
        for (index, line) in lines.enumerated() where line.hasPrefix("  - id: ") {
            entries += 1
            var comments: [String] = []
            var cursor = index - 1
            while cursor >= 0, lines[cursor].trimmingCharacters(in: .whitespaces).hasPrefix("#") {
                comments.append(lines[cursor])
                cursor -= 1
            }
            #expect(comments.joined().contains("CLINICAL §"), "\(line) lacks a source comment")
        }
        #expect(entries == 22)
    }
}
