import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Raises the open-file limit so the configured connection limit, not the kernel's default, bounds connections.
enum FileDescriptorLimit {
    static func raise(toAtLeast wanted: Int, logger: Logger) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        let target = min(rlim_t(wanted), limit.rlim_max)
        guard limit.rlim_cur < target else { return }
        limit.rlim_cur = target
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) != 0 || target < rlim_t(wanted) {
            logger.warning("open-file limit is below the connection limit", metadata: [
                "infusion.nofile": "\(target)", "infusion.wanted": "\(wanted)",
            ])
        }
    }
}
