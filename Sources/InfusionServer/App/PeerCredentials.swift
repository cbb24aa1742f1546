import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// The connecting process's identity as the kernel reports it (SO_PEERCRED).
public struct PeerCredentials: Sendable, Hashable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    /// Laid out like Linux's `struct ucred`, which Glibc does not export to Swift.
    struct UCred {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// Reads the peer's credentials from a Unix-socket child channel; nil on other transports.
    static func read(from channel: any Channel) async -> PeerCredentials? {
        #if os(Linux)
        guard let provider = channel as? any SocketOptionProvider else { return nil }
        do {
            let credentials: UCred = try await provider.unsafeGetSocketOption(
                level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)
            ).get()
            return PeerCredentials(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid)
        } catch {
            return nil
        }
        #else
        return nil
        #endif
    }
}
