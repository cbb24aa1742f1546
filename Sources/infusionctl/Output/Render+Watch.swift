import Foundation
import InfusionClient
import InfusionCore

extension Render {
    /// A system alert on the stream, e.g. `14:05:03  SYSTEM ALERT (high) database.integrity  The database failed…
    /// what to do: …`: one line, like the alert changes around it.
    static func systemAlertLine(_ alert: SystemAlert) -> String {
        "\(time(alert.updatedAt))  SYSTEM ALERT (\(alert.priority.rawValue)) \(alert.id)  \(alert.reason)  what to do: \(alert.guidance)"
    }

    /// One alert change on one line, e.g.
    /// `14:05:03  #41  raised        high, latched  L11  session 3f2a1b2c  Two or more early toxicity symptoms…`.
    static func alertEventLine(_ event: AlertEvent) -> String {
        let alert = event.alert
        var parts = [
            time(event.at), "#\(event.id)", event.kind.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0),
            "alert \(alert.id)", priority(alert), alert.ruleId, "session \(DisplayFormat.shortID(alert.sessionId))",
        ]
        if alert.escalationLevel > 0 || event.kind == .escalated { parts.append("→ \(AlertPolicy.routing(alert))") }
        if let by = alert.acknowledgedBy, event.kind == .acknowledged { parts.append("by \(by)") }
        parts.append(alert.reason)
        return parts.joined(separator: "  ")
    }

    /// The observation schedule in one line, e.g. `due 14:30 (maintenance, every 60 min)` or `OVERDUE by 7 min`.
    static func schedule(_ status: ScheduleStatus) -> String {
        guard let due = status.nextDueAt else {
            switch status.phase {
            case .complete: return "none due: the post-infusion window is over; the session may close"
            case .closed: return "none: the session is closed"
            default: return "none due"
            }
        }
        let every = status.intervalSeconds.map { seconds in
            seconds >= 120 ? "every \(DisplayFormat.number(seconds / 60)) min" : "every \(DisplayFormat.number(seconds)) s"
        }
        var text = "due \(moment(due)) (\(status.phase.rawValue)\(every.map { ", \($0)" } ?? ""))"
        if let late = status.overdueSeconds {
            text = "OVERDUE by \(late >= 120 ? "\(DisplayFormat.number((late / 60).rounded())) min" : "\(DisplayFormat.number(late.rounded())) s"): " + text
        }
        if let windowEnd = status.postInfusionWindowEndsAt {
            text += "; may close from \(time(windowEnd))"
        }
        return text
    }

    /// A replay report for people: what was compared and every difference.
    static func replayReport(_ report: ReplayReport) -> String {
        let hashes = report.ruleSetHashes.map { String($0.prefix(12)) }.joined(separator: ", ")
        var lines = [
            "Session \(report.sessionId.uuidString.lowercased()): replayed \(report.eventsReplayed) events and compared "
                + "\(report.decisionsCompared) recorded decisions with rule set \(hashes.isEmpty ? "-" : hashes)."
        ]
        if report.identical {
            lines.append("No differences: every decision and state was reproduced.")
            return lines.joined(separator: "\n")
        }
        var table = TextTable(columns: [.init("SEQ", alignment: .right), .init("KIND"), .init("RECORDED"), .init("REPLAYED"), .init("NOTE")], indent: 2)
        for difference in report.differences {
            func list(_ decisions: [Decision]) -> String {
                decisions.isEmpty ? "-" : decisions.map { "\($0.ruleId) \($0.action.rawValue)" }.joined(separator: ", ")
            }
            table.append([String(difference.sequence), difference.kind.rawValue, list(difference.recorded), list(difference.replayed), difference.note])
        }
        lines.append("\(report.differences.count) event(s) would be decided differently:")
        lines.append(table.render())
        return lines.joined(separator: "\n")
    }
}
