import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension DaemonConfiguration {
    /// The `web` settings that name things on this host: the proxy account must exist, and `web.socketGroup` must
    /// exist with the daemon in it (so it can give the web socket to that group). Made by `check-config` and at
    /// every start, with the other host checks.
    func checkWebHost(file source: String) throws {
        guard let web else { return }
        if let account = web.proxy?.account, UInt32(account) == nil, AccessPolicy.Directory.system.uid(account) == nil {
            throw ConfigurationError(file: source, line: nil,
                                     message: "web.proxy.account '\(account)' does not exist on this host; name the account the reverse proxy's workers run as (nginx: the 'user' directive, www-data on Debian)")
        }
        if let group = web.socketGroup {
            guard let gid = Self.gid(of: group) else {
                throw ConfigurationError(file: source, line: nil,
                                         message: "web.socketGroup '\(group)' does not exist on this host; create it (groupadd \(group)), put the proxy's account in it, or change web.socketGroup")
            }
            if geteuid() != 0, getegid() != gid, !Self.supplementaryGroups().contains(gid) {
                throw ConfigurationError(file: source, line: nil,
                                         message: "web.socketGroup '\(group)': this account (uid \(geteuid())) is not a member, so it cannot give the web socket to that group; add it to the group (SupplementaryGroups= in the unit)")
            }
        }
    }
}
