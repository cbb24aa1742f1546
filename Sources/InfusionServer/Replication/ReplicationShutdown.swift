import Foundation
import InfusionStore
import Logging

/// The last step of a graceful stop: hand the database over in the state its backup arrangement expects.
public enum ReplicationShutdown {
    /// Without a replicator: checkpoints the write-ahead log into the database file and truncates it, so a stopped
    /// daemon leaves one self-contained file. With one: asks the replicator to ship every commit (the `daemon.stop`
    /// record and the shutdown checkpoint included) and waits, at most `stopSyncTimeoutSeconds`, for the replica to
    /// confirm; then closes without checkpointing, leaving the log to the replicator. A replicator that does not
    /// confirm is logged, not fatal: every commit is durable here and it ships them when it runs again.
    public static func close(database: ClinicalDatabase, replication: ReplicatorConfiguration?, logger: Logger) async {
        guard let replication else {
            do {
                try database.closeAfterCheckpoint()
            } catch {
                // Nothing is lost: every commit is already durable in the write-ahead log, which the next start reads.
                logger.warning("could not checkpoint the database at stop", metadata: ["infusion.error": "\(error)"])
            }
            return
        }
        let started = ContinuousClock.now
        let control = LitestreamControl(socketPath: replication.resolvedControlSocket)
        do {
            // Litestream knows the database by the path in its own config; ask for it as Litestream spells it.
            let listed = try? await control.status(of: database.path, timeout: .seconds(2))
            let path = listed?.path ?? LitestreamControl.canonical(database.path)
            let result = try await control.sync(path: path, timeout: replication.resolvedStopSyncTimeout)
            let metadata: Logger.Metadata = [
                "infusion.replication.status": "\(result.status ?? "?")", "infusion.replication.txid": "\(result.txid.map(String.init) ?? "?")",
                "infusion.replication.replicatedTxid": "\(result.replicatedTxid.map(String.init) ?? "?")",
                "infusion.duration": "\(ContinuousClock.now - started)",
            ]
            if let txid = result.txid, let replicated = result.replicatedTxid, replicated < txid {
                logger.warning("the replica did not confirm every commit at stop; the replicator ships the rest when it runs", metadata: metadata)
            } else {
                logger.info("the replica holds every commit", metadata: metadata)
            }
        } catch {
            logger.warning("the replica did not confirm the last commits at stop; they are durable here and the replicator ships them when it runs", metadata: [
                "infusion.error": "\(error)", "infusion.duration": "\(ContinuousClock.now - started)",
            ])
        }
        do {
            try database.closeLeavingLogToReplicator()
        } catch {
            logger.warning("could not close the database cleanly at stop", metadata: ["infusion.error": "\(error)"])
        }
    }
}
