/// One profile file exactly as it was loaded: its base name and text, the inputs of the rule-set hash.
public struct ProfileSource: Codable, Sendable, Hashable {
    /// The file's base name, e.g. `lidocaine.yaml`.
    public var name: String
    /// The file's text, byte for byte.
    public var contents: String

    public init(name: String, contents: String) {
        self.name = name
        self.contents = contents
    }
}
