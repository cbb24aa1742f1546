import Foundation
import InfusionCore
import Testing

/// SPEC: an observation may be at most 2 minutes ahead of the daemon's clock (station clocks drift); further ahead
/// it is refused, at the boundary to the millisecond.
@Suite("Observation time: the 2-minute future limit")
struct FutureTimeTests {
    @Test("observedAt ahead of the daemon's clock", arguments: [
        (0.0, true), (119.999, true), (120.0, true), (120.001, false), (3600.0, false),
    ])
    func ahead(seconds: Double, accepted: Bool) {
        let now = SessionFixture.now
        let observation = ObservationRequest(observedAt: now.addingTimeInterval(seconds), recordedBy: "rn.bo", symptoms: [.tinnitus])
        if accepted {
            #expect(throws: Never.self) { try RequestValidation.validate(observation, now: now) }
        } else {
            #expect { try RequestValidation.validate(observation, now: now) }
                throws: { ($0 as? DomainError)?.code == "observation.futureTime" && ($0 as? DomainError)?.field == "observedAt" }
        }
    }
}
