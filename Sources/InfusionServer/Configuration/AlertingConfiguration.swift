import Foundation

/// `hooks:` in the daemon config: commands told about alert changes and stops (SPEC §5).
///
/// Each command is an argument list (no shell), run once per event with the event as one JSON document on its
/// standard input. A command that fails, or runs longer than `timeoutSeconds`, is logged and audited; requests
/// never wait for it.
public struct HookConfiguration: Codable, Sendable, Hashable {
    /// Run for every alert raised, escalated, acknowledged or resolved; receives an `AlertEvent`.
    public var onAlert: [String]?
    /// Run whenever a session is stopped or paused, so a pump gateway can act; receives a `SessionStopHookEvent`.
    public var onStop: [String]?
    /// How long one run may take before it is killed (default 10 s).
    public var timeoutSeconds: Double?

    public init(onAlert: [String]? = nil, onStop: [String]? = nil, timeoutSeconds: Double? = nil) {
        self.onAlert = onAlert
        self.onStop = onStop
        self.timeoutSeconds = timeoutSeconds
    }

    /// The timeout in force.
    public var resolvedTimeout: Duration { .milliseconds(Int64((timeoutSeconds ?? 10) * 1000)) }

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
