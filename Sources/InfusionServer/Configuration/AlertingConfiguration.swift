import Foundation
import InfusionStore

/// `hooks:` in the daemon config: commands told about alert changes and stops (SPEC §5).
///
/// Each command is an argument list (no shell), run once per notice with the notice as one JSON document on its
/// standard input. Notices are queued in the database with the change they announce and delivered at least once,
/// in order per hook, each with a stable `deliveryId`; a failing run is retried with exponential backoff up to
/// `maxAttempts` runs, then given up. Requests never wait for a hook, and `onStop` never waits for `onAlert`.
public struct HookConfiguration: Codable, Sendable, Hashable {
    /// Run for every alert raised, escalated, acknowledged or resolved; receives an `AlertHookEvent`.
    public var onAlert: [String]?
    /// Run whenever a session is stopped or paused, so a pump gateway can act; receives a `SessionStopHookEvent`.
    public var onStop: [String]?
    /// How long one run may take, writing its input included, before its process group is killed (default 10 s).
    public var timeoutSeconds: Double?
    /// Runs of one notice before it is given up (default 10; 1 means no retry).
    public var maxAttempts: Int?
    /// The wait before the first retry (default 1 s); it doubles at each further retry.
    public var retryInitialSeconds: Double?
    /// The longest wait between two runs of a notice (default 60 s).
    public var retryMaxSeconds: Double?

    public init(onAlert: [String]? = nil, onStop: [String]? = nil, timeoutSeconds: Double? = nil, maxAttempts: Int? = nil,
                retryInitialSeconds: Double? = nil, retryMaxSeconds: Double? = nil) {
        self.onAlert = onAlert
        self.onStop = onStop
        self.timeoutSeconds = timeoutSeconds
        self.maxAttempts = maxAttempts
        self.retryInitialSeconds = retryInitialSeconds
        self.retryMaxSeconds = retryMaxSeconds
    }

    /// The timeout in force.
    public var resolvedTimeout: Duration { .milliseconds(Int64((timeoutSeconds ?? 10) * 1000)) }

    /// The number of runs in force.
    public var resolvedMaxAttempts: Int { maxAttempts ?? 10 }

    /// The wait after failed run number `attempt` (1-based): the initial wait doubled at each further retry, at
    /// most `retryMaxSeconds`.
    public func retryDelay(afterAttempt attempt: Int) -> Duration {
        let initial = retryInitialSeconds ?? 1
        let longest = max(retryMaxSeconds ?? 60, initial)
        let seconds = min(initial * pow(2, Double(min(max(attempt, 1), 62) - 1)), longest)
        return .milliseconds(Int64(seconds * 1000))
    }

    /// The hooks that have a command.
    public var configured: [(name: HookName, command: [String])] {
        [(HookName.onStop, onStop), (HookName.onAlert, onAlert)].compactMap { name, command in command.map { (name, $0) } }
    }

    /// Why the section cannot be used, or nil.
    var problem: (key: String, message: String)? {
        for (key, command) in [("onAlert", onAlert), ("onStop", onStop)] {
            guard let command else { continue }
            guard let program = command.first, !program.isEmpty else {
                return (key, "hooks.\(key) needs the program to run as its first item, e.g. [/usr/local/bin/ward-pager, --ward, \"7\"]")
            }
            guard program.hasPrefix("/") else {
                return (key, "hooks.\(key): give the program as an absolute path ('\(program)' is not); the daemon does not search PATH")
            }
        }
        if let timeoutSeconds, !(timeoutSeconds > 0 && timeoutSeconds <= 300) {
            return ("timeoutSeconds", "hooks.timeoutSeconds must be more than 0 and at most 300")
        }
        if let maxAttempts, !(1...1000).contains(maxAttempts) {
            return ("maxAttempts", "hooks.maxAttempts must be 1…1000")
        }
        if let retryInitialSeconds, !(retryInitialSeconds >= 0.01 && retryInitialSeconds <= 3600) {
            return ("retryInitialSeconds", "hooks.retryInitialSeconds must be 0.01…3600")
        }
        if let retryMaxSeconds, !(retryMaxSeconds >= 0.01 && retryMaxSeconds <= 3600) || retryMaxSeconds < (retryInitialSeconds ?? 1) {
            return ("retryMaxSeconds", "hooks.retryMaxSeconds must be 0.01…3600 and no less than hooks.retryInitialSeconds")
        }
        return nil
    }
}

/// `alertStream:` in the daemon config: the Server-Sent Events stream `GET /v1/alerts/stream`.
public struct AlertStreamConfiguration: Codable, Sendable, Hashable {
    /// Seconds between heartbeat comments on an idle stream (default 15), so dead clients and proxies notice.
    public var heartbeatSeconds: Double?

    public init(heartbeatSeconds: Double? = nil) {
        self.heartbeatSeconds = heartbeatSeconds
    }

    /// The heartbeat interval in force.
    public var resolvedHeartbeat: Duration { .milliseconds(Int64((heartbeatSeconds ?? 15) * 1000)) }

    /// Why the section cannot be used, or nil.
    var problem: (key: String, message: String)? {
        if let heartbeatSeconds, !(heartbeatSeconds >= 0.1 && heartbeatSeconds <= 300) {
            return ("heartbeatSeconds", "alertStream.heartbeatSeconds must be 0.1…300")
        }
        return nil
    }
}

/// `timers:` in the daemon config: how often the overdue-observation and escalation timers look.
public struct TimerConfiguration: Codable, Sendable, Hashable {
    /// Seconds between checks (default 1); an overdue alert is raised at most this late.
    public var tickSeconds: Double?

    public init(tickSeconds: Double? = nil) {
        self.tickSeconds = tickSeconds
    }

    /// The interval in force.
    public var resolvedTick: Duration { .milliseconds(Int64((tickSeconds ?? 1) * 1000)) }

    /// Why the section cannot be used, or nil.
    var problem: (key: String, message: String)? {
        if let tickSeconds, !(tickSeconds >= 0.05 && tickSeconds <= 60) {
            return ("tickSeconds", "timers.tickSeconds must be 0.05…60")
        }
        return nil
    }
}
