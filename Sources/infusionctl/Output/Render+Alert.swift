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

    /// One alert after a change, e.g. an acknowledgement: its state, reason and who did what when.
    static func alertSentence(_ alert: Alert) -> String {
        var pairs: [(String, String)] = [("Reason", alert.reason)]
        if let guidance = alert.guidance { pairs.append(("Guidance", guidance)) }
        if let by = alert.acknowledgedBy {
            pairs.append(("Acknowledged", "by \(by)" + (alert.acknowledgedAt.map { " at " + time($0) } ?? "")))
        }
        if let note = alert.note { pairs.append(("Note", note)) }
        if let resolvedAt = alert.resolvedAt { pairs.append(("Resolved", time(resolvedAt))) }
        return "Alert \(alert.id) (\(alert.ruleId), \(priority(alert))) is now \(alert.state.rawValue).\n" + fields(pairs)
    }
}
