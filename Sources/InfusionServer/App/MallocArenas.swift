#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// glibc gives each busy thread its own malloc arena (up to 8 per core), and freed memory stays spread over them:
/// under a long load the daemon's resident memory kept growing with the number of observations handled (55 →
/// 121 MiB over 40,000 in the memory benchmark) although nothing it keeps grew. Two arenas hold it level
/// (72 MiB after 20,000) at the same throughput. An operator's own `MALLOC_ARENA_MAX` wins.
public enum MallocArenas {
    /// The arena limit set when the environment does not set one.
    public static let defaultLimit: Int32 = 2

    /// Limits glibc's malloc arenas; call before the server starts its threads. Returns whether the limit was set
    /// (false when the environment sets its own, or where there is no glibc).
    @discardableResult
    public static func limit(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        #if canImport(Glibc)
        guard environment["MALLOC_ARENA_MAX"] == nil else { return false }
        // <malloc.h> is not in the Glibc module, so mallopt is looked up by name (RTLD_DEFAULT is a null handle).
        guard let symbol = dlsym(nil, "mallopt") else { return false }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let arenaMax: Int32 = -8  // M_ARENA_MAX
        return unsafeBitCast(symbol, to: Mallopt.self)(arenaMax, defaultLimit) == 1
        #else
        return false
        #endif
    }
}
