import Foundation
import InfusionCore
@testable import InfusionServer
import InfusionStore
import Logging
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Hook delivery from the outbox (order, delivery ids, retry with backoff, give-up, onStop independent of onAlert)
/// and the hook process itself (timeout over the whole run, process group killed, child reaped).
@Suite("Hook delivery and hook processes")
struct HookDeliveryTests {
    static func folder() throws -> String {
        let path = "/tmp/hk-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func state(hooks: HookConfiguration) throws -> ServerState {
        let store = ClinicalStore(database: try ClinicalDatabase(), notifiedHooks: Set(hooks.configured.map(\.name)))
        return ServerState(store: store, ruleSet: try ProfileLoader.load(directory: nil), version: "test")
    }

    /// Starts `count` sessions and pauses each with tinnitus (L10): one `onAlert` and one `onStop` notice each.
    static func pauseSessions(_ state: ServerState, count: Int) async throws {
        for index in 0..<count {
            let session = try await state.store.startSession(
                StartSessionRequest(patientId: "MRN-H\(index)", drug: .lidocaine, weightKg: 70, dosingWeight: .actual,
                                    infusion: InfusionOrder(rateMgPerKgPerHour: 1), prescriber: "clin-017",
                                    recordedBy: "nurse-042", baseline: RouterHarness.baseline),
                ruleSet: state.ruleSet, actor: .daemon, now: Date())
            let (paused, _) = try await state.store.recordObservation(
                sessionId: session.id, request: ObservationRequest(observedAt: Date(), recordedBy: "nurse-042", symptoms: [.tinnitus]),
                ruleSet: state.ruleSet, actor: .daemon, now: Date())
            #expect(paused.session.state == .paused)
        }
    }

    static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    static func hookAudit(_ state: ServerState) async throws -> [AuditRecord] {
        try await state.store.auditPage(after: 0, limit: 10_000).records.map(\.record).filter { $0.action.hasPrefix("hook.") }
    }

    static func detail(_ record: AuditRecord, _ key: String) -> JSONValue? {
        guard case .object(let detail) = record.detail else { return nil }
        return detail[key]
    }

    // MARK: Delivery

    @Test("each hook gets its notices in the order they were queued, the delivery id in its input and environment")
    func deliveredInOrder() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let received = "\(folder)/received"
        let command = ["/bin/sh", "-c", "printf '%s %s ' \"$INFUSIOND_DELIVERY_ID\" \"$INFUSIOND_DELIVERY_ATTEMPT\" >> \(received); cat >> \(received)"]
        let hooks = HookConfiguration(onAlert: command, onStop: command)
        let state = try Self.state(hooks: hooks)
        try await Self.pauseSessions(state, count: 4)
        let queued = try await state.store.pendingHookNotices()
        let runner = HookRunner(state: state, hooks: hooks, logger: Logger(label: "test"))

        await runner.deliverPending(.onAlert, command)
        await runner.deliverPending(.onStop, command)

