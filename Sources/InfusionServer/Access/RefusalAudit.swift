import Crypto
import Foundation
import InfusionCore
import InfusionStore

/// Records refused requests and connections in the audit trail without letting one peer fill it.
///
/// The trail cannot be pruned, so what a refusal stores is bounded twice: each record keeps at most
/// ``maxTextBytes`` of the request path (and ``maxDetailBytes`` of the problem's detail) plus the length and SHA-256 of the rest,
/// and each peer account (uid) gets at most ``recordsPerWindow`` full records per ``window``. Further refusals in
/// the window are only counted, and one `refusal.suppressed` record with the count per problem code closes the
/// window, so a flood leaves its size and origin in the trail and little else.
public actor RefusalAudit {
    /// The most bytes of a request path a refusal record keeps.
    public static let maxTextBytes = 256
    /// The most bytes of a problem's detail a refusal record keeps (details are sentences, but some quote input).
    public static let maxDetailBytes = 1024
    /// Full refusal records per peer account and window.
    public static let recordsPerWindow = 20
    /// The length of one counting window.
    public static let window: Duration = .seconds(60)

    /// One peer account's current window.
    private struct Window {
        var start: Date
        var recorded = 0
        var suppressed = 0
        var byCode: [String: Int] = [:]
        var actor: AuditActor
    }

    private let store: ClinicalStore
    private let clock: @Sendable () -> Date
    private let window: Duration
    private let recordsPerWindow: Int
    /// Whose allowance a refusal counts against: the peer account (nil uid for connections without peer
    /// credentials, in-process tests) and, on the web socket, the person the proxy vouched for, since every person
    /// there arrives as the proxy's one account and one of them must not use up the others' records.
    private struct WindowKey: Hashable {
        var uid: UInt32?
        var person: String?

        init(_ actor: AuditActor) {
            uid = actor.uid
            person = actor.via == nil ? nil : actor.person
        }
    }

    private var windows: [WindowKey: Window] = [:]

    /// A recorder writing to `store`; tests may shorten the window and the allowance.
    public init(store: ClinicalStore, clock: @escaping @Sendable () -> Date,
                window: Duration = RefusalAudit.window, recordsPerWindow: Int = RefusalAudit.recordsPerWindow) {
        self.store = store
        self.clock = clock
        self.window = window
        self.recordsPerWindow = recordsPerWindow
    }

    /// Records a refused request (`request.refuse`) with its path and detail bounded, unless the peer already
    /// used up its allowance for the window; then the refusal is only counted.
    public func recordRequest(_ problem: Problem, method: String, path: String, actor: AuditActor) async throws {
        guard await admit(actor: actor, code: problem.code) else { return }
        var bounded = problem
        bounded.detail = Self.bounded(problem.detail, limit: Self.maxDetailBytes)
        try await store.recordRefusal(bounded, method: Self.bounded(method, limit: 32), path: Self.bounded(path), actor: actor, now: clock())
    }

    /// Records a connection refused as it was accepted (`connection.refuse`): a peer with no role, or one over its
    /// connection limit. Counted like requests.
    public func recordConnection(reason: String, detail: String, actor: AuditActor) async throws {
        guard await admit(actor: actor, code: "connection.\(reason)") else { return }
        try await store.recordDaemonEvent("connection.refuse", detail: [
            "reason": .string(reason), "detail": .string(Self.bounded(detail, limit: Self.maxDetailBytes)),
            "uid": actor.uid.map { .number(Double($0)) } ?? .null, "gid": actor.gid.map { .number(Double($0)) } ?? .null,
            "pid": actor.pid.map { .number(Double($0)) } ?? .null,
        ], now: clock())
    }

    /// Writes the summary of every window that counted refusals, e.g. before the daemon records its stop.
    public func flush() async {
        let open = windows.filter { $0.value.suppressed > 0 }
        for key in open.keys { windows[key] = nil }
        for (_, window) in open.sorted(by: { $0.value.start < $1.value.start }) {
            await writeSummary(window, end: clock())
        }
    }

    /// Whether a refusal gets a full record; counts it otherwise and, at the first one counted, schedules the
    /// window's summary for its end. A window that ended with refusals counted gets its summary first.
    private func admit(actor: AuditActor, code: String) async -> Bool {
        let (admitted, ended) = decide(actor: actor, code: code)
        if let ended { await writeSummary(ended, end: ended.start.addingTimeInterval(seconds(window))) }
        return admitted
    }

    /// The decision itself, made without suspending so concurrent refusals of one peer count exactly.
    private func decide(actor: AuditActor, code: String) -> (admitted: Bool, ended: Window?) {
        let now = clock()
        let key = WindowKey(actor)
        if let current = windows[key], now < current.start.addingTimeInterval(seconds(window)) {
            var updated = current
            updated.actor = actor
            if updated.recorded < recordsPerWindow {
                updated.recorded += 1
                windows[key] = updated
                return (true, nil)
            }
            updated.suppressed += 1
            updated.byCode[code, default: 0] += 1
            windows[key] = updated
            if updated.suppressed == 1 { scheduleSummary(key: key, start: updated.start) }
            return (false, nil)
        }
        let ended = windows[key].flatMap { $0.suppressed > 0 ? $0 : nil }
        if windows.count > 1024 {
            windows = windows.filter { now < $0.value.start.addingTimeInterval(seconds(window)) || $0.value.suppressed > 0 }
        }
        windows[key] = Window(start: now, recorded: 1, actor: actor)
        return (true, ended)
    }

    private func scheduleSummary(key: WindowKey, start: Date) {
        let delay = window
        Task {
            try? await Task.sleep(for: delay)
            await self.closeWindow(key: key, start: start)
        }
    }

    private func closeWindow(key: WindowKey, start: Date) async {
        guard let current = windows[key], current.start == start, current.suppressed > 0 else { return }
        windows[key] = nil
        await writeSummary(current, end: clock())
    }

    private func writeSummary(_ window: Window, end: Date) async {
        // A web person's window names the person and the door; other windows keep their fields as they were.
        let web: [String: JSONValue] = window.actor.via.map { via in
            ["via": .string(via), "person": window.actor.person.map(JSONValue.string) ?? .null]
        } ?? [:]
        let counts: [String: JSONValue] = [
            "uid": window.actor.uid.map { .number(Double($0)) } ?? .null,
            "gid": window.actor.gid.map { .number(Double($0)) } ?? .null,
            "lastPid": window.actor.pid.map { .number(Double($0)) } ?? .null,
            "windowStart": .string(WireJSON.formatTimestamp(window.start)),
            "windowEnd": .string(WireJSON.formatTimestamp(end)),
            "recorded": .number(Double(window.recorded)),
            "suppressed": .number(Double(window.suppressed)),
            "byCode": .object(window.byCode.mapValues { .number(Double($0)) }),
            "explanation": .string("This peer was refused more often than the audit trail records in full; the refusals after the first \(window.recorded) in the window were only counted."),
        ]
        do {
            try await store.recordDaemonEvent("refusal.suppressed", detail: .object(web.merging(counts) { own, _ in own }), now: clock())
        } catch {
            // The counts are lost with the write; the refusals themselves were already answered.
        }
    }

    private func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// `text` when it is at most `limit` bytes of UTF-8; otherwise its first `limit` bytes (cut at a character
    /// boundary) followed by the length and SHA-256 of the rest, so two long paths can still be told apart.
    public static func bounded(_ text: String, limit: Int = maxTextBytes) -> String {
        let utf8 = Array(text.utf8)
        guard utf8.count > limit else { return text }
        var cut = limit
        // Back up to the start of a UTF-8 sequence: continuation bytes are 10xxxxxx.
        while cut > 0, utf8[cut] & 0xC0 == 0x80 { cut -= 1 }
        let rest = utf8[cut...]
        let digest = SHA256.hash(data: Data(rest)).map { String(format: "%02x", $0) }.joined()
        return String(decoding: utf8[..<cut], as: UTF8.self) + "…[+\(rest.count) bytes, sha256 \(digest)]"
    }
}
