import Foundation
import Testing

/// Issue 12 item 11: the shipped site `config/nginx/infusiond-web.conf` passes `nginx -t` as an operator installs it
/// (docs/OPERATIONS.md, The browser station): included in nginx's `http` block, with the certificate, its key, the
/// web socket and the htpasswd file at this machine's paths, and each of the two sign-in choices.
@Suite("Station: the shipped nginx site passes nginx -t")
struct StationNginxSiteTests {
    static let site = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: "config/nginx/infusiond-web.conf")

    static var available: Bool {
        ["/usr/sbin/nginx", "/usr/bin/openssl"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The shipped paths and what the test puts in their place.
    static func substitutions(folder: String) -> [(String, String)] {
        [("/etc/ssl/certs/infusion.ward7.example.pem", "\(folder)/cert.pem"),
         ("/etc/ssl/private/infusion.ward7.example.key", "\(folder)/key.pem"),
         ("/run/infusiond/web.sock", "\(folder)/web.sock"),
         ("/etc/nginx/infusiond.htpasswd", "\(folder)/htpasswd")]
    }

    /// The site with one sign-in: as shipped (`auth_request`), or with the auth_request block commented out and
    /// the documented auth_basic lines (`    #   …` under "choice 2") taken in.
    static func variant(_ text: String, signIn: String) -> String {
        guard signIn == "auth_basic" else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if ["auth_request /", "auth_request_set ", "error_page 401 "].contains(where: { trimmed.hasPrefix($0) }) && !line.hasPrefix("        ") {
                return "    # " + trimmed
            }
            if line.hasPrefix("    #   ") { return "    " + line.dropFirst(8) }
            return String(line)
        }.joined(separator: "\n")
    }

    @Test("nginx -t accepts the site with each sign-in choice",
          .enabled(if: TestEnvironment.runs(available), "needs nginx and openssl (apt-get install nginx openssl; scripts/test installs them)"),
          arguments: ["auth_request", "auth_basic"])
    func configTest(signIn: String) async throws {
        let folder = "/tmp/ng-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let certificate = try await DaemonProcess.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=infusion.ward7.example",
            "-keyout", "\(folder)/key.pem", "-out", "\(folder)/cert.pem",
        ])
        #expect(certificate.status == 0, "openssl: \(certificate.stderr)")
        try "nurse-042:$apr1$x$y\n".write(toFile: "\(folder)/htpasswd", atomically: true, encoding: .utf8)

        var text = Self.variant(try String(contentsOf: Self.site, encoding: .utf8), signIn: signIn)
        for (shipped, here) in Self.substitutions(folder: folder) {
            // A path the docs name must still be in the site, or the substitution would test nothing.
            #expect(text.contains(shipped), "the site no longer names \(shipped)")
            text = text.replacingOccurrences(of: shipped, with: here)
        }
        if signIn == "auth_basic" {
            #expect(text.contains("\n    auth_basic \"infusiond\";") && !text.contains("\n    auth_request /_auth;"))
        }
        try text.write(toFile: "\(folder)/site.conf", atomically: true, encoding: .utf8)
        try """
            pid \(folder)/nginx.pid;
            error_log \(folder)/error.log;
            events { worker_connections 64; }
            http { include \(folder)/site.conf; }
            """.write(toFile: "\(folder)/nginx.conf", atomically: true, encoding: .utf8)

        let result = try await DaemonProcess.run("/usr/sbin/nginx", ["-t", "-c", "\(folder)/nginx.conf", "-p", folder, "-e", "\(folder)/error.log"])
        #expect(result.status == 0, "nginx -t refused the site (\(signIn)):\n\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("test is successful"))
        #expect(!result.stderr.contains("[emerg]"))
    }
}
