import GRDB

extension ClinicalDatabase {
    /// Ends a graceful stop when a replicator (Litestream) runs beside the daemon: closes every connection and leaves
    /// the write-ahead log to the replicator, which checkpoints it itself once it has shipped the frames. SQLite's
    /// own checkpoint on the last close needs an exclusive lock that the replicator's read transaction denies at
    /// once, so this never waits. Nothing may use the database afterwards.
    public func closeLeavingLogToReplicator() throws {
        guard let pool = writer as? DatabasePool else { return }
        try pool.close()
    }
}