        let lines = Self.lines(received)
        #expect(lines.map { String($0.split(separator: " ")[0]) } == queued.map(\.deliveryId))
        #expect(queued.filter { $0.hook == .onAlert }.map(\.deliveryId) == (1...4).map { "alert-event-\($0)" })
        for line in lines {
            let parts = line.split(separator: " ", maxSplits: 2).map(String.init)
            #expect(parts[1] == "1")
            let payload = try JSONSerialization.jsonObject(with: Data(parts[2].utf8)) as? [String: Any]
            #expect(payload?["deliveryId"] as? String == parts[0])
        }
        #expect(try await state.store.pendingHookNotices().isEmpty)
        let audit = try await Self.hookAudit(state)
        #expect(audit.map(\.action) == Array(repeating: "hook.deliver", count: 8))
        #expect(audit.compactMap { Self.detail($0, "deliveryId")?.stringValue } == queued.map(\.deliveryId))
    }

    @Test("a failing notice is retried after a doubling, capped wait, then given up; the next one follows it")
    func retryBackoffGiveUp() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let command = ["/bin/sh", "-c", """
            date +%s.%N >> \(folder)/runs-$INFUSIOND_DELIVERY_ID
            [ "$INFUSIOND_DELIVERY_ID" != alert-event-1 ] || exit 3
            echo "$INFUSIOND_DELIVERY_ID" >> \(folder)/delivered
            """]
        let hooks = HookConfiguration(onAlert: command, maxAttempts: 3, retryInitialSeconds: 0.2, retryMaxSeconds: 0.3)
        let state = try Self.state(hooks: hooks)
        try await Self.pauseSessions(state, count: 2)
        #expect(try await state.store.pendingHookNotices().map(\.hook) == [.onAlert, .onAlert])

        await HookRunner(state: state, hooks: hooks, logger: Logger(label: "test")).deliverPending(.onAlert, command)

        let runs = Self.lines("\(folder)/runs-alert-event-1").compactMap(Double.init)
        #expect(runs.count == 3)
        if runs.count == 3 {
            // The waits really happen (the audit below shows their lengths: 0.2 s, then 0.4 s capped at 0.3 s).
            #expect(runs[1] - runs[0] >= 0.2 && runs[1] - runs[0] < 20)
            #expect(runs[2] - runs[1] >= 0.3 && runs[2] - runs[1] < 20)
        }
        #expect(Self.lines("\(folder)/delivered") == ["alert-event-2"])
        #expect(try await state.store.pendingHookNotices().isEmpty)
        let audit = try await Self.hookAudit(state)
        #expect(audit.map(\.action) == ["hook.retry", "hook.retry", "hook.giveUp", "hook.deliver"])
        #expect(audit.compactMap { Self.detail($0, "attempt") } == [1, 2, 3, 1])
        #expect(audit.compactMap { Self.detail($0, "retryInSeconds") } == [0.2, 0.3])
        #expect(audit.prefix(3).allSatisfy { Self.detail($0, "result") == "exited 3" && $0.outcome == "failure" })
        #expect(audit.last.flatMap { Self.detail($0, "deliveryId") } == "alert-event-2")
    }

    @Test("the wait before retry n doubles from retryInitialSeconds up to retryMaxSeconds", arguments: [
        (1, 1.0), (2, 2.0), (3, 4.0), (6, 32.0), (7, 60.0), (8, 60.0), (1000, 60.0),
    ])
    func retryDelays(attempt: Int, seconds: Double) {
        #expect(HookConfiguration().retryDelay(afterAttempt: attempt) == .milliseconds(Int64(seconds * 1000)))
        #expect(HookConfiguration(retryInitialSeconds: 0.5, retryMaxSeconds: 2).retryDelay(afterAttempt: attempt)
                == .milliseconds(Int64(min(seconds / 2, 2) * 1000)))
    }

    @Test("defaults: 10 runs, 10 s timeout; a hook section with bad retry settings is refused", arguments: [
        ("hooks:\n  maxAttempts: 0\n", 2, "hooks.maxAttempts"),
        ("hooks:\n  retryInitialSeconds: 0\n", 2, "hooks.retryInitialSeconds"),
        ("hooks:\n  retryMaxSeconds: 7200\n", 2, "hooks.retryMaxSeconds"),
        ("hooks:\n  retryInitialSeconds: 5\n  retryMaxSeconds: 2\n", 3, "hooks.retryMaxSeconds"),
    ])
    func retrySettings(yaml: String, line: Int, message: String) throws {
        #expect(HookConfiguration().resolvedMaxAttempts == 10 && HookConfiguration().resolvedTimeout == .seconds(10))
        #expect {
            _ = try DaemonConfiguration.parse(yaml, file: "d.yaml")
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.line == line && error.message.contains(message)
        }
    }

    @Test("a slow onAlert hook does not hold up onStop; a shutdown kills the running hook and keeps its notice, uncounted")
    func stopIndependentOfAlerts() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let alertHook = ["/bin/sh", "-c", "echo $$ > \(folder)/alert-pid; exec sleep 30"]
        let stopHook = ["/bin/sh", "-c", "echo \"$INFUSIOND_DELIVERY_ID\" >> \(folder)/stops"]
        let hooks = HookConfiguration(onAlert: alertHook, onStop: stopHook, timeoutSeconds: 60)
        let state = try Self.state(hooks: hooks)
        let runner = HookRunner(state: state, hooks: hooks, logger: Logger(label: "test"))
        let delivery = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await runner.deliverForever(.onAlert, alertHook) }
                group.addTask { await runner.deliverForever(.onStop, stopHook) }
            }
        }
        try await Self.pauseSessions(state, count: 2)
        let started = ContinuousClock.now
        while Self.lines("\(folder)/stops").count < 2 && ContinuousClock.now - started < .seconds(20) {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(Self.lines("\(folder)/stops").count == 2)
        // The deliveries are recorded just after the hook exits.
        while try await state.store.pendingHookNotices().contains(where: { $0.hook == .onStop }) && ContinuousClock.now - started < .seconds(20) {
            try await Task.sleep(for: .milliseconds(20))
        }
        // Both stops went while the first alert notice was still undelivered (its hook sleeps 30 s).
        #expect(try await state.store.pendingHookNotices().map(\.deliveryId) == ["alert-event-1", "alert-event-2"])
        #expect(ContinuousClock.now - started < .seconds(25))
        while Self.lines("\(folder)/alert-pid").isEmpty && ContinuousClock.now - started < .seconds(20) {
            try await Task.sleep(for: .milliseconds(20))
        }
        let alertPid = try #require(Self.lines("\(folder)/alert-pid").first.flatMap { pid_t($0) })
        #expect(Self.isRunning(alertPid))

        let cancelled = ContinuousClock.now
        delivery.cancel()
        await delivery.value
        #expect(ContinuousClock.now - cancelled < .seconds(20))
        #expect(try await Self.eventuallyGone(alertPid))
        let pending = try await state.store.pendingHookNotices()
        #expect(pending.map(\.deliveryId) == ["alert-event-1", "alert-event-2"])
        #expect(pending.allSatisfy { $0.attempts == 0 })
        #expect(try await Self.hookAudit(state).map(\.action) == ["hook.deliver", "hook.deliver"])
    }

    // MARK: The hook process

    /// Whether `pid` is a live process (a zombie waiting to be reaped by someone else counts as gone).
    static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let state = stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).first else { return false }
        return state != "Z" && state != "X"
    }

    static func eventuallyGone(_ pid: pid_t) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while isRunning(pid) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return !isRunning(pid)
    }

    @Test("the timeout covers writing the input: a hook that never reads 1 MB is killed at the timeout")
    func timeoutIncludesInput() async throws {
        let started = ContinuousClock.now
        let run = await HookCommand.execute(["/bin/sh", "-c", "sleep 10"], input: Data(repeating: 65, count: 1_000_000),
                                            timeout: .milliseconds(500))
        let took = ContinuousClock.now - started
        #expect(run.outcome == .timedOut(.milliseconds(500)))
        // The hook's own lifetime: the test's clock also counts waiting for this task to be scheduled again, which
        // in a busy test process can take far longer than the hook did.
        #expect(run.duration >= .milliseconds(500) && run.duration < .seconds(2),
                "the hook ran \(run.duration) (the test waited \(took))")
    }

    @Test("a hook that reads gets all of a large input")
    func largeInputDelivered() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let input = Data((0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 % 251) })
        let outcome = await HookCommand.run(["/bin/sh", "-c", "cat > \(folder)/input"], input: input, timeout: .seconds(30))
        #expect(outcome == .succeeded)
        #expect(FileManager.default.contents(atPath: "\(folder)/input") == input)
    }

    @Test("whatever a hook leaves running in its process group is killed with it, and the hook itself is reaped",
          arguments: [("wait", true), ("exit 0", false)])
    func processGroupKilled(ending: String, timesOut: Bool) async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let outcome = await HookCommand.run(
            ["/bin/sh", "-c", "echo $$ > \(folder)/hook; sleep 100 & echo $! > \(folder)/grandchild; \(ending)"],
            input: Data(), timeout: .milliseconds(500))
        #expect(outcome == (timesOut ? .timedOut(.milliseconds(500)) : .succeeded))
        let grandchild = try #require(Self.lines("\(folder)/grandchild").first.flatMap { pid_t($0) })
        #expect(try await Self.eventuallyGone(grandchild), "the hook's background process \(grandchild) outlived it")
        let hook = try #require(Self.lines("\(folder)/hook").first.flatMap { pid_t($0) })
        var status: Int32 = 0
        // Reaped already: not a child of this process any more (no zombie left behind).
        #expect(waitpid(hook, &status, WNOHANG) == -1 && errno == ECHILD)
    }

    @Test("a hook runs in its own process group with SIGPIPE at its default and the delivery environment")
    func ownProcessGroup() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let outcome = await HookCommand.run(
            ["/bin/sh", "-c", "cat /proc/$$/stat > \(folder)/stat; grep SigIgn /proc/$$/status > \(folder)/ignored; echo \"$INFUSIOND_DELIVERY_ID\" > \(folder)/id"],
            input: Data(), timeout: .seconds(10), environment: ["INFUSIOND_DELIVERY_ID": "stop-7"])
        #expect(outcome == .succeeded)
        #expect(Self.lines("\(folder)/id") == ["stop-7"])
        // /proc/<pid>/stat: "pid (name) state ppid pgrp ..."
        let stat = Self.lines("\(folder)/stat").first ?? ""
        let pid = pid_t(stat.split(separator: " ").first ?? "")
        let fields = (stat.split(separator: ")").last ?? "").split(separator: " ")
        let group = fields.count > 2 ? pid_t(fields[2]) : nil
        #expect(pid != nil && group == pid, "pid \(String(describing: pid)), process group \(String(describing: group))")
        #expect(group != getpgrp())
        // SIGPIPE is bit 13 of the ignored-signals mask.
        let ignored = UInt64((Self.lines("\(folder)/ignored").first ?? "").split(separator: "\t").last ?? "", radix: 16) ?? 0
        #expect(ignored & (1 << 12) == 0)
    }
}
