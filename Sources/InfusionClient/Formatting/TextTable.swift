/// A plain-text table with aligned columns, for output a person scans on a terminal.
///
/// ```swift
/// var table = TextTable(columns: [.init("ID", alignment: .right), .init("RULE"), .init("REASON")])
/// table.append(["7", "L10", "Tinnitus reported."])
/// print(table.render())
/// ```
public struct TextTable: Sendable, Hashable {
    /// How a column's cells are padded.
    public enum Alignment: Sendable, Hashable {
        /// Text starts at the column's left edge (words).
        case left
        /// Text ends at the column's right edge (numbers).
        case right
    }

    /// One column: its header title and alignment.
    public struct Column: Sendable, Hashable {
        /// The header text.
        public var title: String
        /// How cells are padded.
        public var alignment: Alignment

        /// Creates a column.
        public init(_ title: String, alignment: Alignment = .left) {
            self.title = title
            self.alignment = alignment
        }
    }

    /// The columns, in order.
    public var columns: [Column]
    /// The rows added so far; each has exactly one cell per column.
    public private(set) var rows: [[String]] = []
    /// Whether the first line shows the column titles.
    public var showsHeader: Bool
    /// Spaces before every line.
    public var indent: Int
    /// What is put between two columns.
    public var gap: String

    /// Creates an empty table.
    public init(columns: [Column], showsHeader: Bool = true, indent: Int = 0, gap: String = "  ") {
        self.columns = columns
        self.showsHeader = showsHeader
        self.indent = indent
        self.gap = gap
    }

    /// Creates an empty table with left-aligned columns of these titles.
    public init(_ titles: String...) {
        self.init(columns: titles.map { Column($0) })
    }

    /// Whether no row has been added.
    public var isEmpty: Bool { rows.isEmpty }

    /// Adds a row; missing cells are blank, extra cells are joined into the last one, line breaks and tabs become
    /// spaces and every other control character is shown escaped (``TerminalText/escaped(_:keepingLineBreaks:)``).
    public mutating func append(_ cells: [String]) {
        var row = cells.map(Self.singleLine)
        if row.count > columns.count, let lastIndex = columns.indices.last {
            row = Array(row[..<lastIndex]) + [row[lastIndex...].joined(separator: " ")]
        }
        row += Array(repeating: "", count: max(0, columns.count - row.count))
        rows.append(row)
    }

    /// The table as lines joined by newlines, without a trailing newline or trailing spaces.
    public func render() -> String {
        let lines = (showsHeader ? [columns.map(\.title)] : []) + rows
        let widths = columns.indices.map { index in
            lines.map { $0[index].count }.max() ?? 0
        }
        let margin = String(repeating: " ", count: indent)
        return lines.map { cells in
            let padded = columns.indices.map { index in
                Self.pad(cells[index], to: widths[index], alignment: columns[index].alignment)
            }
            return Self.trimmingTrailingSpaces(margin + padded.joined(separator: gap))
        }.joined(separator: "\n")
    }

    private static func pad(_ text: String, to width: Int, alignment: Alignment) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return alignment == .left ? text + fill : fill + text
    }

    private static func singleLine(_ text: String) -> String {
        TerminalText.escaped(String(text.map { $0 == "\n" || $0 == "\r\n" || $0 == "\t" ? " " : $0 }))
    }

    private static func trimmingTrailingSpaces(_ line: String) -> String {
        var line = Substring(line)
        while line.last == " " { line = line.dropLast() }
        return String(line)
    }
}
