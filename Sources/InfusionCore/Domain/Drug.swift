/// The drug a session delivers.
public enum Drug: String, Codable, Sendable, CaseIterable {
    case lidocaine
    case ketamine
}
