import Foundation
import InfusionClient
import InfusionCore

/// Turns the daemon's answers into text a nurse can scan: sentences, key–value blocks and aligned tables.
enum Render {
    /// A block of label–value lines, labels aligned.
    static func fields(_ pairs: [(String, String)], indent: Int = 2) -> String {
        var table = TextTable(columns: [.init(""), .init("")], showsHeader: false, indent: indent)
        for (label, value) in pairs { table.append([label, value]) }
        return table.render()
    }

    /// A heading followed by a table, or by a line that says there is nothing to show.
    static func section(_ title: String, _ table: TextTable, empty: String) -> String {
        title + "\n" + (table.isEmpty ? "  " + empty : table.render())
    }

    /// A number with a unit, e.g. `70 kg`.
    static func quantity(_ value: Double, _ unit: String) -> String {
        DisplayFormat.number(value) + " " + unit
    }

    /// A time for a table cell, local and short.
    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        return DisplayFormat.time(date)
    }

    /// A full local time with how long ago it was, e.g. `2026-11-24 14:05:03 +01:00 (12m ago)`.
    static func moment(_ date: Date?) -> String {
        guard let date else { return "-" }
        return DisplayFormat.timestamp(date) + " (" + DisplayFormat.relative(date, now: Date()) + ")"
    }
}
