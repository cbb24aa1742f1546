import Foundation
import InfusionClient
import InfusionCore

/// The steps of `infusionctl demo`, each narrated as it is sent and answered.
struct DemoScript {
    /// The client for the daemon the demo runs against.
    let client: InfusionClient

    private let nurse = "nurse-042"
    private let clinician = "clin-017"
    private let stepCount = 10
    private var step = 0

    /// Creates the script for one daemon.
    init(client: InfusionClient) {
        self.client = client
    }

    /// Runs every step in order; stops at the first one the daemon refuses.
    mutating func run() async throws {
        let health = try await client.health()
        say("""
            infusionctl demo: a scripted lidocaine infusion against infusiond \(health.version) at \(client.socketPath)
            (rule set \(health.ruleSetHash.prefix(12))…). Everything below is stored for real, in the daemon's
            database and its audit trail.
            """)

        let session = try await startSession()
        let sessionPath = "/v1/sessions/\(session.id.uuidString.lowercased())"

        begin("A nurse records the first observation: everything normal")
        expect("no rule fires.")
        _ = try await observe(session, path: sessionPath, symptoms: [])

        begin("The patient reports ringing in the ears (tinnitus)")
        expect("tinnitus is an early sign of lidocaine toxicity; rule L10 pauses the infusion and raises a "
            + "medium-priority alert.")
        let tinnitus = try await observe(session, path: sessionPath, symptoms: [.tinnitus])
        let pauseAlert = Self.alert(in: tinnitus, forActions: [.pause])

        begin("The nurse acknowledges the alert")
        try await acknowledge(pauseAlert, note: "Infusion paused, pain team called.")

        begin("The clinician reviews the patient and resumes the infusion with a reason")
        expect("the session runs again; the reason is kept in the audit trail.")
        let resume = ActionRequest(
            action: .resume, by: clinician,
            reason: "Tinnitus settled within minutes of pausing; no other signs. Resume at the same rate.",
            eventId: UUID())
        try await act(session, path: sessionPath, resume)

        begin("Later the patient reports tinnitus again, now with numbness around the mouth")
        expect("two LAST symptoms together; rule L11 stops the infusion and latches a high-priority alert "
            + "until the bedside confirms the pump has stopped.")
        let numbness = try await observe(session, path: sessionPath, symptoms: [.tinnitus, .perioralNumbness])
        let stopAlert = Self.alert(in: numbness, forActions: [.stop])

        begin("The bedside confirms the pump has stopped")
        try await act(session, path: sessionPath, ActionRequest(action: .pumpStopped, by: nurse, eventId: UUID()))

        begin("The nurse acknowledges the stop alert")
        expect("with the pump confirmed stopped, acknowledging resolves the latched alert.")
        try await acknowledge(stopAlert, note: "Pump stopped at the bedside; LAST checklist followed.")

        begin("The session's alerts")
        sent("GET /v1/alerts?session=\(session.id.uuidString.lowercased())&state=… (active, acknowledged, resolved)")
        var alerts: [Alert] = []
        for state in AlertState.allCases {
            alerts += try await client.alerts(state: state.rawValue, session: session.id)
        }
        alerts.sort { $0.id < $1.id }
        answered(alerts.isEmpty ? "No alerts." : Render.alerts(alerts).render())

        begin("The latest audit records")
        sent("GET /v1/audit (the last 12 records)")
        let entries = try await client.auditTail(count: 12)
        answered(entries.isEmpty ? "No audit records." : Render.audit(entries).render())

        say("""

            That was the whole flow. Every step above is in the tamper-evident audit trail; check it with:
              infusionctl audit verify
            """)
    }

    // MARK: Steps

