import Foundation
import InfusionClient
import InfusionCore

extension Render {
    /// Alerts as a table, most important first as given.
    static func alerts(_ alerts: [Alert], showSession: Bool = true) -> TextTable {
        var columns: [TextTable.Column] = [.init("ID", alignment: .right), .init("PRIORITY"), .init("STATE")]
        if showSession { columns.append(.init("SESSION")) }
        columns += [.init("RULE"), .init("RAISED"), .init("ACK BY"), .init("REASON")]
        var table = TextTable(columns: columns, indent: showSession ? 0 : 2)
        for alert in alerts {
            var row = [String(alert.id), priority(alert), alert.state.rawValue]
            if showSession { row.append(DisplayFormat.shortID(alert.sessionId)) }
            row += [alert.ruleId, time(alert.raisedAt), alert.acknowledgedBy ?? "-", alert.reason]
            table.append(row)
        }
        return table
    }

    /// An alert's priority, marked when it is latched, e.g. `high, latched`.
    static func priority(_ alert: Alert) -> String {
        alert.latched ? "\(alert.priority.rawValue), latched" : alert.priority.rawValue
    }

    /// One alert in a sentence, e.g. after an acknowledgement.
    static func alertSentence(_ alert: Alert) -> String {
        var text = "Alert \(alert.id) (\(alert.ruleId), \(priority(alert))) is \(alert.state.rawValue)"
        if let by = alert.acknowledgedBy {
            text += "; acknowledged by \(by)"
            if let at = alert.acknowledgedAt { text += " at \(time(at))" }
        }
        if let note = alert.note { text += "; note: \(note)" }
        if let resolvedAt = alert.resolvedAt { text += "; resolved at \(time(resolvedAt))" }
        return text + ".\n  " + alert.reason
    }
}
