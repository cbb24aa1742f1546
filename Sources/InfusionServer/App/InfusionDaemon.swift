import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import InfusionCore
import InfusionStore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import UnixSignals
#if canImport(Glibc)
import Glibc
#endif

/// Builds and runs the daemon: migrate, load rules, bind the socket, serve until SIGTERM/SIGINT.
public enum InfusionDaemon {
    /// The daemon's version, reported by `/v1/health` and `--version`.
    public static let version = "0.1.0"

    /// The router with every route and the problem middleware; tests call it without a socket. Refusals are
    /// audited through `refusals` (a fresh recorder for the state when nil). With `web` it is the web socket's
    /// router: identity from the trusted proxy instead of the peer's groups, browser-safety checks and headers.
    public static func buildRouter(state: ServerState, refusals: RefusalAudit? = nil, web: WebAccess? = nil) -> Router<InfusionRequestContext> {
        let router = Router(context: InfusionRequestContext.self)
        router.middlewares.add(MetricsMiddleware(metrics: state.metrics))
        router.middlewares.add(StoreEpochMiddleware(epoch: state.storeEpoch))
        if let web {
            router.middlewares.add(WebHeadersMiddleware())
            router.middlewares.add(WebIdentityMiddleware(access: web))
        }
        router.middlewares.add(ProblemMiddleware(store: state.store, clock: state.clock,
                                                 refusals: refusals ?? RefusalAudit(store: state.store, clock: state.clock)))
        router.middlewares.add(StorageFaultMiddleware(state: state))
        if let web {
            router.middlewares.add(WebGuardMiddleware(access: web, maxBodyBytes: state.maxBodyBytes))
        } else {
            router.middlewares.add(AccessMiddleware(policy: state.access))
        }
        router.middlewares.add(WriteRefusalMiddleware(store: state.store))
        MetricsRoutes.add(to: router, state: state)
        DaemonRoutes.add(to: router, state: state)
        AuditRoutes.add(to: router, state: state)
        SessionRoutes.add(to: router, state: state)
        StartPreviewRoutes.add(to: router, state: state)
        AlertRoutes.add(to: router, state: state)
        AlertStreamRoutes.add(to: router, state: state)
        ReplayRoutes.add(to: router, state: state)
        ReloadRoutes.add(to: router, state: state)
        BackupRoutes.add(to: router, state: state)
        if let web {
            StationRoutes.add(to: router, state: state, access: web)
            WebPages.add(to: router)
        }
        return router
    }

