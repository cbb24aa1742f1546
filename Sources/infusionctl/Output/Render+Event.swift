import Foundation
import InfusionClient
import InfusionCore

extension Render {
    /// Decisions as a table: rule, action, priority, reason.
    static func decisions(_ decisions: [Decision], indent: Int = 2) -> TextTable {
        var table = TextTable(columns: [.init("RULE"), .init("ACTION"), .init("PRIORITY"), .init("REASON")], indent: indent)
        for decision in decisions {
            table.append([decision.ruleId, decision.action.rawValue, decision.priority.rawValue, decision.reason])
        }
        return table
    }

    /// Bedside guidance and emergency flags that come with decisions, one line each.
    static func guidance(_ decisions: [Decision]) -> [String] {
        decisions.flatMap { decision -> [String] in
            var lines: [String] = []
            if decision.emergency {
                lines.append("  EMERGENCY (\(decision.ruleId)): call for help and follow the LAST checklist.")
            }
            if decision.requiresReview {
                lines.append("  \(decision.ruleId) needs a clinician's review.")
            }
            if let guidance = decision.guidance { lines.append("  \(decision.ruleId): \(guidance)") }
            return lines
        }
    }

    /// The answer to an observation or action: what was stored, what the rules decided, which alerts changed.
    static func eventResponse(_ response: EventResponse) -> String {
        let event = response.event
        let session = response.session
        var lines = [
            "Recorded \(event.kind.rawValue) #\(event.sequence) at \(time(event.recordedAt)) for \(session.patientId) "
                + "(session \(DisplayFormat.shortID(session.id))); the session is \(session.state.rawValue)."
        ]
        if response.decisions.isEmpty {
            lines.append("No rule fired.")
        } else {
            lines.append(section("Decisions", decisions(response.decisions), empty: "none"))
            lines += guidance(response.decisions)
        }
        if !response.alerts.isEmpty {
            lines.append(section("Alerts raised or changed", alerts(response.alerts, showSession: false), empty: "none"))
        }
        return lines.joined(separator: "\n")
    }

    /// Vital signs in bedside shorthand, e.g. `HR 72, BP 128/78, SpO2 98%, RR 14, QRS 90 ms, PR 160 ms, sinus`.
    static func vitals(_ vitals: Vitals) -> String {
        var parts: [String] = []
        if let hr = vitals.heartRateBpm { parts.append("HR \(DisplayFormat.number(hr))") }
        switch (vitals.systolicMmHg, vitals.diastolicMmHg) {
        case let (systolic?, diastolic?):
            parts.append("BP \(DisplayFormat.number(systolic))/\(DisplayFormat.number(diastolic))")
        case let (systolic?, nil): parts.append("SBP \(DisplayFormat.number(systolic))")
        case let (nil, diastolic?): parts.append("DBP \(DisplayFormat.number(diastolic))")
        case (nil, nil): break
        }
        if let spo2 = vitals.spo2Percent { parts.append("SpO2 \(DisplayFormat.number(spo2))%") }
        if let rr = vitals.respiratoryRatePerMin { parts.append("RR \(DisplayFormat.number(rr))") }
        if let qrs = vitals.qrsMs { parts.append("QRS \(DisplayFormat.number(qrs)) ms") }
        if let pr = vitals.prMs { parts.append("PR \(DisplayFormat.number(pr)) ms") }
        if let rhythm = vitals.rhythm { parts.append(rhythm.rawValue) }
        return parts.joined(separator: ", ")
    }

    /// What an observation reports, in one line.
    static func observation(_ request: ObservationRequest) -> String {
        var parts: [String] = []
        if let vitals = request.vitals { parts.append(Render.vitals(vitals)) }
        if let symptoms = request.symptoms, !symptoms.isEmpty {
            parts.append("symptoms: " + symptoms.map(\.rawValue).joined(separator: ", "))
        }
        if let sedation = request.sedation { parts.append("\(sedation.scale.rawValue) \(sedation.value)") }
        if let pain = request.painNrs { parts.append("pain \(pain)/10") }
        if let serum = request.serumLevelUgPerMl { parts.append("serum \(DisplayFormat.number(serum)) µg/mL") }
        return parts.isEmpty ? "no findings" : parts.joined(separator: "; ")
    }
}
