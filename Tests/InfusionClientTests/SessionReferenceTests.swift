import Foundation
import InfusionCore
import Testing

@testable import InfusionClient

@Suite("SessionReference: ids by their start or by patient")
struct SessionReferenceTests {
    static func session(_ id: String, patient: String, state: SessionState = .running) -> Session {
        Session(
            id: UUID(uuidString: id)!, patientId: patient, drug: .lidocaine, state: state, weightKg: 70, heightCm: 175,
            sex: .male, dosingWeight: .actual, dosingWeightKg: 70, bolus: nil,
            infusion: InfusionOrder(rateMgPerKgPerHour: 1), prescriber: "clin-017", startedBy: "nurse-042",
            startedAt: Date(timeIntervalSince1970: 1_795_000_000), baseline: Vitals(), override: nil, ruleSetHash: "h")
    }

    static let sessions = [
        session("1628e20e-4d5e-4f70-8192-a3b4c5d6e7f8", patient: "MRN-1001"),
        session("1628f00d-0000-4000-8000-000000000001", patient: "MRN-1002", state: .paused),
        session("9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", patient: "MRN-1003", state: .closed),
        session("77aa0000-0000-4000-8000-000000000002", patient: "MRN-1003", state: .ended),
        session("c0ffee00-0000-4000-8000-000000000003", patient: "MRN-2000"),
        session("c0ffee11-0000-4000-8000-000000000004", patient: "MRN-2000"),
    ]

    @Test("a unique prefix names its session", arguments: [
        ("1628e20e", "1628e20e-4d5e-4f70-8192-a3b4c5d6e7f8"),
        ("1628E2", "1628e20e-4d5e-4f70-8192-a3b4c5d6e7f8"),
        ("1628f", "1628f00d-0000-4000-8000-000000000001"),
        ("9a0b1c2d-3e", "9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"),
        ("9a0b1c2d3e4f", "9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"),
        ("c0ffee0", "c0ffee00-0000-4000-8000-000000000003"),
        ("1628e20e-4d5e-4f70-8192-a3b4c5d6e7f8", "1628e20e-4d5e-4f70-8192-a3b4c5d6e7f8"),
    ])
    func uniquePrefix(text: String, id: String) throws {
        #expect(try SessionReference(text).resolve(among: Self.sessions).id == UUID(uuidString: id))
    }

    @Test("a prefix of several sessions is refused with every candidate listed")
    func ambiguousPrefix() {
        #expect(throws: SessionReference.Failure.self) { try SessionReference("1628").resolve(among: Self.sessions) }
        do {
            _ = try SessionReference("1628").resolve(among: Self.sessions)
        } catch {
            guard case .ambiguous(_, let candidates) = error else { Issue.record("\(error)"); return }
            #expect(candidates.map(\.patientId) == ["MRN-1001", "MRN-1002"])
            let message = error.description
            #expect(message.contains("'1628' matches 2 sessions"))
            #expect(message.contains("1628e20e-4d5e-4f70-8192-a3b4c5d6e7f8") && message.contains("1628f00d-0000-4000-8000-000000000001"))
            #expect(message.contains("MRN-1001") && message.contains("paused"))
        }
    }

    @Test("no match, a prefix too short and text that is not an id say so", arguments: [
        ("deadbeef", "no session id starts with 'deadbeef'"),
        ("162", "too short"),
        ("MRN-9999", "no session id starts with 'MRN-9999'"),
        ("MRN-1003x", "no session id starts with"),
    ])
    func noMatch(text: String, message: String) {
        #expect(throws: SessionReference.Failure.noMatch(SessionReference(text))) {
            try SessionReference(text).resolve(among: Self.sessions)
        }
        #expect(SessionReference.Failure.noMatch(SessionReference(text)).description.contains(message))
    }

    @Test("a patient id names the patient's one open session; closed sessions do not count")
    func patientWithOneOpenSession() throws {
        #expect(try SessionReference("MRN-1001").resolve(among: Self.sessions).id == Self.sessions[0].id)
        #expect(try SessionReference("MRN-1003").resolve(among: Self.sessions).id == Self.sessions[3].id)
    }

    @Test("a patient with two open sessions is ambiguous")
    func patientWithTwoOpenSessions() {
        #expect(throws: SessionReference.Failure.ambiguous(SessionReference("MRN-2000"), candidates: [Self.sessions[4], Self.sessions[5]])) {
            try SessionReference("MRN-2000").resolve(among: Self.sessions)
        }
    }

    @Test("a patient id that is also the start of another session's id is ambiguous, not a guess")
    func patientIdAndPrefixBothMatch() {
        let sessions = [Self.session("abcd0000-0000-4000-8000-000000000001", patient: "x"),
                        Self.session("00000000-0000-4000-8000-000000000002", patient: "abcd")]
        #expect(throws: SessionReference.Failure.self) { try SessionReference("abcd").resolve(among: sessions) }
    }

    @Test("a whole id needs no lookup; anything shorter does")
    func exactID() {
        #expect(SessionReference("1628E20E-4D5E-4F70-8192-A3B4C5D6E7F8").exactID == Self.sessions[0].id)
        #expect(SessionReference("1628e20e").exactID == nil)
    }
}
