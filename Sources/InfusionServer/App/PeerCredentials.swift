import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// The connecting process's identity as the kernel reports it (SO_PEERCRED, SO_PEERGROUPS).
public struct PeerCredentials: Sendable, Hashable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    /// The process's supplementary groups; group 0 is left out (see ``read(from:)``).
    public var groups: [UInt32]

    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32] = []) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// Laid out like Linux's `struct ucred`, which Glibc does not export to Swift.
    struct UCred: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// Room for 256 supplementary groups, as SO_PEERGROUPS writes them.
    struct GroupBuffer: Sendable {
        var gids: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                   UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var more: (GroupBlock, GroupBlock, GroupBlock, GroupBlock, GroupBlock, GroupBlock, GroupBlock) =
            (GroupBlock(), GroupBlock(), GroupBlock(), GroupBlock(), GroupBlock(), GroupBlock(), GroupBlock())

        /// 32 gids.
        struct GroupBlock: Sendable {
            var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        }

        /// The non-zero gids in the buffer. NIO zero-fills the buffer and does not report how much the kernel
        /// wrote, so a trailing 0 cannot be told from padding; the root group is therefore never read from here
        /// (the configuration refuses to map it).
        var nonZeroGroups: [UInt32] {
            withUnsafeBytes(of: self) { raw in
                raw.bindMemory(to: UInt32.self).filter { $0 != 0 }
            }
        }
    }

    /// SO_PEERGROUPS from Linux's `asm-generic/socket.h`; Glibc does not export it to Swift.
    static let peerGroupsOption: Int32 = 59

    /// Reads the peer's credentials from a Unix-socket child channel; nil on other transports.
    static func read(from channel: any Channel) async -> PeerCredentials? {
        (try? await read(on: channel).get()) ?? nil
    }

    /// The same as a future, for channel set-up on the event loop (where the options are read at once).
    static func read(on channel: any Channel) -> EventLoopFuture<PeerCredentials?> {
        #if os(Linux)
        guard let provider = channel as? any SocketOptionProvider else { return channel.eventLoop.makeSucceededFuture(nil) }
        let credentials: EventLoopFuture<UCred> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        return credentials.flatMap { (credentials: UCred) -> EventLoopFuture<PeerCredentials?> in
            // More than 256 groups (ERANGE) or an old kernel: fall back to the primary group alone, which can
            // only grant fewer roles, never more.
            let groups: EventLoopFuture<GroupBuffer> = provider.unsafeGetSocketOption(
                level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(peerGroupsOption))
            return groups.map { Optional($0) }.recover { _ in nil }.map { groups in
                PeerCredentials(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid,
                                groups: groups?.nonZeroGroups ?? [])
            }
        }.recover { _ in nil }
        #else
        return channel.eventLoop.makeSucceededFuture(nil)
        #endif
    }
}
