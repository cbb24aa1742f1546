import Foundation
import GRDB
import InfusionCore

/// Row mapping between the tables and the domain values.
enum Rows {
    static func time(_ date: Date) -> String { WireJSON.formatTimestamp(date) }

    static func date(_ text: String?) -> Date? { text.flatMap(WireJSON.parseTimestamp) }

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try WireJSON.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try WireJSON.decoder().decode(type, from: Data(text.utf8))
    }

    /// `decode` as a function of the text, for memos.
    static func decoder<T: Decodable>() -> (String) throws -> T {
        { text in try decode(T.self, text) }
    }

    /// A column that must hold a stored time.
    static func requiredDate(_ row: Row, _ column: String) throws -> Date {
        try row.time(Column(column))
    }
}
