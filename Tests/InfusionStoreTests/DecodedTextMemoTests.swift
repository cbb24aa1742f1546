import Synchronization
import Testing
@testable import InfusionStore

@Suite("Decoded-text memo")
struct DecodedTextMemoTests {
    struct Unreadable: Error {}

    /// Counts how often the memo really decodes.
    final class CountingDecoder: Sendable {
        let calls = Mutex(0)
        func decode(_ text: String) throws -> Int {
            calls.withLock { $0 += 1 }
            guard let value = Int(text) else { throw Unreadable() }
            return value
        }
        var count: Int { calls.withLock { $0 } }
    }

    @Test("the same text is decoded once; a different text is decoded on its own")
    func decodesOncePerText() throws {
        let memo = DecodedTextMemo<Int>(capacity: 10)
        let decoder = CountingDecoder()
        #expect(try memo.value(for: "41", decode: decoder.decode) == 41)
        #expect(try memo.value(for: "41", decode: decoder.decode) == 41)
        #expect(decoder.count == 1)
        #expect(try memo.value(for: "42", decode: decoder.decode) == 42)
        #expect(decoder.count == 2)
    }

    @Test("a text that fails to decode throws every time and is not remembered")
    func failuresAreNotRemembered() {
        let memo = DecodedTextMemo<Int>(capacity: 10)
        let decoder = CountingDecoder()
        #expect(throws: Unreadable.self) { try memo.value(for: "x", decode: decoder.decode) }
        #expect(throws: Unreadable.self) { try memo.value(for: "x", decode: decoder.decode) }
        #expect(decoder.count == 2)
        #expect(memo.count == 0)
    }

    @Test("at capacity it starts again empty, and still answers correctly")
    func bounded() throws {
        let memo = DecodedTextMemo<Int>(capacity: 3)
        let decoder = CountingDecoder()
        for value in 1...3 { _ = try memo.value(for: String(value), decode: decoder.decode) }
        #expect(memo.count == 3)
        #expect(try memo.value(for: "4", decode: decoder.decode) == 4)
        #expect(memo.count == 1)
        #expect(try memo.value(for: "1", decode: decoder.decode) == 1)
        #expect(decoder.count == 5)
    }
}
