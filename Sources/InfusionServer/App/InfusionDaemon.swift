import Foundation
import HTTPTypes
import Hummingbird
import InfusionCore
import InfusionStore
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
#if canImport(Glibc)
import Glibc
#endif

/// Builds and runs the daemon: migrate, load rules, bind the socket, serve until SIGTERM/SIGINT.
public enum InfusionDaemon {
    /// The daemon's version, reported by `/v1/health` and `--version`.
    public static let version = "0.1.0"

    /// The router with every route and the problem middleware; tests call it without a socket.
    public static func buildRouter(state: ServerState) -> Router<InfusionRequestContext> {
        let router = Router(context: InfusionRequestContext.self)
        router.middlewares.add(ProblemMiddleware(store: state.store, clock: state.clock))
        DaemonRoutes.add(to: router, state: state)
        SessionRoutes.add(to: router, state: state)
        AlertRoutes.add(to: router, state: state)
        return router
    }

    /// Opens state, applies migrations and loads profiles: everything that must work before the socket is bound.
    public static func prepare(configuration: DaemonConfiguration, logger: Logger) throws -> ServerState {
        umask(0o027)
        try FileManager.default.createDirectory(atPath: configuration.stateDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o750])
        let ruleSet = try ProfileLoader.load(directory: configuration.profilesDirectory)
        let database = try ClinicalDatabase(path: configuration.resolvedDatabasePath)
        logger.info("database ready", metadata: ["infusion.database": "\(database.path)", "infusion.schema": "\(ClinicalDatabase.schemaVersion)"])
        return ServerState(store: ClinicalStore(database: database), ruleSet: ruleSet, version: version,
                           maxBodyBytes: configuration.resolvedMaxBodyBytes)
    }

    /// Runs the daemon until a graceful shutdown signal, recording its start and stop in the audit trail.
    public static func run(configuration: DaemonConfiguration, configFile: String?, logger: Logger) async throws {
        let state = try prepare(configuration: configuration, logger: logger)
        let socketPath = configuration.resolvedSocketPath
        try SocketFile.prepare(path: socketPath)
        let router = buildRouter(state: state)
        let app = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(60))),
            configuration: .init(address: .unixDomainSocket(path: socketPath), serverName: "infusiond/\(version)"),
            onServerRunning: { _ in
                do {
                    try SocketFile.secure(path: socketPath, mode: configuration.resolvedSocketMode, group: configuration.socketGroup)
                    logger.info("serving", metadata: ["infusion.socket": "\(socketPath)"])
                } catch {
                    logger.critical("cannot secure the socket", metadata: ["infusion.error": "\(error)"])
                }
            },
            logger: logger)
        try await state.store.recordDaemonEvent("daemon.start", detail: [
            "version": .string(version), "pid": .number(Double(getpid())), "socket": .string(socketPath),
            "database": .string(state.store.database.path), "configFile": configFile.map(JSONValue.string) ?? .null,
            "ruleSetHash": .string(state.ruleSet.hash),
            "profiles": .array(state.ruleSet.profiles.keys.map(\.rawValue).sorted().map(JSONValue.string)),
        ], now: state.clock())
        let group = ServiceGroup(configuration: .init(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            logger.error("stopped on an error", metadata: ["infusion.error": "\(error)"])
            _ = try? await state.store.recordDaemonEvent("daemon.stop", detail: ["graceful": false, "error": .string("\(error)")], now: state.clock())
            unlink(socketPath)
            throw error
        }
        try await state.store.recordDaemonEvent("daemon.stop", detail: ["graceful": true], now: state.clock())
        unlink(socketPath)
        logger.info("stopped")
    }
}
