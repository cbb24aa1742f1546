import Foundation
import Testing

/// What an operator installs: the systemd unit's hardening score and validity on the installed files, the layout
/// scripts/install.sh produces, and the Debian package's metadata and contents against docs/OPERATIONS.md.
/// Uses the binaries `swift build` already made (`--bin-dir`), so no release build is needed here.
@Suite("Deployment: systemd unit, install script, Debian package", .serialized)
struct DeploymentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let analyze = "/usr/bin/systemd-analyze"
    /// Whether systemd-analyze is installed.
    static var hasAnalyze: Bool { FileManager.default.isExecutableFile(atPath: analyze) }

    /// A scratch folder removed by the caller.
    static func scratch() async throws -> String {
        let path = "/tmp/ie-deploy-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The overall exposure `systemd-analyze security --offline=true` prints for a unit file.
    static func exposure(of unit: String, root: String? = nil) async throws -> Double {
        let result = try await DaemonProcess.run(analyze, ["security", "--offline=true", "--no-pager"] + (root.map { ["--root=\($0)"] } ?? []) + [unit])
        let line = (result.stdout + result.stderr).split(separator: "\n").first { $0.contains("Overall exposure level for") }
        guard let line, let number = line.split(separator: ":").last?.split(separator: " ").first, let value = Double(number) else {
            throw DaemonError("no exposure level in: \(result.stdout) \(result.stderr)")
        }
        return value
    }

    /// Adds what `systemd-analyze verify --root` needs besides the package's own files: the host's unit files
    /// (sysinit.target, multi-user.target, …) and the `kill` that ExecReload runs.
    static func completeForVerify(_ root: String) async throws {
        let units = "\(root)/usr/lib/systemd/system"
        try FileManager.default.createDirectory(atPath: units, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/systemd/system")
        where !FileManager.default.fileExists(atPath: "\(units)/\(name)") {
            _ = try await DaemonProcess.run("/bin/cp", ["-a", "/usr/lib/systemd/system/\(name)", "\(units)/\(name)"])
        }
        if !FileManager.default.fileExists(atPath: "\(root)/bin") {
            try FileManager.default.createSymbolicLink(atPath: "\(root)/bin", withDestinationPath: "usr/bin")
        }
        _ = try await DaemonProcess.run("/bin/cp", ["/usr/bin/kill", "\(root)/usr/bin/kill"])
    }

    /// Runs scripts/install.sh with the already built binaries.
    static func install(prefix: String, destdir: String) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await DaemonProcess.run("/bin/bash", ["\(Self.root)/scripts/install.sh", "--prefix", prefix, "--destdir", destdir,
                                            "--bin-dir", DaemonProcess.binaryFolder])
    }

    /// The shipped paths docs/OPERATIONS.md promises (its "Installed files" table).
    static func documentedPaths() async throws -> [String] {
        let text = try String(contentsOfFile: "\(root)/docs/OPERATIONS.md", encoding: .utf8)
        let section = try #require(text.components(separatedBy: "## Installed files").dropFirst().first?
            .components(separatedBy: "Made at run time").first)
        return section.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("| `/") else { return nil }
            return line.dropFirst(3).split(separator: "`").first.map(String.init)
        }
    }

    @Test("systemd-analyze security scores the shipped unit at 2.0 or lower",
          .enabled(if: TestEnvironment.runs(hasAnalyze), "needs systemd-analyze (apt-get install systemd; scripts/test installs it)"))
    func securityScore() async throws {
        let exposure = try await Self.exposure(of: "\(Self.root)/systemd/infusiond.service")
        #expect(exposure <= 2.0, "exposure \(exposure)")
    }

    @Test("installed into a scratch root, the unit passes systemd-analyze verify and still scores 2.0 or lower",
          .enabled(if: TestEnvironment.runs(hasAnalyze), "needs systemd-analyze (apt-get install systemd; scripts/test installs it)"))
    func installedUnitVerifies() async throws {
        let root = try await Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let installed = try await Self.install(prefix: "/usr", destdir: root)
        #expect(installed.status == 0, "\(installed.stderr)")
        try await Self.completeForVerify(root)
        let unit = "\(root)/usr/lib/systemd/system/infusiond.service"
        let verify = try await DaemonProcess.run(Self.analyze, ["verify", "--root=\(root)", unit])
        #expect(verify.status == 0, "\(verify.stderr)")
        // Warnings (unknown keys, bad values) do not change the exit status; none are allowed either.
        #expect(verify.stderr.isEmpty && verify.stdout.isEmpty, "systemd-analyze verify said: \(verify.stdout)\(verify.stderr)")
        #expect(try await Self.exposure(of: unit, root: root) <= 2.0)
        // The unit, sysusers and tmpfiles files agree on the account and the socket group.
        let sysusers = try String(contentsOfFile: "\(root)/usr/lib/sysusers.d/infusiond.conf", encoding: .utf8)
        for group in ["infusiond-clients", "infusiond-station", "infusiond-clinician", "infusiond-auditor", "infusiond-admin", "infusiond-monitor"] {
            #expect(sysusers.contains("g \(group) -"))
        }
        #expect(sysusers.contains("m infusiond infusiond-clients"))
        let unitText = try String(contentsOfFile: unit, encoding: .utf8)
        #expect(unitText.contains("Type=notify") && unitText.contains("WatchdogSec=") && unitText.contains("SupplementaryGroups=infusiond-clients"))
        #expect(!unitText.contains("\nPrivateUsers=yes"))
        let config = try String(contentsOfFile: "\(root)/etc/infusiond/infusiond.yaml", encoding: .utf8)
        #expect(config.contains("socketGroup: infusiond-clients"))
    }

    @Test("install.sh with the default prefix uses /usr/local and /etc, and the unit names the installed binary")
    func installLocalPrefix() async throws {
        let root = try await Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let installed = try await Self.install(prefix: "/usr/local", destdir: root)
        #expect(installed.status == 0, "\(installed.stderr)")
        for path in ["/usr/local/bin/infusiond", "/usr/local/bin/infusionctl", "/etc/systemd/system/infusiond.service",
                     "/etc/sysusers.d/infusiond.conf", "/etc/tmpfiles.d/infusiond.conf", "/etc/infusiond/infusiond.yaml",
                     "/usr/local/share/infusiond/profiles/lidocaine.yaml", "/usr/local/share/doc/infusiond/OPERATIONS.md"] {
            #expect(FileManager.default.fileExists(atPath: root + path), "missing \(path)")
        }
        let unit = try String(contentsOfFile: "\(root)/etc/systemd/system/infusiond.service", encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/local/bin/infusiond serve"))
        #expect(!unit.contains("/usr/bin/infusiond"))
        // A second install keeps an edited config and puts the new example beside it.
        try "logLevel: debug\n".write(toFile: "\(root)/etc/infusiond/infusiond.yaml", atomically: true, encoding: .utf8)
        #expect(try await Self.install(prefix: "/usr/local", destdir: root).status == 0)
        #expect(try String(contentsOfFile: "\(root)/etc/infusiond/infusiond.yaml", encoding: .utf8) == "logLevel: debug\n")
        #expect(FileManager.default.fileExists(atPath: "\(root)/etc/infusiond/infusiond.yaml.new"))
    }

    @Test("install.sh refuses unknown arguments and a relative prefix")
    func installUsage() async throws {
        #expect(try await DaemonProcess.run("/bin/bash", ["\(Self.root)/scripts/install.sh", "--frobnicate"]).status == 64)
        #expect(try await DaemonProcess.run("/bin/bash", ["\(Self.root)/scripts/install.sh", "--prefix", "usr"]).status == 64)
    }

    @Test("the .deb depends on libsqlite3-0, creates the user, starts nothing, and unpacks to the documented paths",
          .enabled(if: TestEnvironment.runs(FileManager.default.isExecutableFile(atPath: "/usr/bin/dpkg-deb")),
                   "needs dpkg-deb (apt-get install dpkg; scripts/test installs it)"))
    func debianPackage() async throws {
        let folder = try await Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let package = "\(folder)/infusiond.deb"
        let built = try await DaemonProcess.run("/bin/bash", ["\(Self.root)/scripts/build-deb.sh", "--bin-dir", DaemonProcess.binaryFolder,
                                                        "--output", package, "--compression", "none"])
        #expect(built.status == 0, "\(built.stderr)")

        let info = try await DaemonProcess.run("/usr/bin/dpkg-deb", ["--info", package])
        #expect(info.stdout.contains("Package: infusiond"))
        let depends = try #require(info.stdout.split(separator: "\n").first { $0.contains("Depends:") })
        #expect(depends.contains("libsqlite3-0"))
        #expect(info.stdout.contains("postinst"))

        let field = { (name: String) in try await DaemonProcess.run("/usr/bin/dpkg-deb", ["--field", package, name]).stdout }
        #expect(try await field("Version").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == false)

        let control = "\(folder)/control"
        #expect(try await DaemonProcess.run("/usr/bin/dpkg-deb", ["--control", package, control]).status == 0)
        let postinst = try String(contentsOfFile: "\(control)/postinst", encoding: .utf8)
        #expect(postinst.contains("systemd-sysusers infusiond.conf"))
        #expect(postinst.contains("useradd"), "a fallback where systemd-sysusers is missing")
        // Commands, not the comments or the message telling the operator what to run next.
        let commands = postinst.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.hasPrefix("#") && !$0.hasPrefix("echo ") }
        for starter in ["systemctl start", "systemctl enable", "systemctl restart", "deb-systemd-invoke", "--now"] {
            #expect(!commands.contains { $0.contains(starter) }, "postinst must not start or enable anything (\(starter))")
        }
        #expect(try String(contentsOfFile: "\(control)/conffiles", encoding: .utf8).contains("/etc/infusiond/infusiond.yaml"))

        let contents = try await DaemonProcess.run("/usr/bin/dpkg-deb", ["--contents", package]).stdout
        let listed = Set(contents.split(separator: "\n").compactMap { line in
            line.split(separator: " ").last.map { String($0.dropFirst(1)) }
        })
        let unpacked = "\(folder)/root"
        #expect(try await DaemonProcess.run("/usr/bin/dpkg-deb", ["-x", package, unpacked]).status == 0)
        let documented = try await Self.documentedPaths()
        #expect(documented.count >= 10)
        for path in documented {
            #expect(listed.contains(path), "dpkg-deb --contents does not list \(path)")
            #expect(FileManager.default.fileExists(atPath: unpacked + path), "\(path) is not where docs/OPERATIONS.md says")
        }
        // Nothing shipped that the documentation does not mention.
        let shippedFiles = listed.filter { !$0.hasSuffix("/") }
        #expect(shippedFiles.subtracting(documented).isEmpty, "undocumented files: \(shippedFiles.subtracting(documented).sorted())")
        // The unpacked daemon runs and checks the unpacked example config (offline: this machine need not have the
        // package's groups).
        let check = try await DaemonProcess.run("\(unpacked)/usr/bin/infusiond", ["check-config", "--offline", "\(unpacked)/etc/infusiond/infusiond.yaml"])
        #expect(check.status == 0, "\(check.stderr)")
    }
}
