import Foundation

/// Builds the ``JSONValue`` of an `Encodable` directly, with the wire conventions of ``WireJSON`` (times as
/// RFC 3339 text with milliseconds, UUIDs as text, non-finite numbers refused), without writing JSON text and
/// reading it back. The store uses it for the body an answer carries, which it already has as stored text.
/// `JSONValue(encoding: x)` equals `WireJSON.decoder().decode(JSONValue.self, from: WireJSON.encode(x))`.
extension JSONValue {
    public init(encoding value: some Encodable) throws {
        self = try JSONValueEncoding.encode(value, codingPath: [])
    }
}

enum JSONValueEncoding {
    /// A value under construction; containers share it by reference, as JSONEncoder's do.
    final class Slot {
        var value: JSONValue?
        var object: [String: Slot]?
        var array: [Slot]?

        func resolved() -> JSONValue {
            if let object { return .object(object.mapValues { $0.resolved() }) }
            if let array { return .array(array.map { $0.resolved() }) }
            return value ?? .object([:])
        }
    }

    static func encode(_ value: some Encodable, codingPath: [any CodingKey]) throws -> JSONValue {
        if let direct = try primitive(value, codingPath: codingPath) { return direct }
        let slot = Slot()
        try value.encode(to: Encoder(slot: slot, codingPath: codingPath))
        return slot.resolved()
    }

    /// The values JSONEncoder writes itself rather than asking them to encode: times by the wire strategy, and
    /// numbers, which must be finite.
    static func primitive(_ value: some Encodable, codingPath: [any CodingKey]) throws -> JSONValue? {
        switch value {
        case let date as Date: return .string(WireJSON.formatTimestamp(date))
        case let number as Double: return try finite(number, codingPath: codingPath)
        case let number as Float: return try finite(Double(number), codingPath: codingPath)
        case let url as URL: return .string(url.absoluteString)
        default: return nil
        }
    }

    static func finite(_ number: Double, codingPath: [any CodingKey]) throws -> JSONValue {
        guard number.isFinite else {
            throw EncodingError.invalidValue(number, .init(codingPath: codingPath, debugDescription: "Unable to encode \(number) directly in JSON."))
        }
        return .number(number)
    }

    struct Encoder: Swift.Encoder {
        let slot: Slot
        let codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if slot.object == nil { slot.object = [:] }
            return KeyedEncodingContainer(Keyed<Key>(slot: slot, codingPath: codingPath))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if slot.array == nil { slot.array = [] }
            return Unkeyed(slot: slot, codingPath: codingPath)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(slot: slot, codingPath: codingPath) }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let slot: Slot
        let codingPath: [any CodingKey]

        private func put(_ value: JSONValue, _ key: Key) {
            let child = Slot()
            child.value = value
            slot.object?[key.stringValue] = child
        }

        mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
        mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
        mutating func encode(_ value: Double, forKey key: Key) throws { put(try finite(value, codingPath: codingPath + [key]), key) }
        mutating func encode(_ value: Float, forKey key: Key) throws { put(try finite(Double(value), codingPath: codingPath + [key]), key) }
        mutating func encode(_ value: Int, forKey key: Key) throws { put(.number(Double(value)), key) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { put(.number(Double(value)), key) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { put(.number(Double(value)), key) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { put(.number(Double(value)), key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { put(.number(Double(value)), key) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { put(.number(Double(value)), key) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { put(.number(Double(value)), key) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { put(.number(Double(value)), key) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { put(.number(Double(value)), key) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { put(.number(Double(value)), key) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            put(try JSONValueEncoding.encode(value, codingPath: codingPath + [key]), key)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey> {
            let child = Slot()
            child.object = [:]
            slot.object?[key.stringValue] = child
            return KeyedEncodingContainer(Keyed<NestedKey>(slot: child, codingPath: codingPath + [key]))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let child = Slot()
            child.array = []
            slot.object?[key.stringValue] = child
            return Unkeyed(slot: child, codingPath: codingPath + [key])
        }

        mutating func superEncoder() -> any Swift.Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

        mutating func superEncoder(forKey key: Key) -> any Swift.Encoder {
            let child = Slot()
            slot.object?[key.stringValue] = child
            return Encoder(slot: child, codingPath: codingPath + [key])
        }
    }

    struct IndexKey: CodingKey {
        var stringValue: String { "Index \(intValue ?? 0)" }
        var intValue: Int?
        init(_ index: Int) { intValue = index }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.intValue = intValue }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let slot: Slot
        let codingPath: [any CodingKey]
        var count: Int { slot.array?.count ?? 0 }

        private func append(_ value: JSONValue) {
            let child = Slot()
            child.value = value
            slot.array?.append(child)
        }

        mutating func encodeNil() throws { append(.null) }
        mutating func encode(_ value: Bool) throws { append(.bool(value)) }
        mutating func encode(_ value: String) throws { append(.string(value)) }
        mutating func encode(_ value: Double) throws { append(try finite(value, codingPath: codingPath + [IndexKey(count)])) }
        mutating func encode(_ value: Float) throws { append(try finite(Double(value), codingPath: codingPath + [IndexKey(count)])) }
        mutating func encode(_ value: Int) throws { append(.number(Double(value))) }
        mutating func encode(_ value: Int64) throws { append(.number(Double(value))) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            append(try JSONValueEncoding.encode(value, codingPath: codingPath + [IndexKey(count)]))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let child = Slot()
            child.object = [:]
            let path = codingPath + [IndexKey(count)]
            slot.array?.append(child)
            return KeyedEncodingContainer(Keyed<NestedKey>(slot: child, codingPath: path))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let child = Slot()
            child.array = []
            let path = codingPath + [IndexKey(count)]
            slot.array?.append(child)
            return Unkeyed(slot: child, codingPath: path)
        }

        mutating func superEncoder() -> any Swift.Encoder {
            let child = Slot()
            let path = codingPath + [IndexKey(count)]
            slot.array?.append(child)
            return Encoder(slot: child, codingPath: path)
        }
    }

    struct Single: SingleValueEncodingContainer {
        let slot: Slot
        let codingPath: [any CodingKey]

        mutating func encodeNil() throws { slot.value = .null }
        mutating func encode(_ value: Bool) throws { slot.value = .bool(value) }
        mutating func encode(_ value: String) throws { slot.value = .string(value) }
        mutating func encode(_ value: Double) throws { slot.value = try finite(value, codingPath: codingPath) }
        mutating func encode(_ value: Float) throws { slot.value = try finite(Double(value), codingPath: codingPath) }
        mutating func encode(_ value: Int) throws { slot.value = .number(Double(value)) }
        mutating func encode(_ value: Int8) throws { slot.value = .number(Double(value)) }
        mutating func encode(_ value: Int16) throws { slot.value = .number(Double(value)) }
        mutating func encode(_ value: Int32) throws { slot.value = .number(Double(value)) }
        mutating func encode(_ value: Int64) throws { slot.value = .number(Double(value)) }
        mutating func encode(_ value: UInt) throws { slot.value = .number(Double(value)) }
        mutating func encode(_ value: UInt8) throws { slot.value = .number(Double(value)) }
        mutating func encode(_ value: UInt16) throws { slot.value = .number(Double(value)) }
        mutating func encode(_ value: UInt32) throws { slot.value = .number(Double(value)) }
        mutating func encode(_ value: UInt64) throws { slot.value = .number(Double(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            let encoded = try JSONValueEncoding.encode(value, codingPath: codingPath)
            slot.value = encoded
        }
    }
}
