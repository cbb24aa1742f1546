import GRDB

extension ClinicalStore {
    /// Returns once the database writer (the queue every commit goes through) has run a trivial statement; hangs
    /// while a commit is stuck, which is what the systemd watchdog needs to notice.
    public func probeWriter() async throws {
        try await database.writer.writeWithoutTransaction { db in
            try db.execute(sql: "SELECT 1")
        }
    }
}
