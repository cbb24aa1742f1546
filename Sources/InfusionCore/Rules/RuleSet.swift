/// The loaded drug profiles and the hash that identifies them (SHA-256 over the profile files).
public struct RuleSet: Sendable, Hashable {
    public var profiles: [Drug: RuleProfile]
    /// Hex SHA-256 of the loaded profiles' bytes; recorded with every decision so it can be replayed.
    public var hash: String
    /// The profile files the set was loaded from, stored by hash so a replay can load the same rules again.
    public var sources: [ProfileSource] = []

    public init(profiles: [Drug: RuleProfile], hash: String) {
        self.profiles = profiles
        self.hash = hash
    }

    /// The profile for a drug, or a `drug.noProfile` problem when none is loaded.
    public func profile(for drug: Drug) throws(DomainError) -> RuleProfile {
        guard let profile = profiles[drug] else {
            throw DomainError(.invalid, code: "drug.noProfile", title: "No profile for this drug",
                          detail: "No rule profile for \(drug.rawValue) is loaded; add config/profiles/\(drug.rawValue).yaml and reload.",
                          field: "drug")
        }
        return profile
    }
}
