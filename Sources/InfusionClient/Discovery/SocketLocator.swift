import Foundation

/// Finds the daemon's socket the way SPEC §3 says: `--socket`, then `INFUSIOND_SOCKET`, then the installed
/// socket if it exists, then the development socket under the current directory.
public enum SocketLocator {
    /// The environment variable that names the socket.
    public static let environmentVariable = "INFUSIOND_SOCKET"
    /// Where an installed daemon listens.
    public static let installedPath = "/run/infusiond/infusiond.sock"
    /// Where `swift run infusiond` listens, relative to the directory it was started in.
    public static let developmentPath = "./.infusiond/infusiond.sock"

    /// The socket path to use.
    ///
    /// - Parameters:
    ///   - explicit: The value of `--socket`, if given; empty counts as not given.
    ///   - environment: The process environment; `INFUSIOND_SOCKET` is used when set and not empty.
    ///   - fileExists: Whether a path exists; injectable for tests.
    public static func resolve(
        explicit: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
    ) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty { return fromEnvironment }
        if fileExists(installedPath) { return installedPath }
        return developmentPath
    }
}
