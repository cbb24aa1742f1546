import Foundation
import InfusionStore
import Logging
import Synchronization

/// Remembers whether writes are failing for a storage reason, so the transition is logged once at error (and its
/// end at notice), the health view can say `degraded`, and metrics count each refused write.
public final class StorageMonitor: Sendable {
    private let failing = Mutex<(fault: StorageFault, since: Date)?>(nil)

    public init() {}

    /// The fault in force and since when, or nil while writes succeed.
    public var current: (fault: StorageFault, since: Date)? { failing.withLock { $0 } }

    /// `ok`, or `degraded` while writes fail for a storage reason.
    public var healthStatus: String { current == nil ? "ok" : "degraded" }

    /// Records a refused write; logs at error when the fault is new or changed.
    func recordFault(_ fault: StorageFault, now: Date, logger: Logger) {
        let isNew = failing.withLock { state -> Bool in
            defer { if state?.fault != fault { state = (fault, now) } }
            return state?.fault != fault
        }
        guard isNew else { return }
        switch fault {
        case .full:
            logger.error("database disk is full: writes are refused with 507 until space is freed; reads and alerts continue")
        case .unavailable(let reason):
            logger.error("database storage is failing: writes are refused with 503; reads may fail too", metadata: ["infusion.error": "\(reason)"])
        }
    }

    /// Records a successful write; logs at notice when it ends a fault.
    func recordSuccess(logger: Logger) {
        let ended = failing.withLock { state -> (fault: StorageFault, since: Date)? in
            defer { state = nil }
            return state
        }
        if let ended {
            logger.notice("database writes succeed again", metadata: ["infusion.storage.fault": "\(ended.fault.kind)", "infusion.storage.since": "\(ended.since)"])
        }
    }
}
