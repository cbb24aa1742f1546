import Synchronization

/// Remembers what stored JSON texts decoded to, so the documents read on every request (the session, the events
/// its rules look back at) are parsed once rather than on every observation.
///
/// Decoding is a pure function of the text, and the key is the whole text, so an entry can never be stale: a row
/// that changed has a different text, and a text remembered from a transaction that later rolled back still
/// decodes to the same value. Texts are remembered when first decoded, never seeded from the value that was
/// encoded: stored dates have millisecond precision, so that value can differ from what the text decodes to. The
/// memo is bounded: past `capacity` entries it starts again empty.
final class DecodedTextMemo<Value: Sendable>: Sendable {
    private let entries = Mutex<[String: Value]>([:])
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The value `text` decodes to, from memory or by calling `decode` (and remembering its answer).
    func value(for text: String, decode: (String) throws -> Value) throws -> Value {
        if let known = entries.withLock({ $0[text] }) { return known }
        let value = try decode(text)
        remember(value, for: text)
        return value
    }

    /// Records that `text` is the encoding of `value`.
    func remember(_ value: Value, for text: String) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[text] = value
        }
    }

    /// How many texts are remembered (for tests).
    var count: Int { entries.withLock { $0.count } }
}
