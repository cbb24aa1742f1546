import Foundation

/// Whether a test that needs root or a tool runs here.
///
/// Plain `swift test` skips such a test when its need is missing (`.enabled(if:)`, with a comment that says how to
/// get it). Under CI, scripts/test sets `INFUSION_TEST_REQUIRE_ALL=1`: every such test then runs, and a missing tool
/// fails it instead of skipping it, so CI can never pass a test by not running it.
enum TestEnvironment {
    /// Whether every test must run whatever this machine lacks (CI).
    static let requiresAll = ProcessInfo.processInfo.environment["INFUSION_TEST_REQUIRE_ALL"] == "1"

    /// Whether a test whose need is `available` runs: when it is, or when every test must.
    static func runs(_ available: @autoclosure () -> Bool) -> Bool {
        requiresAll || available()
    }

    /// The folder of the project's own PyPI tools, `.build/venv/bin` (made by scripts/test).
    static let venvBin = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: ".build/venv/bin").path

    /// An executable of that name in `.build/venv/bin` or on PATH, the project's own first.
    static func tool(_ name: String) -> String? {
        let folders = [venvBin] + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
