import Foundation
import InfusionCore

/// The text/event-stream format (WHATWG HTML, "Server-sent events") for the alert stream.
enum ServerSentEvents {
    /// One alert event: `id:`, `event:` (e.g. `alert.raised`) and the event as one line of JSON `data:`.
    static func format(_ event: AlertEvent) throws -> String {
        // WireJSON never writes a raw newline inside a document, so the JSON fits on one data line.
        let json = String(decoding: try WireJSON.encode(event), as: UTF8.self)
        return "id: \(event.id)\nevent: alert.\(event.kind.rawValue)\ndata: \(json)\n\n"
    }

    /// A system alert (an alarm about the daemon itself, e.g. `database.integrity`): `event: system` and the
    /// ``SystemAlert`` as one line of JSON. It has no `id:`: it is not an alert event of the `alert_events` table, and
    /// a client's resume point (its last `id:`) must stay that of the last alert event.
    static func format(_ alert: SystemAlert) throws -> String {
        "event: system\ndata: \(String(decoding: try WireJSON.encode(alert), as: UTF8.self))\n\n"
    }

    /// A comment line, which clients ignore: used for heartbeats and the greeting.
    static func comment(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { ": \($0)\n" }.joined() + "\n"
    }

    /// Tells clients how long to wait before reconnecting after the stream ends.
    static func retry(milliseconds: Int) -> String {
        "retry: \(milliseconds)\n\n"
    }

    /// The event id to resume after: the `Last-Event-ID` header, else the `after` query parameter; nil when neither
    /// was given. Throws a `request.badQuery` problem for anything but a whole number ≥ 0.
    static func resumePoint(lastEventId: String?, after: String?) throws(Problem) -> Int64? {
        if let header = lastEventId?.trimmingCharacters(in: .whitespaces), !header.isEmpty {
            guard let id = Int64(header), id >= 0 else {
                throw Problem(status: 400, code: "request.badHeader", title: "Bad Last-Event-ID",
                              detail: "Last-Event-ID '\(header)' is not an alert event id; send the id: of the last event received, or leave it out to start with new events.",
                              field: "Last-Event-ID")
            }
            return id
        }
        if let after {
            guard let id = Int64(after), id >= 0 else {
                throw Problem(status: 400, code: "request.badQuery", title: "Bad query parameter",
                              detail: "after=\(after) is not allowed; use an alert event id ≥ 0 (0 replays every event).", field: "after")
            }
            return id
        }
        return nil
    }
}
