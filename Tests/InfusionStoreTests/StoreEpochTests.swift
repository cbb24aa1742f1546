import Foundation
import GRDB
import InfusionCore
import InfusionStore
import Testing

/// The store epoch: carried on from start to start, new after every restore (`database.restore`,
/// `audit.forkConfirmed`), the same however often the start after a restore is tried.
@Suite("Store epoch")
struct StoreEpochTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// Records a start that names `epoch`, as the daemon does.
    static func start(_ store: ClinicalStore, epoch: String?) async throws {
        var detail: [String: JSONValue] = ["version": "test"]
        if let epoch { detail["storeEpoch"] = .string(epoch) }
        _ = try await store.recordDaemonEvent("daemon.start", detail: .object(detail), now: now)
    }

    @Test("a new database gets an epoch; the starts after it carry it on, through heartbeats, stops and unclean stops")
    func carriedOn() async throws {
        let store = try StoreFixtures.store()
        let (first, new) = try await store.resolveStoreEpoch()
        #expect(new)
        #expect(first.count == 16)
        try await Self.start(store, epoch: first)
        for action in ["daemon.heartbeat", "daemon.stop", "daemon.uncleanStop"] {
            _ = try await store.recordDaemonEvent(action, detail: [:], now: Self.now)
            let (epoch, isNew) = try await store.resolveStoreEpoch()
            #expect(epoch == first, "after \(action)")
            #expect(!isNew)
        }
    }

    @Test("every restore and confirmed fork begins a new epoch, the same one until the next start records it", arguments: [
        "database.restore", "audit.forkConfirmed",
    ])
    func newAfterRestore(action: String) async throws {
        let store = try StoreFixtures.store()
        let (first, _) = try await store.resolveStoreEpoch()
        try await Self.start(store, epoch: first)
        _ = try await store.recordDaemonEvent(action, detail: ["backup": "b.sqlite"], now: Self.now)
        let (second, new) = try await store.resolveStoreEpoch()
        #expect(new)
        #expect(second != first)
        // A start refused or killed before its daemon.start record tries again and gets the same epoch.
        #expect(try await store.resolveStoreEpoch().epoch == second)
        try await Self.start(store, epoch: second)
        #expect(try await store.resolveStoreEpoch() == (second, false))
        _ = try await store.recordDaemonEvent(action, detail: ["backup": "c.sqlite"], now: Self.now)
        let (third, _) = try await store.resolveStoreEpoch()
        #expect(third != second && third != first)
    }

    @Test("a start from before epochs, or a record that merely mentions a start, does not pass an epoch on")
    func legacyAndMentions() async throws {
        let store = try StoreFixtures.store()
        try await Self.start(store, epoch: nil)
        let (derived, new) = try await store.resolveStoreEpoch()
        #expect(new)
        try await Self.start(store, epoch: derived)
        // A record whose bytes contain "daemon.start" (here a key of its detail) is not a start.
        _ = try await store.recordDaemonEvent("hook.deliver", detail: ["daemon.start": "mentioned"], now: Self.now)
        #expect(try await store.resolveStoreEpoch() == (derived, false))
    }
}
