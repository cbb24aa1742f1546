import InfusionCore
import InfusionStore

extension StorageFault {
    /// The refusal a client gets: `507 storage.full` or `503 storage.unavailable`.
    public var problem: Problem {
        switch self {
        case .full:
            Problem(status: 507, code: "storage.full", title: "Disk full: not stored",
                    detail: "The daemon's disk is full, so this request was not stored; everything acknowledged before it is safe. Tell the operator to free space on the volume holding the database, keep the record on paper meanwhile, and send the same request again (same eventId) once writes are accepted.")
        case .unavailable(let reason):
            Problem(status: 503, code: "storage.unavailable", title: "Storage failing: not stored",
                    detail: "The daemon cannot write to its database (\(reason)), so this request was not stored; everything acknowledged before it is safe. Tell the operator, keep the record on paper meanwhile, and send the same request again (same eventId) later.")
        }
    }
}
