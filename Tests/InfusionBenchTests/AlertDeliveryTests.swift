import Foundation
import Histogram
import InfusionCore
import Testing

@testable import infusion_bench

@Suite("AlertDelivery")
struct AlertDeliveryTests {
    static let start = ContinuousClock.now

    static func alert(_ id: Int64, state: AlertState = .active, priority: AlertPriority = .medium, level: Int = 0,
                      updatedAt: Double = 1_800_000_000) -> Alert {
        Alert(id: id, sessionId: UUID(), ruleId: "L10", priority: priority, state: state, latched: false, reason: "r",
              raisedAt: Date(timeIntervalSince1970: 1_800_000_000), updatedAt: Date(timeIntervalSince1970: updatedAt),
              escalationLevel: level)
    }

    static func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    @Test func latencyRunsFromSendingToTheLastEventOfTheObservation() {
        let raise = AlertChangeKey(Self.alert(1))
        let resolve = AlertChangeKey(Self.alert(2, state: .resolved))
        let observation = AlertObservation(sent: Self.at(0), acknowledged: Self.at(40), changes: [raise, resolve])
        let delivery = AlertDelivery.join(observations: [observation], received: [
            raise: StreamReceipt(received: Self.at(30), kind: .raised),
            resolve: StreamReceipt(received: Self.at(55), kind: .resolved),
        ])
        #expect(delivery.observations == 1)
        #expect(delivery.expectedEvents == 2)
        #expect(delivery.matchedEvents == 2)
        #expect(delivery.missingEvents == 0)
        #expect(delivery.observationsDelivered == 1)
        #expect(delivery.eventsBeforeAcknowledgement == 1)
        #expect(delivery.matchedByKind == ["raised": 1, "resolved": 1])
        #expect(abs(delivery.latency.milliseconds(at: 50) - 55) < 0.1)
        #expect(abs(delivery.acknowledgementLatency.milliseconds(at: 50) - 40) < 0.1)
    }

    @Test func aMissingEventIsCountedAndKeepsTheObservationOutOfTheLatency() {
        let raise = AlertChangeKey(Self.alert(1))
        let other = AlertChangeKey(Self.alert(9))
        let observation = AlertObservation(sent: Self.at(0), acknowledged: Self.at(10), changes: [raise])
        let delivery = AlertDelivery.join(observations: [observation], received: [other: StreamReceipt(received: Self.at(5), kind: .escalated)])
        #expect(delivery.missingEvents == 1)
        #expect(delivery.observationsDelivered == 0)
        #expect(delivery.latency.totalCount == 0)
        // The acknowledgement still counts, so a lost event cannot improve the ratio.
        #expect(delivery.acknowledgementLatency.totalCount == 1)
        #expect(delivery.otherEvents == 1)
    }

    @Test func changesToTheSameAlertAreToldApart() {
        let raised = AlertChangeKey(Self.alert(1, updatedAt: 1_800_000_000))
        let escalated = AlertChangeKey(Self.alert(1, priority: .high, updatedAt: 1_800_000_001))
        let sameInstantOtherLevel = AlertChangeKey(Self.alert(1, level: 1, updatedAt: 1_800_000_000))
        #expect(Set([raised, escalated, sameInstantOtherLevel]).count == 3)
        // The wire carries milliseconds; a key from a decoded event equals the one from the answer.
        #expect(AlertChangeKey(Self.alert(1, updatedAt: 1_800_000_000.0004)) == raised)
    }

    @Test func observationsWithoutAlertChangesAreIgnored() {
        let delivery = AlertDelivery.join(observations: [AlertObservation(sent: Self.at(0), acknowledged: Self.at(1), changes: [])], received: [:])
        #expect(delivery.observations == 0)
        #expect(delivery.p99Ratio == 0)
    }

    @Test(arguments: [([3.0, 1, 2], 2.0), ([4.0, 1, 3, 2], 2.5), ([], 0)] as [([Double], Double)])
    func medians(values: [Double], expected: Double) {
        #expect(median(values) == expected)
    }
}
