import Foundation
import InfusionCore
import Yams

/// The shipped lidocaine profile, read from `config/profiles/lidocaine.yaml` so the tests check what is deployed.
enum ProfileFixture {
    /// The package root: three levels up from this file (`Tests/InfusionCoreTests/ProfileFixture.swift`).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The path of the shipped lidocaine profile.
    static let lidocainePath: URL = packageRoot.appendingPathComponent("config/profiles/lidocaine.yaml")

    private static let loaded: Result<RuleProfile, any Error> = Result { try decode(contentsOf: lidocainePath) }

    /// The shipped lidocaine profile, decoded once.
    static func lidocaine() throws -> RuleProfile { try loaded.get() }

    /// The path of the shipped ketamine profile.
    static let ketaminePath: URL = packageRoot.appendingPathComponent("config/profiles/ketamine.yaml")

    private static let loadedKetamine: Result<RuleProfile, any Error> = Result { try decode(contentsOf: ketaminePath) }

    /// The shipped ketamine profile, decoded once.
    static func ketamine() throws -> RuleProfile { try loadedKetamine.get() }

    /// Reads and decodes a profile file.
    static func decode(contentsOf url: URL) throws -> RuleProfile {
        try decode(String(contentsOf: url, encoding: .utf8))
    }

    /// Decodes a profile from YAML text.
    static func decode(_ yaml: String) throws -> RuleProfile {
        try YAMLDecoder().decode(RuleProfile.self, from: yaml)
    }
}
