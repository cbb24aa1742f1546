import Foundation
import InfusionClient
import InfusionCore
import Testing

/// The clinical model through the real daemon and `infusionctl`: the session view's dose and predicted level, and
/// X01 across a patient's lidocaine and ketamine sessions.
@Suite("End to end: dose, predicted level, X01", .serialized)
struct ClinicalModelEndToEndTests {
    @Test("sessions show prints the dose so far and the predicted level with its band and steady state")
    func sessionsShow() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let session = try await daemon.client.startSession(Bedside.start())
        let show = try await daemon.ctl(["sessions", "show", session.id.uuidString])
        #expect(show.status == 0, "\(show.stderr)")
        for text in ["Dose so far", "mg/kg", "now 315 mg/h", "Predicted level", "µg/mL", "upper band ×2", "steady state 1.337 µg/mL",
                     "band 2.673 µg/mL", "Rowland 1971"] {
            #expect(show.stdout.contains(text), "sessions show lacks '\(text)':\n\(show.stdout)")
        }
        let json = try await daemon.ctl(["sessions", "show", session.id.uuidString, "--format", "json"])
        let detail = try WireJSON.decoder().decode(SessionDetail.self, from: Data(json.stdout.utf8))
        #expect(detail.delivered?.programmedInfusionMgPerHour == 70)
        #expect(detail.prediction?.parameterSet == .rowland)
        #expect(try await daemon.replayDifferences().isEmpty)
        #expect(await daemon.terminate() == 0)
    }

    @Test("sessions start takes conditions: a relative one needs a review, an absolute one its own override")
    func startWithConditions() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let base = ["sessions", "start", "--patient", "MRN-7002", "--weight-kg", "70", "--rate-mg-per-kg-per-hour", "0.5",
                    "--prescriber", "clin-017", "--by", "nurse-042", "--hr", "72", "--sbp", "128", "--dbp", "78", "--spo2", "98",
                    "--rr", "14", "--qrs", "90", "--pr", "160", "--rhythm", "sinus"]
        let refused = try await daemon.ctl(base + ["--condition", "heartFailure", "--age-years", "75"])
        #expect(refused.status == 1 && refused.stderr.contains("session.reviewRequired"), "\(refused.stderr)")
        let reviewed = try await daemon.ctl(base + ["--condition", "heartFailure", "--age-years", "75",
                                              "--override-by", "clin-017", "--override-reason", "cardiology agrees", "--format", "json"])
        #expect(reviewed.status == 0, "\(reviewed.stderr)")
        let session = try WireJSON.decoder().decode(Session.self, from: Data(reviewed.stdout.utf8))
        #expect(session.flags == PatientFlags(conditions: [.heartFailure], ageYears: 75))
        let blocked = try await daemon.ctl(base + ["--condition", "conductionBlock"])
        #expect(blocked.status == 1 && blocked.stderr.contains("session.contraindicated"), "\(blocked.stderr)")
        let overridden = try await daemon.ctl(base + ["--condition", "conductionBlock", "--contraindication-override-by", "clin-017",
                                                "--contraindication-override-reason", "paced, cardiology present"])
        #expect(overridden.status == 0, "\(overridden.stderr)")
        #expect(await daemon.terminate() == 0)
    }

    @Test("X01: a rule's stop of a patient's lidocaine infusion stops their ketamine infusion too")
    func x01() async throws {
        let daemon = try DaemonProcess()
        try await daemon.start()
        let lidocaine = try await daemon.client.startSession(Bedside.start(patient: "MRN-7001"))
        var ketamineRequest = Bedside.start(patient: "MRN-7001", rate: 0.2)
        ketamineRequest.drug = .ketamine
        ketamineRequest.bolus = nil
        let ketamine = try await daemon.client.startSession(ketamineRequest)
        let response = try await daemon.client.observe(sessionId: lidocaine.id, Bedside.observation([.visualDisturbance]))
        #expect(response.session.state == .stopped)
        let show = try await daemon.ctl(["sessions", "show", ketamine.id.uuidString])
        #expect(show.stdout.contains("stopped") && show.stdout.contains("X01"), "\(show.stdout)")
        let verify = try await daemon.ctl(["audit", "verify"])
        #expect(verify.status == 0)
        #expect(try await daemon.replayDifferences().isEmpty)
        #expect(await daemon.terminate() == 0)
    }
}
