import Foundation
import GRDB
import InfusionCore

/// Strict reading of stored columns: a value that is not what the schema promises is a damaged record
/// (``StoredRecordUnreadable``, answered 500 and logged), never a made-up default.
extension Row {
    /// A column that must hold a UUID.
    func uuid(_ column: Column) throws -> UUID {
        guard let text: String = self[column.name], let id = UUID(uuidString: text) else {
            throw StoredRecordUnreadable(what: "\(column.name) \(String(describing: self[column.name] as String?)) is not a UUID")
        }
        return id
    }

    /// A column that must hold a stored time.
    func time(_ column: Column) throws -> Date {
        guard let text: String = self[column.name], let date = WireJSON.parseTimestamp(text) else {
            throw StoredRecordUnreadable(what: "\(column.name) \(String(describing: self[column.name] as String?)) is not a stored time")
        }
        return date
    }

    /// A column that may hold a stored time; a value that is there must parse.
    func optionalTime(_ column: Column) throws -> Date? {
        guard let text: String = self[column.name] else { return nil }
        return try time(column)
    }

    /// A column that must hold one of a type's raw values.
    func raw<T: RawRepresentable>(_ type: T.Type, _ column: Column) throws -> T where T.RawValue == String {
        guard let text: String = self[column.name], let value = T(rawValue: text) else {
            throw StoredRecordUnreadable(what: "\(column.name) \(String(describing: self[column.name] as String?)) is not a \(T.self)")
        }
        return value
    }

    /// A column that must hold text (a stored JSON document or a name).
    func text(_ column: Column) throws -> String {
        guard let text: String = self[column.name] else { throw StoredRecordUnreadable(what: "\(column.name) is empty") }
        return text
    }

    /// A column that must hold an integer.
    func integer(_ column: Column) throws -> Int64 {
        guard let value: Int64 = self[column.name] else { throw StoredRecordUnreadable(what: "\(column.name) is not an integer") }
        return value
    }

    /// A column that must hold 0 or 1.
    func flag(_ column: Column) throws -> Bool {
        guard let value: Int64 = self[column.name], value == 0 || value == 1 else {
            throw StoredRecordUnreadable(what: "\(column.name) is not 0 or 1")
        }
        return value == 1
    }
}

/// How values are written to the columns (the schema's text forms).
enum StoredValue {
    static func time(_ date: Date) -> String { WireJSON.formatTimestamp(date) }
    static func uuid(_ id: UUID) -> String { id.uuidString }
}
