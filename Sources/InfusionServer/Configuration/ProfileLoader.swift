import Crypto
import Foundation
import InfusionCore
import Yams

/// Loads drug profiles from a folder or from the copies built into the binary, and hashes them.
public enum ProfileLoader {
    /// Loads every `*.yaml` profile; the rule-set hash is SHA-256 over each file's name, a NUL, its bytes and a
    /// NUL, in name order.
    public static func load(directory: String?) throws -> RuleSet {
        try ruleSet(from: files(directory: directory))
    }

    /// Reads every `*.yaml` profile of a folder, or the built-in copies when `directory` is nil, in name order.
    public static func files(directory: String?) throws -> [(name: String, contents: String)] {
        let files: [(name: String, contents: String)]
        if let directory {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }.sorted()
            } catch {
                throw ConfigurationError(file: directory, line: nil, message: "cannot list the profiles folder: \(error.localizedDescription)")
            }
            files = try names.map { name in
                let path = "\(directory)/\(name)"
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw ConfigurationError(file: path, line: nil, message: "cannot read the profile")
                }
                return (path, text)
            }
        } else {
            files = EmbeddedProfiles.files.map { ("(built-in) config/profiles/\($0.name)", $0.contents) }
        }
        return files
    }

    /// Decodes and hashes profile texts; two profiles for one drug, or none at all, are errors.
    public static func ruleSet(from files: [(name: String, contents: String)]) throws -> RuleSet {
        var profiles: [Drug: RuleProfile] = [:]
        var hasher = SHA256()
        for file in files {
            let profile = try decode(file.contents, file: file.name)
            if profiles[profile.drug] != nil {
                throw ConfigurationError(file: file.name, line: nil, message: "a second profile for \(profile.drug.rawValue); keep one file per drug")
            }
            profiles[profile.drug] = profile
            let baseName = (file.name as NSString).lastPathComponent
            hasher.update(data: Data(baseName.utf8) + Data([0]) + Data(file.contents.utf8) + Data([0]))
        }
        guard !profiles.isEmpty else {
            throw ConfigurationError(file: files.first?.name ?? "profiles", line: nil, message: "no drug profiles found")
        }
        let hash = hasher.finalize().lowercaseHex
        var ruleSet = RuleSet(profiles: profiles, hash: hash)
        ruleSet.sources = files.map { ProfileSource(name: ($0.name as NSString).lastPathComponent, contents: $0.contents) }
        return ruleSet
    }

    /// Decodes one profile and checks it makes sense: known keys only, every condition non-empty, limits ordered.
    public static func decode(_ text: String, file: String) throws -> RuleProfile {
        let profile: RuleProfile
        do {
            profile = try YAMLDecoder().decode(RuleProfile.self, from: text)
        } catch let error as DecodingError {
            throw ConfigurationError(file: file, line: nodeLine(of: error, in: text) ?? line(of: error, in: text), message: describe(error))
        } catch {
            throw ConfigurationError(file: file, line: nil, message: "not valid YAML: \(error)")
        }
        if let unknown = try? YAMLKeyCheck.firstUnknownKey(in: text, decoded: profile) {
            throw ConfigurationError(file: file, line: unknown.line, message: unknown.message)
        }
        try ProfileChecks.check(profile, text: text, file: file)
        if let problem = profile.modelProblems.first {
            let line = problem.ruleId.flatMap { lineOf(key: "id: \($0)", in: text) } ?? lineOf(key: problem.key, in: text)
            throw ConfigurationError(file: file, line: line, message: problem.message)
        }
        let unsuppressible = Set(profile.rules.filter { ($0.suppressedBy ?? []).isEmpty }.map(\.id))
        for rule in profile.rules {
            let line = lineOf(key: "id: \(rule.id)", in: text)
            for suppressor in rule.suppressedBy ?? [] where !unsuppressible.contains(suppressor) {
                throw ConfigurationError(file: file, line: line,
                                         message: "rule \(rule.id) is suppressedBy \(suppressor), which is not a rule without suppressedBy in this profile")
            }
            for condition in rule.anyOf {
                if condition.rhythmDiffersFromBaseline == false {
                    throw ConfigurationError(file: file, line: line, message: "rule \(rule.id): rhythmDiffersFromBaseline: false matches every rhythm; remove the clause instead")
                }
                if condition.symptomsAny?.isEmpty == true || condition.rhythmIn?.isEmpty == true {
                    throw ConfigurationError(file: file, line: line, message: "rule \(rule.id): an empty symptomsAny or rhythmIn list never matches")
                }
                if let groups = condition.symptomGroups, groups.atLeast < 1 || groups.atLeast > groups.groups.count || groups.groups.contains(where: \.isEmpty) {
                    throw ConfigurationError(file: file, line: line, message: "rule \(rule.id): symptomGroups.atLeast must be 1…\(groups.groups.count) and no group may be empty")
                }
            }
            if rule.anyOf.isEmpty || rule.anyOf.contains(where: \.isEmpty) {
                throw ConfigurationError(file: file, line: lineOf(key: "id: \(rule.id)", in: text),
                                         message: "rule \(rule.id) has an empty condition; every condition needs at least one clause")
            }
            for condition in rule.anyOf {
                for (metric, bounds) in condition.values ?? [:] where bounds.isEmpty {
                    throw ConfigurationError(file: file, line: lineOf(key: "id: \(rule.id)", in: text),
                                             message: "rule \(rule.id): \(metric.rawValue) has no bound (use above, atLeast, below, atMost or equals)")
                }
            }
        }
        for (name, limit) in [("bolusDoseMgPerKg", profile.limits.bolusDoseMgPerKg), ("bolusDurationMin", profile.limits.bolusDurationMin),
                              ("infusionRateMgPerKgPerHour", profile.limits.infusionRateMgPerKgPerHour), ("infusionMgPerHour", profile.limits.infusionMgPerHour)] {
            let ordered = [limit.hardMin, limit.softMin, limit.softMax, limit.hardMax].compactMap { $0 }
            if ordered != ordered.sorted() || ordered.contains(where: { $0 < 0 }) {
                throw ConfigurationError(file: file, line: lineOf(key: name, in: text),
                                         message: "limits.\(name) must satisfy 0 ≤ hardMin ≤ softMin ≤ softMax ≤ hardMax")
            }
        }
        return profile
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingPrefix(".").description
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing key '\(key.stringValue)' at \(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    /// The line of the value the error's coding path leads to, from the YAML node tree.
    private static func nodeLine(of error: DecodingError, in text: String) -> Int? {
        let context: DecodingError.Context? = switch error {
        case .keyNotFound(_, let context), .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): context
        @unknown default: nil
        }
        guard let codingPath = context?.codingPath, !codingPath.isEmpty else { return nil }
        let steps = codingPath.map { key in key.intValue.map(YAMLKeyCheck.Step.index) ?? .key(key.stringValue) }
        return YAMLKeyCheck.line(of: steps, in: try? Yams.compose(yaml: text))
    }

    /// The line of the last key named in the error's coding path, found in the text (best effort).
    private static func line(of error: DecodingError, in text: String) -> Int? {
        let context: DecodingError.Context? = switch error {
        case .keyNotFound(_, let context), .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): context
        @unknown default: nil
        }
        guard let key = context?.codingPath.last(where: { $0.intValue == nil })?.stringValue else { return nil }
        return lineOf(key: key, in: text)
    }

    private static func lineOf(key: String, in text: String) -> Int? {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.trimmingCharacters(in: .whitespaces).trimmingPrefix("- ").hasPrefix(key) {
            return index + 1
        }
        return nil
    }
}
