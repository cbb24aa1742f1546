import Foundation
import InfusionClient
import InfusionCore

extension Render {
    /// Sessions as a table, one line each.
    static func sessions(_ sessions: [Session]) -> TextTable {
        var table = TextTable(columns: [
            .init("ID"), .init("PATIENT"), .init("DRUG"), .init("STATE"), .init("DOSING WT", alignment: .right),
            .init("INFUSION", alignment: .right), .init("STARTED"), .init("LAST OBS"),
        ])
        for session in sessions {
            table.append([
                session.id.uuidString.lowercased(), session.patientId, session.drug.rawValue, session.state.rawValue,
                quantity(session.dosingWeightKg, "kg"),
                session.doses.infusionMgPerHour.map { quantity($0, "mg/h") } ?? "-",
                time(session.startedAt), time(session.lastObservationAt),
            ])
        }
        return table
    }

    /// The bolus in words, e.g. `1.5 mg/kg over 20 min = 105 mg`.
    static func bolus(_ session: Session) -> String {
        guard let bolus = session.bolus else { return "none" }
        var text = "\(DisplayFormat.number(bolus.doseMgPerKg)) mg/kg over \(DisplayFormat.number(bolus.durationMin)) min"
        if let mg = session.doses.bolusMg { text += " = " + quantity(mg, "mg") }
        return text
    }

    /// The infusion in words, e.g. `1 mg/kg/h = 70 mg/h`.
    static func infusion(_ session: Session) -> String {
        guard let infusion = session.infusion else { return "none" }
        var text = "\(DisplayFormat.number(infusion.rateMgPerKgPerHour)) mg/kg/h"
        if let mgPerHour = session.doses.infusionMgPerHour { text += " = " + quantity(mgPerHour, "mg/h") }
        return text
    }

    /// The patient's measurements, e.g. `70 kg, 175 cm, male`.
    static func body(_ session: Session) -> String {
        [quantity(session.weightKg, "kg"), session.heightCm.map { quantity($0, "cm") }, session.sex?.rawValue]
            .compactMap { $0 }.joined(separator: ", ")
    }

    /// `, monitor reading from device <id>` for a reading a device listener stored (its body carries `device`).
    static func monitorNote(_ event: ClinicalEvent) -> String {
        guard case .object(let body) = event.body, case .object(let device)? = body["device"],
              case .string(let id)? = device["deviceId"] else { return "" }
        return ", monitor reading from device \(id)"
    }

    /// The essentials of one session: who, what, how much, since when.
    static func sessionSummary(_ session: Session, lastObservation: ClinicalEvent? = nil) -> String {
        let lastObserved = lastObservation.map { "\(moment($0.occurredAt)) by \($0.recordedBy)\(monitorNote($0))" }
            ?? session.lastObservationAt.map(moment) ?? "none yet"
        var pairs: [(String, String)] = [
            ("Patient", session.patientId),
            ("Drug", session.drug.rawValue),
            ("State", session.state.rawValue),
            ("Weight", body(session)),
            ("Dosing weight", "\(session.dosingWeight.rawValue), \(quantity(session.dosingWeightKg, "kg"))"),
            ("Bolus", bolus(session)),
            ("Infusion", infusion(session)),
            ("Prescriber", session.prescriber),
            ("Started", "by \(session.startedBy) at \(moment(session.startedAt))"),
            ("Pump stopped", session.pumpConfirmedStoppedAt.map { "confirmed at " + moment($0) } ?? "not confirmed"),
            ("Last observation", lastObserved),
            ("Monitor", binding(session)),
        ]
        if let override = session.override {
            pairs.append(("Override", "by \(override.by): \(override.reason)"))
        }
        if let endedAt = session.endedAt { pairs.append(("Ended", moment(endedAt))) }
        if let closedAt = session.closedAt { pairs.append(("Closed", moment(closedAt))) }
        return fields(pairs)
    }

    /// `sessions show`: the session, its open alerts and its recent decisions.
    static func sessionDetail(_ detail: SessionDetail) -> String {
        let session = detail.session
        var decisions = TextTable(columns: [
            .init("TIME"), .init("RULE"), .init("ACTION"), .init("PRIORITY"), .init("REASON"),
        ], indent: 2)
        for stored in detail.recentDecisions {
            let decision = stored.decision
            decisions.append([
                time(stored.decidedAt), decision.ruleId, decision.action.rawValue, decision.priority.rawValue,
                decision.reason,
            ])
        }
        return [
            "Session \(session.id.uuidString.lowercased())",
            sessionSummary(session, lastObservation: detail.lastObservation),
            [
                detail.schedule.map { "  Next observation  " + schedule($0) },
                detail.delivered.map { "  Dose so far       " + delivered($0) },
                detail.prediction.map { "  Predicted level   " + prediction($0) },
            ].compactMap { $0 }.joined(separator: "\n"),
            "",
            section("Open alerts", alerts(detail.openAlerts, showSession: false), empty: "none"),
            "",
            section("Recent decisions", decisions, empty: "none"),
        ].joined(separator: "\n")
    }
}
