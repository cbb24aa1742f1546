import Foundation
import InfusionCore
import InfusionHL7
import Testing

@testable import infusion_bench

/// The messages `infusion-bench hl7` sends must be ones the daemon takes as new work: parseable, mapped to one
/// observation set of normal vitals for the right patient, each under its own MSH-10 at an advancing time.
@Suite("PCD-01 bench messages")
struct PCD01MessageTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000.123456)

    static func read(_ text: String) throws -> PCDReport {
        let result = PCDIntake.read(Array(text.utf8), options: PCDReader.Options(receivedAt: now.addingTimeInterval(1)))
        guard case .read(_, let report) = result else { throw BenchError("refused: \(result)") }
        return report
    }

    @Test func aMessageReadsAsOneSetOfNormalVitalsForItsPatient() throws {
        var builder = PCD01MessageBuilder(runTag: "BTEST", sender: 3, patientId: "BENCH-3")
        let (text, controlId) = builder.next(now: Self.now)
        let report = try Self.read(text)
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.header.controlId == controlId)
        #expect(report.header.sendingApplication[component: 1] == PCD01MessageBuilder.application)
        #expect(report.header.sendingFacility[component: 1] == PCD01MessageBuilder.facility)
        #expect(report.patient.identifiers.map(\.id) == ["BENCH-3"])
        let sets = report.observationSets
        #expect(sets.count == 1)
        let vitals = try #require(sets.first?.vitals)
        #expect(vitals == PCD01MessageBuilder.normalVitals(1, sender: 3))
        #expect((70...80).contains(vitals.heartRateBpm ?? 0) && (97...99).contains(vitals.spo2Percent ?? 0))
        #expect(vitals.systolicMmHg == 120 && vitals.diastolicMmHg == 80 && vitals.respiratoryRatePerMin == 14)
        #expect(abs((sets.first?.observedAt.timeIntervalSince1970 ?? 0) - 1_800_000_000.1234) < 0.00001)
    }

    @Test("every message has its own MSH-10 and a later time, even when the clock has not moved")
    func controlIdsAreUniqueAndTimesAdvance() throws {
        var seen: Set<String> = []
        var times: [Date] = []
        for sender in 0..<3 {
            var builder = PCD01MessageBuilder(runTag: "BTEST", sender: sender, patientId: "BENCH-\(sender)")
            var previous = Date.distantPast
            for _ in 0..<50 {
                let (text, controlId) = builder.next(now: Self.now)
                let report = try Self.read(text)
                #expect(report.header.controlId == controlId)
                seen.insert(controlId)
                let observedAt = try #require(report.observationSets.first?.observedAt)
                #expect(observedAt > previous)
                previous = observedAt
                times.append(observedAt)
            }
        }
        #expect(seen.count == 150)
        #expect(times.allSatisfy { $0.timeIntervalSince(Self.now) < 0.01 })
    }

    @Test(arguments: [
        ("MSH|^~\\&|INFUSIOND||BENCHMON|BENCH|20270115080000+0000||ACK^R01^ACK|IFD1|P|2.6\rMSA|AA|B1-0-1\r", "B1-0-1", true),
        ("MSH|^~\\&|INFUSIOND||BENCHMON|BENCH|20270115080000+0000||ACK^R01^ACK|IFD1|P|2.6\rMSA|AA|B1-0-2\r", "B1-0-1", false),
        ("MSH|^~\\&|INFUSIOND||BENCHMON|BENCH|20270115080000+0000||ACK^R01^ACK|IFD1|P|2.6\rMSA|AE|B1-0-1\rERR||PID^1^3|204^Unknown key identifier^HL70357|E\r", "B1-0-1", false),
        ("MSH|^~\\&|INFUSIOND||BENCHMON|BENCH|20270115080000+0000||ACK^R01^ACK|IFD1|P|2.6\rMSA|AR|B1-0-1\r", "B1-0-1", false),
        ("MSH|^~\\&|INFUSIOND||BENCHMON|BENCH|20270115080000+0000||ACK^R01^ACK|IFD1|P|2.6\r", "B1-0-1", false),
    ])
    func onlyAnAAForTheSameMessageCounts(ack: String, controlId: String, accepted: Bool) {
        let passed = (try? PCD01Acknowledgement.requireAccepted(Array(ack.utf8), controlId: controlId)) != nil
        #expect(passed == accepted)
    }
}