    /// Opens state, applies migrations and loads profiles: everything that must work before the socket is bound.
    ///
    /// The full integrity check (`PRAGMA quick_check`, seconds per million stored events) is not part of it: it runs
    /// in the background once the daemon serves (``IntegrityMonitor``). A file that is not a database, or whose
    /// pages that opening and migrating read are damaged, still stops the start here, with the restore steps
    /// (``DatabaseDamagedError``).
    public static func prepare(configuration: DaemonConfiguration, logger: Logger) throws -> ServerState {
        umask(0o027)
        try FileManager.default.createDirectory(atPath: configuration.stateDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o750])
        let ruleSet = try ProfileLoader.load(directory: configuration.profilesDirectory)
        let systemd = SystemdNotifier()
        systemd.status("opening the database")
        BackupRoutes.removeStaleCopies(besides: configuration.resolvedDatabasePath, logger: logger)
        let database = try openingDamaged(path: configuration.resolvedDatabasePath) {
            try ClinicalDatabase(path: configuration.resolvedDatabasePath)
        }
        logger.info("database ready", metadata: ["infusion.database": "\(database.path)", "infusion.schema": "\(ClinicalDatabase.schemaVersion)"])
        let (access, warnings) = try AccessPolicy.resolve(configuration.resolvedAccess)
        if configuration.access == nil, !warnings.isEmpty {
            // A development machine without the package's groups: one line, not one warning per group.
            logger.info("the default role groups (infusiond-station, infusiond-clinician, …) do not all exist here; only root and this daemon's own account have a role until they do")
        } else {
            for warning in warnings { logger.warning("access configuration", metadata: ["infusion.warning": "\(warning)"]) }
        }
        let metrics = DaemonMetrics()
        let store = ClinicalStore(database: database, notifiedHooks: Set((configuration.hooks?.configured ?? []).map(\.name)),
                                  onCommit: { metrics.commitFinished(batchSize: $0, duration: $1) })
        return ServerState(store: store, ruleSet: ruleSet, version: version,
                           maxBodyBytes: configuration.resolvedMaxBodyBytes, access: access, metrics: metrics,
                           systemd: systemd, alertStreamHeartbeat: configuration.alertStream?.resolvedHeartbeat ?? .seconds(15),
                           profilesDirectory: configuration.profilesDirectory,
                           auditSigner: try AuditLifecycle.signingKey(configuration: configuration, logger: logger))
    }

    /// Runs `body`, turning an error that says the database file is damaged or not a database into the
    /// ``DatabaseDamagedError`` that tells the operator how to restore.
    static func openingDamaged<T>(path: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw DatabaseIntegrity.damage(path: path, openError: error) ?? error
        }
    }

    /// The same for the synchronous steps of the start.
    static func openingDamaged<T>(path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw DatabaseIntegrity.damage(path: path, openError: error) ?? error
        }
    }

    /// Runs the daemon until a graceful shutdown signal, recording its start and stop in the audit trail.
    ///
    /// With `confirmRestore` it continues on a database whose audit trail does not extend the audit witness (a
    /// restore), recording `audit.forkConfirmed`; without it such a start is recorded and refused.
    public static func run(configuration: DaemonConfiguration, configFile: String?, confirmRestore: Bool = false, logger: Logger) async throws {
        // SIGHUP means "reload the profiles" (ProfileReloader); until that service listens, ignore it rather than
        // let its default action end the daemon during start-up. The profiles are read fresh at start anyway.
        signal(SIGHUP, SIG_IGN)
        // Before anything is opened or removed: a socket path that names the database would otherwise be unlinked.
        try configuration.checkHost(file: configFile)
        let state = try prepare(configuration: configuration, logger: logger)
        let socketPath = configuration.resolvedSocketPath
        try SocketFile.prepare(path: socketPath)
        let webAccess = try configuration.web.map { try WebAccess.resolve($0) }
        let webSocketPath = configuration.resolvedWebSocketPath
        if let webSocketPath { try SocketFile.prepare(path: webSocketPath) }
        let limits = configuration.connections ?? ConnectionLimits()
        FileDescriptorLimit.raise(toAtLeast: limits.resolvedMaxConnections + 256, logger: logger)
        let socketFailure = Mutex<String?>(nil)
        let serviceGroup = Mutex<ServiceGroup?>(nil)
        let refusals = RefusalAudit(store: state.store, clock: state.clock)
        let router = buildRouter(state: state, refusals: refusals)
        let gate = ConnectionGate(policy: state.access, maxPerUser: limits.resolvedMaxConnectionsPerUser, refusals: refusals, logger: logger)
        let http = HTTP1Channel.Configuration(
            idleTimeout: .seconds(Int64(limits.resolvedIdleTimeoutSeconds)),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: limits.resolvedMaxHeaderBytes, maxHeaderListSize: limits.resolvedMaxHeaderBytes,
                                            maxHeaderFieldCount: ConnectionLimits.maxHeaderFields))
        let app = Application(
            router: router,
            server: GatedHTTP1Channel.builder(configuration: http, gate: gate),
            configuration: .init(
                address: .unixDomainSocket(path: socketPath), serverName: "infusiond/\(version)",
                availableConnectionsDelegate: MaximumAvailableConnections(limits.resolvedMaxConnections, logger: logger)),
            onServerRunning: { _ in
                do {
                    try SocketFile.secure(path: socketPath, mode: configuration.resolvedSocketMode, group: configuration.socketGroup)
                    logger.info("serving", metadata: ["infusion.socket": "\(socketPath)"])
                    state.systemd.ready(status: "serving on \(socketPath)")
                } catch {
                    // Until chmod the socket keeps the umask's mode (0750: nobody but this account can connect), so
                    // stopping now leaves no window in which the wrong accounts were served.
                    logger.critical("cannot secure the socket; stopping", metadata: ["infusion.error": "\(error)"])
                    socketFailure.withLock { $0 = "\(error)" }
                    await serviceGroup.withLock { $0 }?.triggerGracefulShutdown()
                }
            },
            logger: logger)
        var webServices: [any Service] = []
        if let webAccess, let webSocketPath {
            webServices.append(WebSocketServer.application(
                socketPath: webSocketPath, socketGroup: configuration.web?.socketGroup, access: webAccess, state: state,
                refusals: refusals, limits: limits, http: http, logger: logger,
                onSocketFailure: { failure in
                    socketFailure.withLock { $0 = failure }
                    await serviceGroup.withLock { $0 }?.triggerGracefulShutdown()
                }))
        }
        // The MLLP listener for monitors (docs/HL7.md), only when configured.
        let hl7Services: [any Service] = try configuration.hl7.map { hl7 in
            [try HL7Listener(configuration: hl7, receiver: HL7Receiver(configuration: hl7, state: state, logger: logger), logger: logger)]
        } ?? []
        // The first reads and writes of the start meet damage in the pages they touch; the rest of the file is
        // checked in the background once the daemon serves.
        let databasePath = state.store.database.path
        let auditFacts = try await openingDamaged(path: databasePath) {
            try await AuditLifecycle.beforeStart(
                state: state, witness: .init(path: configuration.resolvedAuditWitnessPath, confirmRestore: confirmRestore), logger: logger)
        }
        let storeEpoch = try await openingDamaged(path: databasePath) { try await state.storeEpoch.resolve(store: state.store, logger: logger) }
        _ = try await openingDamaged(path: databasePath) { try await state.store.recordDaemonEvent("daemon.start", detail: [
            "lastCheckpoint": auditFacts.lastCheckpoint, "previousStop": auditFacts.previousStop,
            "version": .string(version), "pid": .number(Double(getpid())), "socket": .string(socketPath),
            "webSocket": webSocketPath.map(JSONValue.string) ?? .null,
            "database": .string(state.store.database.path), "configFile": configFile.map(JSONValue.string) ?? .null,
            "ruleSetHash": .string(state.ruleSet.hash), "storeEpoch": .string(storeEpoch),
            "profiles": .array(state.ruleSet.profiles.keys.map(\.rawValue).sorted().map(JSONValue.string)),
            "configuration": configuration.auditSummary,
            "environmentOverrides": .array(DaemonConfiguration.activeOverrides(in: ProcessInfo.processInfo.environment).map(JSONValue.string)),
        ], now: state.clock()) }
        _ = try await openingDamaged(path: databasePath) { try await state.store.recordRuleSetLoad(state.ruleSet, reason: .start, now: state.clock()) }
        let tick = configuration.timers?.resolvedTick ?? .seconds(1)
        let auditSettings = configuration.audit ?? AuditTrailConfiguration()
        // Shut down in reverse order: the reloader, hooks and timers stop first, then the alert bus ends open
        // streams, then the server finishes in-flight requests.
        let group = ServiceGroup(configuration: .init(
            services: ([app] as [any Service]) + webServices + hl7Services + [SystemdWatchdog(notifier: state.systemd, interval: state.systemd.watchdogInterval, logger: logger,
                                            probe: { try await state.store.probeWriter() }),
                       state.alertBus,
                       ScheduleTimer(state: state, interval: tick, logger: logger),
                       ClinicalClockTimer(state: state, interval: tick, logger: logger),
                       EscalationTimer(state: state, interval: tick, logger: logger),
                       HookRunner(state: state, hooks: configuration.hooks ?? HookConfiguration(), logger: logger),
                       ProfileReloader(state: state, directory: configuration.profilesDirectory, logger: logger),
                       AuditHeartbeat(state: state, interval: auditSettings.resolvedHeartbeatInterval, logger: logger),
                       AuditCheckpointer(state: state, interval: auditSettings.resolvedCheckpointInterval,
                                         witnessPath: configuration.resolvedAuditWitnessPath, logger: logger),
                       ReplicationMonitor(state: state, configuration: configuration.replication,
                                          databasePath: state.store.database.path, logger: logger),
                       // Last, so it is the first to stop: a check under way is interrupted, never waited for.
                       IntegrityMonitor(state: state, interval: (configuration.database ?? DatabaseConfiguration()).resolvedIntegrityCheckInterval,
                                        hooks: configuration.hooks ?? HookConfiguration(), logger: logger)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        serviceGroup.withLock { $0 = group }
        do {
            try await group.run()
            if let failure = socketFailure.withLock({ $0 }) {
                throw SocketFile.SocketError(description: "cannot give the socket its group and mode, so the daemon does not serve: \(failure)")
            }
        } catch {
            logger.error("stopped on an error", metadata: ["infusion.error": "\(error)"])
            await refusals.flush()
            _ = try? await state.store.recordDaemonEvent("daemon.stop", detail: ["graceful": false, "error": .string("\(error)")], now: state.clock())
            await AuditLifecycle.afterStop(state: state, witnessPath: configuration.resolvedAuditWitnessPath, logger: logger)
            SocketFile.remove(path: socketPath)
            if let webSocketPath { SocketFile.remove(path: webSocketPath) }
            throw error
        }
        await refusals.flush()
        do {
            try await state.store.recordDaemonEvent("daemon.stop", detail: ["graceful": true], now: state.clock())
        } catch let refused as WritesRefused {
            // A damaged database takes no more records; the stop is still graceful.
            logger.warning("the stop is not recorded in the audit trail: writes are refused", metadata: ["infusion.error": "\(refused)"])
        }
        await AuditLifecycle.afterStop(state: state, witnessPath: configuration.resolvedAuditWitnessPath, logger: logger)
        SocketFile.remove(path: socketPath)
        if let webSocketPath { SocketFile.remove(path: webSocketPath) }
        await ReplicationShutdown.close(database: state.store.database, replication: configuration.replication, logger: logger)
        logger.info("stopped")
    }
}
