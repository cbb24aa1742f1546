import ArgumentParser
import Foundation
import InfusionCore
import InfusionServer
import Logging

/// `infusiond`: the infusion-monitoring daemon.
@main
struct Infusiond: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infusiond",
        abstract: "Watches IV lidocaine and ketamine infusions, applies stop and alert rules, keeps an audit trail.",
        discussion: """
            With no arguments it serves on built-in defaults: state in ./.infusiond/ and the socket \
            ./.infusiond/infusiond.sock. A config file is taken from --config, then INFUSIOND_CONFIG, then \
            /etc/infusiond/infusiond.yaml if it exists. SIGTERM or SIGINT shuts down gracefully.
            """,
        version: InfusionServer.InfusionDaemon.version,
        subcommands: [Serve.self, CheckConfig.self, Restore.self],
        defaultSubcommand: Serve.self)
}

/// Options shared by the daemon's commands.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The YAML config file to use.", valueName: "file"))
    var config: String?

    func load() throws -> (DaemonConfiguration, String?) {
        try DaemonConfiguration.load(explicitPath: config, environment: ProcessInfo.processInfo.environment)
    }
}

/// `infusiond serve`: run the daemon (the default).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon in the foreground (the default command).")

    @OptionGroup var options: ConfigOptions

    @Flag(name: .long, help: ArgumentHelp(
        "Continue on a database whose audit trail does not extend the audit witness (after `infusiond restore`), recording audit.forkConfirmed; without it such a start is refused."))
    var confirmRestore = false

    func run() async throws {
        MallocArenas.limit()
        let configuration: DaemonConfiguration
        let file: String?
        do {
            (configuration, file) = try options.load()
        } catch {
            FileHandle.standardError.write(Data("infusiond: \(error)\n".utf8))
            throw ExitCode(78)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: configuration.logLevel ?? "info") ?? .info
            return handler
        }
        let logger = Logger(label: "infusiond")
        do {
            try await InfusionDaemon.run(configuration: configuration, configFile: file, confirmRestore: confirmRestore, logger: logger)
        } catch {
            logger.critical("cannot run", metadata: ["infusion.error": "\(error)"])
            FileHandle.standardError.write(Data("infusiond: \(error)\n".utf8))
            // 78 (EX_CONFIG) for what only an operator can fix, which the unit does not restart on.
            throw error is ConfigurationError || error is AuditForkError ? ExitCode(78) : ExitCode.failure
        }
    }
}

/// `infusiond check-config`: validate a config and its profiles without starting.
struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a config file and its drug profiles, and print the rule-set hash.",
        discussion: """
            Checks every setting and every drug profile as the daemon and a SIGHUP reload would: unknown keys \
            anywhere, durations without a unit, thresholds outside what a value can be (a unit slip), clauses that \
            never or always match, schedules and escalation timers that cannot work; and what the file names on \
            this host (unless --offline): no two of the daemon's files may be one file, socketGroup must exist \
            with the daemon in it, hook programs must exist, and for the web socket the proxy account and \
            web.socketGroup must exist. Exits 0 when everything loads, 78 (config error) \
            with the file and line otherwise.
            """)

    @Argument(help: ArgumentHelp("The config file to check (default: the one the daemon would use).", valueName: "file"))
    var file: String?

    @Flag(name: .long, help: ArgumentHelp(
        "Check the file and its profiles only, not what it names on this host (socket group, hook programs, colliding files): for a build machine."))
    var offline = false

    func run() async throws {
        do {
            let (configuration, source) = try DaemonConfiguration.load(
                explicitPath: file, environment: ProcessInfo.processInfo.environment)
            if !offline { try configuration.checkHost(file: source) }
            let ruleSet = try ProfileLoader.load(directory: configuration.profilesDirectory)
            print("config: \(source ?? "(built-in defaults)")")
            print("profiles: \(configuration.profilesDirectory ?? "(built-in)") — \(ruleSet.profiles.keys.map(\.rawValue).sorted().joined(separator: ", "))")
            for (drug, profile) in ruleSet.profiles.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                print("  \(drug.rawValue): \(profile.rules.count) rule entries, \(Set(profile.rules.map(\.id)).count) rules")
                let schedule = profile.resolvedSchedule
                let steps = schedule.afterStart.map { "every \($0.every) for \($0.duration)" }.joined(separator: ", then ")
                print("    observations: \(steps), then every \(schedule.maintenanceEvery); after the end every \(schedule.afterEnd.every) for \(schedule.afterEnd.duration) (\(schedule.afterEnd.durationWithSymptoms) after symptoms)")
                print("    L20 overdue: more than \(schedule.overdue.lowAfter) low, \(schedule.overdue.mediumAfter) medium, \(schedule.overdue.pauseDuringLoadingAfter) pause during loading")
            }
            if let web = configuration.web, let path = configuration.resolvedWebSocketPath {
                let roles = (web.roles ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) → \($0.value.map(\.rawValue).joined(separator: ", "))" }
                print("web: \(path) for the proxy account \(web.proxy?.account ?? "?") (\(web.resolvedUserHeader), \(web.resolvedGroupsHeader)); roles: \(roles.isEmpty ? "none" : roles.joined(separator: "; ")); origin: \(web.publicOrigin ?? "not set (Fetch Metadata only)")")
            } else {
                print("web: off (no web section)")
            }
            if let hl7 = configuration.hl7 {
                let endpoints = [hl7.listen.map { "tcp \($0)" }, hl7.socketPath.map { "unix \($0)" }].compactMap { $0 }
                let senders = (hl7.senders ?? []).map { "\($0.application)/\($0.facility)\($0.from.isEmpty ? "" : " from \($0.from.joined(separator: ", "))")\($0.certificateSubject.map { " with certificate \($0)" } ?? "") as \($0.station)\($0.timeZone.map { " (\($0))" } ?? "")" }
                print("hl7: \(endpoints.joined(separator: " and ")); max \(hl7.resolvedMaxMessageBytes) bytes a message, idle \(hl7.resolvedIdleTimeoutSeconds) s, \(hl7.resolvedMaxConnections) connections (\(hl7.resolvedMaxConnectionsPerAddress) an address); senders: \(senders.joined(separator: "; "))")
            } else {
                print("hl7: off (no hl7 section)")
            }
            print("rule-set hash: \(ruleSet.hash)")
        } catch {
            FileHandle.standardError.write(Data("infusiond check-config: \(error)\n".utf8))
            throw ExitCode(78)
        }
    }
}