    private mutating func startSession() async throws -> Session {
        let patient = "MRN-DEMO-" + String(format: "%04d", Int.random(in: 0...9999))
        let request = StartSessionRequest(
            patientId: patient, drug: .lidocaine, weightKg: 70, heightCm: 175, sex: .male, dosingWeight: .actual,
            bolus: BolusOrder(doseMgPerKg: 1.5, durationMin: 20), infusion: InfusionOrder(rateMgPerKgPerHour: 1.0),
            prescriber: clinician, recordedBy: nurse,
            baseline: Vitals(
                heartRateBpm: 72, systolicMmHg: 128, diastolicMmHg: 78, spo2Percent: 98, respiratoryRatePerMin: 14,
                qrsMs: 90, prMs: 160, rhythm: .sinus))

        begin("A nurse starts a lidocaine infusion session")
        sent("""
            POST /v1/sessions: patient \(patient), lidocaine, 70 kg, 175 cm, male, dosing on actual weight;
            bolus 1.5 mg/kg over 20 min, infusion 1 mg/kg/h; prescribed by \(clinician), recorded by \(nurse);
            baseline \(Render.vitals(request.baseline ?? Vitals())).
            """)
        let session = try await client.startSession(request)
        answered("Session \(session.id.uuidString.lowercased()) started.\n" + Render.sessionSummary(session))
        return session
    }

    private func observe(_ session: Session, path: String, symptoms: [Symptom]) async throws -> EventResponse {
        let request = ObservationRequest(
            eventId: UUID(), observedAt: Date(), recordedBy: nurse,
            vitals: Vitals(
                heartRateBpm: 74, systolicMmHg: 126, diastolicMmHg: 80, spo2Percent: 97, respiratoryRatePerMin: 14,
                qrsMs: 92, prMs: 160, rhythm: .sinus),
            symptoms: symptoms.isEmpty ? nil : symptoms, sedation: Sedation(scale: .POSS, value: "1"), painNrs: 4)
        sent("POST \(path)/observations by \(nurse): \(Render.observation(request))")
        let response = try await client.observe(sessionId: session.id, request)
        answered(Render.eventResponse(response))
        return response
    }

    private func act(_ session: Session, path: String, _ request: ActionRequest) async throws {
        var what = "POST \(path)/actions: \(request.action.rawValue) by \(request.by)"
        if let reason = request.reason { what += ", reason \"\(reason)\"" }
        sent(what)
        let response = try await client.act(sessionId: session.id, request)
        answered(Render.eventResponse(response))
    }

    private func acknowledge(_ alert: Alert?, note: String) async throws {
        guard let alert else {
            answered("The previous step raised no alert, so there is nothing to acknowledge; skipping.")
            return
        }
        sent("POST /v1/alerts/\(alert.id)/ack by \(nurse), note \"\(note)\"")
        let acknowledged = try await client.acknowledge(alertId: alert.id, AcknowledgeRequest(by: nurse, note: note))
        answered(Render.alertSentence(acknowledged))
    }

    /// The unresolved alert an answer raised for a decision with one of `actions`, else its first unresolved alert.
    private static func alert(in response: EventResponse, forActions actions: Set<DecisionAction>) -> Alert? {
        let rules = Set(response.decisions.filter { actions.contains($0.action) }.map(\.ruleId))
        let open = response.alerts.filter { $0.state != .resolved }
        return open.first { rules.contains($0.ruleId) } ?? open.first
    }

    // MARK: Narration

    private mutating func begin(_ title: String) {
        step += 1
        say("\nStep \(step) of \(stepCount): \(title)")
    }

    private func expect(_ text: String) {
        say(Self.indent("What to look for: " + text, label: ""))
    }

    private func sent(_ text: String) {
        say(Self.indent(text, label: "Sent  "))
    }

    private func answered(_ text: String) {
        say(Self.indent(text, label: "Back  "))
    }

    private func say(_ text: String) {
        Console.out(text)
    }

    /// Puts `label` before the first line and lines the others up under it, all indented by two spaces.
    private static func indent(_ text: String, label: String) -> String {
        let margin = "  " + String(repeating: " ", count: label.count)
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, line in
            (index == 0 ? "  " + label : margin) + line
        }.joined(separator: "\n")
    }
}
