import Foundation
import InfusionCore
import InfusionServer
import Testing

@Suite("Daemon configuration and drug profiles: errors with file and line")
struct ConfigurationTests {
    @Test("no file means built-in defaults under ./.infusiond")
    func defaults() throws {
        let (configuration, file) = try DaemonConfiguration.load(explicitPath: nil, environment: [:])
        if FileManager.default.fileExists(atPath: DaemonConfiguration.systemPath) { return }
        #expect(file == nil)
        #expect(configuration.resolvedSocketPath == "./.infusiond/infusiond.sock")
        #expect(configuration.resolvedDatabasePath == "./.infusiond/infusion.sqlite")
        #expect(configuration.resolvedSocketMode == 0o660)
        #expect(configuration.resolvedMaxBodyBytes == 65536)
    }

    @Test("INFUSIOND_CONFIG names the file when --config does not")
    func environmentPath() throws {
        let path = NSTemporaryDirectory() + "infusiond-\(UUID().uuidString.prefix(6)).yaml"
        try "stateDirectory: /tmp/x\nsocketMode: \"0600\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let (configuration, file) = try DaemonConfiguration.load(explicitPath: nil, environment: ["INFUSIOND_CONFIG": path])
        #expect(file == path)
        #expect(configuration.resolvedSocketPath == "/tmp/x/infusiond.sock")
        #expect(configuration.resolvedSocketMode == 0o600)
    }

    @Test("bad settings are refused with the line", arguments: [
        ("stateDirectory: a\nsocketPaht: /tmp/s\n", 2, "unknown setting 'socketPaht'"),
        ("socketMode: \"rw\"\n", 1, "not an octal mode"),
        ("logLevel: loud\n", 1, "not a log level"),
        ("maxBodyBytes: 10\n", 1, "maxBodyBytes"),
    ])
    func badSettings(text: String, line: Int, message: String) {
        #expect {
            _ = try DaemonConfiguration.parse(text, file: "test.yaml")
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.line == line && error.message.contains(message) && error.description.hasPrefix("test.yaml:\(line):")
        }
    }

    @Test("the shipped profiles load and the hash is SHA-256 hex that changes with any byte")
    func shippedProfiles() throws {
        let ruleSet = try ProfileLoader.load(directory: nil)
        #expect(ruleSet.profiles[.lidocaine] != nil)
        #expect(ruleSet.hash.count == 64)
        let lidocaine = try #require(EmbeddedProfileText.lidocaine)
        let same = try ProfileLoader.ruleSet(from: [("lidocaine.yaml", lidocaine)])
        let changed = try ProfileLoader.ruleSet(from: [("lidocaine.yaml", lidocaine + "\n# reviewed\n")])
        #expect(same.hash != changed.hash)
        #expect(same.hash == (try ProfileLoader.ruleSet(from: [("lidocaine.yaml", lidocaine)])).hash)
    }

    static let minimalProfile = """
        drug: lidocaine
        title: t
        defaultDosingWeight: actual
        limits:
          bolusDoseMgPerKg: {softMin: 1, softMax: 3, hardMax: 5}
          bolusDurationMin: {softMin: 20, softMax: 30, hardMin: 5}
          infusionRateMgPerKgPerHour: {softMin: 0.5, softMax: 2, hardMax: 3}
          infusionMgPerHour: {hardMax: 100}
        rules:
        """

    @Test("impossible or mistyped rules are refused naming the file", arguments: [
        ("  - {id: L04, anyOf: [{heartRate: {atMost: 40}}], action: stop, priority: high, reason: r}", "unknown condition key 'heartRate'"),
        ("  - {id: L04, anyOf: [{heartRateBpm: {atmost: 40}}], action: stop, priority: high, reason: r}", "atmost"),
        ("  - {id: L04, anyOf: [{}], action: stop, priority: high, reason: r}", "empty condition"),
        ("  - {id: L04, anyOf: [], action: stop, priority: high, reason: r}", "empty condition"),
        ("  - {id: L04, anyOf: [{heartRateBpm: {atMost: 40}}], action: halt, priority: high, reason: r}", "action"),
        ("  - {id: L03, anyOf: [{rhythmDiffersFromBaseline: false}], action: stop, priority: high, reason: r}", "matches every rhythm"),
        ("  - {id: L10, anyOf: [{symptomsAny: []}], action: pause, priority: medium, reason: r}", "never matches"),
        ("  - {id: L11, anyOf: [{symptomGroups: {groups: [[tinnitus]], atLeast: 0}}], action: stop, priority: high, reason: r}", "atLeast"),
        ("  - {id: L12, anyOf: [{symptomsAny: [nausea]}], action: alert, priority: low, reason: r, suppressedBy: [L99]}", "suppressedBy L99"),
    ])
    func badRules(rule: String, message: String) {
        #expect {
            _ = try ProfileLoader.ruleSet(from: [("bad.yaml", Self.minimalProfile + "\n" + rule + "\n")])
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.file == "bad.yaml" && error.description.contains(message)
        }
    }

    @Test("limits out of order are refused with the line")
    func limitsOutOfOrder() {
        let text = Self.minimalProfile.replacingOccurrences(of: "softMin: 0.5, softMax: 2, hardMax: 3", with: "softMin: 0.5, softMax: 4, hardMax: 3")
            + "\n  - {id: L04, anyOf: [{heartRateBpm: {atMost: 40}}], action: stop, priority: high, reason: r}\n"
        #expect {
            _ = try ProfileLoader.ruleSet(from: [("bad.yaml", text)])
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.line == 7 && error.message.contains("infusionRateMgPerKgPerHour")
        }
    }

    @Test("two profiles for one drug are refused")
    func duplicateDrug() {
        let text = Self.minimalProfile + "\n  - {id: L04, anyOf: [{heartRateBpm: {atMost: 40}}], action: stop, priority: high, reason: r}\n"
        #expect(throws: ConfigurationError.self) {
            _ = try ProfileLoader.ruleSet(from: [("a.yaml", text), ("b.yaml", text)])
        }
    }
}

/// The shipped lidocaine profile's text, read from the source tree.
enum EmbeddedProfileText {
    static var lidocaine: String? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try? String(contentsOf: root.appending(path: "config/profiles/lidocaine.yaml"), encoding: .utf8)
    }
}
