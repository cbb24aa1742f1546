import Foundation
import InfusionCore

extension InfusionClient {
    /// The header every answer carries with the daemon's store epoch.
    public static let storeEpochHeader = "Infusion-Store-Epoch"

    /// `POST /v1/sessions/{id}/observations`, remembered in `journal`, so nothing it acknowledged stays lost after a
    /// restore of the daemon's database.
    ///
    /// When the answer shows a store epoch other than the one the journal knows (the database was restored from
    /// its replica), every observation the journal holds from the old epoch is resent first, by `eventId`, in the
    /// order they were acknowledged; the report goes to ``ObservationJournal/reports``. The observation itself is
    /// then recorded with the epoch that acknowledged it.
    public func observe(sessionId: UUID, _ request: ObservationRequest, journal: ObservationJournal) async throws -> EventResponse {
        let body = try WireJSON.encode(request)
        let response = try await send(method: "POST", path: Self.observationPath(sessionId), body: body)
        let epoch = response.header(Self.storeEpochHeader)
        if let (previous, entries) = journal.observeEpoch(epoch) {
            await resend(entries.filter { $0.eventId != request.eventId }, previous: previous, epoch: epoch, journal: journal)
        }
        let result = try response.decoded(as: EventResponse.self, expecting: [200, 201])
        let entry = ObservationJournal.Entry(sessionId: sessionId, eventId: request.eventId, body: body, acknowledgedAt: Date(), epoch: epoch)
        if journal.record(entry) {
            // A restore overtook this answer: the daemon that acknowledged it is gone, so resend it now.
            await resend([entry], previous: epoch, epoch: journal.knownEpoch, journal: journal)
        }
        return result
    }

    /// Asks the daemon for its store epoch (`GET /v1/health`) and, when it changed since the journal last saw it,
    /// resends what the old epoch acknowledged. For a station that has been quiet, or has just reconnected after
    /// the daemon was away. Returns the resend's report, or nil when the epoch did not change.
    @discardableResult
    public func resendAfterRestore(journal: ObservationJournal) async throws -> ResendReport? {
        let epoch = try await health().storeEpoch
        guard let (previous, entries) = journal.observeEpoch(epoch) else { return nil }
        return await resend(entries, previous: previous, epoch: epoch, journal: journal)
    }

    @discardableResult
    private func resend(_ entries: [ObservationJournal.Entry], previous: String?, epoch: String?, journal: ObservationJournal) async -> ResendReport {
        var report = ResendReport(previousEpoch: previous, epoch: epoch)
        var held: Set<UUID> = []
        var refused: Set<UUID> = []
        for entry in entries {
            do {
                let response = try await send(method: "POST", path: Self.observationPath(entry.sessionId), body: entry.body)
                switch response.status {
                case 201:
                    report.restored.append(entry.eventId)
                    held.insert(entry.eventId)
                case 200:
                    report.alreadyStored.append(entry.eventId)
                    held.insert(entry.eventId)
                default:
                    refused.insert(entry.eventId)
                    report.failed.append(.init(eventId: entry.eventId, sessionId: entry.sessionId,
                                               reason: response.problem?.code ?? "HTTP \(response.status)", refused: true))
                }
            } catch {
                report.failed.append(.init(eventId: entry.eventId, sessionId: entry.sessionId, reason: "\(error)", refused: false))
            }
        }
        journal.finish(held: held, refused: refused, all: entries.map(\.eventId), epoch: epoch)
        journal.append(report)
        return report
    }

    static func observationPath(_ sessionId: UUID) -> String {
        "/v1/sessions/\(sessionId.uuidString.lowercased())/observations"
    }
}
