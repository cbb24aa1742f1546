import Foundation
import Testing
@testable import InfusionClient

/// The journal behind the resend after a restore: what it hands out when the store epoch changes, once each, and
/// what it keeps.
@Suite("Observation journal")
struct ObservationJournalTests {
    static func entry(_ epoch: String?, at time: Date = Date(), session: UUID = UUID()) -> ObservationJournal.Entry {
        ObservationJournal.Entry(sessionId: session, eventId: UUID(), body: Data("{}".utf8), acknowledgedAt: time, epoch: epoch)
    }

    @Test("the first epoch is learnt; a change hands out what the old epoch acknowledged, oldest first, to one caller")
    func changeHandsOutOnce() {
        let journal = ObservationJournal()
        #expect(journal.observeEpoch("A") == nil)
        let first = Self.entry("A")
        let second = Self.entry("A")
        #expect(!journal.record(first))
        #expect(!journal.record(second))
        #expect(journal.observeEpoch("A") == nil)
        let handed = journal.observeEpoch("B")
        #expect(handed?.previous == "A")
        #expect(handed?.entries.map(\.eventId) == [first.eventId, second.eventId])
        // A concurrent caller that sees the same new epoch gets nothing: the entries are in flight.
        #expect(journal.observeEpoch("B") == nil)
        journal.finish(held: [first.eventId, second.eventId], refused: [], all: [first.eventId, second.eventId], epoch: "B")
        #expect(journal.observeEpoch("B") == nil)
        #expect(journal.entries.allSatisfy { $0.epoch == "B" })
    }

    @Test("refused entries are dropped; entries that could not be sent go again with the next answer")
    func failures() {
        let journal = ObservationJournal()
        let lost = Self.entry("A")
        let unsent = Self.entry("A")
        _ = journal.record(lost)
        _ = journal.record(unsent)
        let handed = journal.observeEpoch("B")
        #expect(handed?.entries.count == 2)
        journal.finish(held: [], refused: [lost.eventId], all: [lost.eventId, unsent.eventId], epoch: "B")
        #expect(journal.entries.map(\.eventId) == [unsent.eventId])
        #expect(journal.observeEpoch("B")?.entries.map(\.eventId) == [unsent.eventId])
    }

    @Test("an answer from the old epoch recorded after the change is flagged for resending at once")
    func overtaken() {
        let journal = ObservationJournal()
        _ = journal.observeEpoch("A")
        _ = journal.observeEpoch("B")
        #expect(journal.record(Self.entry("A")))
        #expect(!journal.record(Self.entry("B")))
        #expect(!journal.record(Self.entry(nil)))
    }

    @Test("entries older than the window, and beyond the capacity, are let go", arguments: [
        (899.0, true), (901.0, false),
    ])
    func window(age: Double, kept: Bool) {
        let journal = ObservationJournal(window: .seconds(900))
        let now = Date()
        let old = Self.entry("A", at: now.addingTimeInterval(-age))
        _ = journal.record(old, now: now.addingTimeInterval(-age))
        _ = journal.record(Self.entry("A", at: now), now: now)
        #expect(journal.entries.contains { $0.eventId == old.eventId } == kept)
    }

    @Test("capacity")
    func capacity() {
        let journal = ObservationJournal(capacity: 3)
        let entries = (0..<5).map { _ in Self.entry("A") }
        for entry in entries { _ = journal.record(entry) }
        #expect(journal.entries.map(\.eventId) == entries.suffix(3).map(\.eventId))
    }
}
