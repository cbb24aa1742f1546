import Foundation
import InfusionClient
import Synchronization

/// A progress line on standard error for long transfers, redrawn at most a few times a second and only when
/// standard error is a terminal (logs and pipes get no carriage-return noise).
final class ProgressLine: Sendable {
    private let label: String
    private let enabled = isatty(STDERR_FILENO) == 1
    private let lastDrawn = Mutex<ContinuousClock.Instant?>(nil)

    init(label: String) { self.label = TerminalText.escaped(label) }

    /// Shows the bytes received so far.
    func update(bytes: Int64) {
        guard enabled else { return }
        let now = ContinuousClock.now
        let due = lastDrawn.withLock { last -> Bool in
            guard last.map({ now - $0 >= .milliseconds(200) }) ?? true else { return false }
            last = now
            return true
        }
        if due {
            FileHandle.standardError.write(Data("\r\(label): \(String(format: "%.1f", Double(bytes) / 1_048_576)) MiB received".utf8))
        }
    }

    /// Shows a progress text of the caller's own, e.g. records verified of the total.
    func update(_ text: String) {
        guard enabled else { return }
        let now = ContinuousClock.now
        let due = lastDrawn.withLock { last -> Bool in
            guard last.map({ now - $0 >= .milliseconds(200) }) ?? true else { return false }
            last = now
            return true
        }
        if due { FileHandle.standardError.write(Data("\r\(label): \(TerminalText.escaped(text))\u{1B}[K".utf8)) }
    }

    /// Ends the line.
    func finish() {
        if enabled && lastDrawn.withLock({ $0 != nil }) { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
