import Foundation
import HTTPTypes
import InfusionCore
import InfusionServer
import InfusionStore
import Testing

/// Issue 12 item 7's `POST /v1/sessions/preview`: the start checks on the start's body, with the doses, the dosing
/// weight and every limit and contraindication; nothing stored; the same verdict as `POST /v1/sessions`.
@Suite("Start preview")
struct StartPreviewTests {
    /// Previews `request` and then starts it on the daemon's own socket's router, for the two answers side by side.
    static func previewThenStart(_ request: StartSessionRequest) async throws -> (preview: StartPreviewResponse, start: RouterHarness.Reply, stored: (before: Int, after: Int)) {
        let harness = try RouterHarness()
        let box = Box()
        try await harness.run { client in
            let preview = try await client.send(.post, "/v1/sessions/preview", json: request)
            #expect(preview.status == 200, "\(String(decoding: preview.body, as: UTF8.self))")
            let records = try await harness.state.store.auditPage(after: 0, limit: 10_000).records.count
            let sessions = try await harness.state.store.sessions(state: "all").count
            #expect(sessions == 0, "a preview started a session")
            await box.set(try preview.decode(StartPreviewResponse.self), try await client.send(.post, "/v1/sessions", json: request), records)
        }
        let (preview, start, records) = await box.values!
        return (preview, start, (0, records))
    }

    actor Box {
        var values: (StartPreviewResponse, RouterHarness.Reply, Int)?
        func set(_ preview: StartPreviewResponse, _ start: RouterHarness.Reply, _ records: Int) { values = (preview, start, records) }
    }

    @Test("an order inside every limit: would start, with the doses in mg and mg/h and the dosing weight, and no findings")
    func plainOrder() async throws {
        let (preview, start, stored) = try await Self.previewThenStart(RouterHarness.startRequest())
        #expect(stored.after == stored.before, "a preview wrote audit records")
        #expect(preview.wouldStart && preview.refusal == nil && preview.findings.isEmpty)
        #expect(preview.dosingWeight == .actual && preview.dosingWeightKg == 70)
        #expect(preview.doses?.bolusMg == 105 && preview.doses?.bolusRateMgPerHour == 315 && preview.doses?.infusionMgPerHour == 70)
        #expect(preview.state == .running)
        #expect(start.status == 201)
        #expect(try start.decode(Session.self).doses == preview.doses)
    }

    @Test("the 100 mg/h cap at 80 kg: 1.25 mg/kg/h (100 mg/h) starts, 1.26 (100.8 mg/h) is a hard limit that blocks with the daemon's explanation",
          arguments: [(1.25, true), (1.26, false)])
    func hardCap(rate: Double, starts: Bool) async throws {
        let request = RouterHarness.startRequest(weightKg: 80, rate: rate, override: Override(by: "clin-017", reason: "insist"))
        let (preview, start, _) = try await Self.previewThenStart(request)
        #expect(preview.wouldStart == starts)
        #expect(start.status == (starts ? 201 : 422))
        if starts {
            #expect(preview.findings.isEmpty && preview.doses?.infusionMgPerHour == 100)
        } else {
            let finding = try #require(preview.findings.first)
            #expect(finding.kind == .hardLimit && finding.severity == .hard && finding.overrideField == nil && !finding.overridden)
            #expect(finding.limit == "infusionMgPerHour.hardMax" && finding.bound == 100 && finding.unit == "mg/h" && finding.value == 100.8)
            #expect(preview.refusal?.code == "dose.hardLimit")
            // The same refusal, word for word, as the start itself.
            #expect(preview.refusal?.detail == start.problem?.detail)
            #expect(preview.refusal?.limits == start.problem?.limits)
        }
    }

    @Test("a soft limit needs an override reason: listed as soft, blocks without the override, starts with it",
          arguments: [(2.0, nil as Override?), (2.1, nil), (2.1, Override(by: "clin-017", reason: "neuropathic pain, reviewed"))])
    func softLimit(rate: Double, override: Override?) async throws {
        let request = RouterHarness.startRequest(weightKg: 45, rate: rate, override: override)
        let (preview, start, _) = try await Self.previewThenStart(request)
        if rate <= 2 {
            #expect(preview.wouldStart && preview.findings.isEmpty)
            return
        }
        let finding = try #require(preview.findings.first)
        #expect(finding.kind == .softLimit && finding.severity == .soft && finding.overrideField == "override")
        #expect(finding.limit == "infusionRateMgPerKgPerHour.softMax" && finding.bound == 2)
        #expect(finding.overridden == (override != nil))
        #expect(preview.wouldStart == (override != nil))
        #expect(start.status == (override != nil ? 201 : 422))
        if override == nil {
            #expect(preview.refusal?.code == "dose.softLimit" && start.problem?.code == "dose.softLimit")
        } else {
            #expect(preview.decisions.contains { $0.ruleId == "L15" && $0.requiresReview })
        }
    }

    @Test("every limit is listed, hard first, although the start stops at the first")
    func everyLimit() async throws {
        // 70 kg at 2.5 mg/kg/h: over the 2 mg/kg/h soft limit and the 100 mg/h hard cap (175 mg/h); bolus 3.5 over its soft 3.
        let (preview, _, _) = try await Self.previewThenStart(RouterHarness.startRequest(rate: 2.5, bolus: 3.5))
        #expect(preview.findings.map(\.kind) == [.hardLimit, .softLimit, .softLimit])
        #expect(Set(preview.findings.compactMap(\.limit)) == ["infusionMgPerHour.hardMax", "infusionRateMgPerKgPerHour.softMax", "bolusDoseMgPerKg.softMax"])
        #expect(preview.refusal?.code == "dose.hardLimit")
    }

    @Test("contraindications: an absolute one blocks unless contraindicationOverride is given; a relative one asks for a review",
          arguments: [PatientCondition.conductionBlock, .heartFailure])
    func contraindication(condition: PatientCondition) async throws {
        var request = RouterHarness.startRequest()
        request.flags = PatientFlags(conditions: [condition])
        let (preview, start, _) = try await Self.previewThenStart(request)
        let finding = try #require(preview.findings.first)
        #expect(!preview.wouldStart && start.status == 422)
        if condition == .conductionBlock {
            #expect(finding.kind == .contraindication && finding.severity == .hard && finding.overrideField == "contraindicationOverride")
            #expect(preview.refusal?.code == "session.contraindicated" && start.problem?.code == "session.contraindicated")
        } else {
            #expect(finding.kind == .reviewRequired && finding.severity == .soft && finding.overrideField == "override")
            #expect(preview.refusal?.code == "session.reviewRequired")
        }
        #expect(finding.message.contains(condition.rawValue))
    }

    @Test("figures the start refuses as implausible, or whose doses are not finite, are previewed as that refusal, never a server error",
          arguments: [(weightKg: 1e9, durationMin: 20.0, code: "session.implausible"), (70, 5e-324, "dose.hardLimit")])
    func implausible(weightKg: Double, durationMin: Double, code: String) async throws {
        var request = RouterHarness.startRequest(weightKg: weightKg)
        request.bolus?.durationMin = durationMin
        let (preview, start, _) = try await Self.previewThenStart(request)
        #expect(!preview.wouldStart && preview.refusal?.code == code && start.problem?.code == code)
        #expect(preview.doses == nil)
    }

    @Test("only the roles that may start may preview; a station is refused 403")
    func roles() async throws {
        let harness = try RouterHarness(roles: [.station])
        try await harness.run { client in
            let reply = try await client.send(.post, "/v1/sessions/preview", json: RouterHarness.startRequest())
            #expect(reply.status == 403)
            #expect(reply.problem?.code == "access.denied")
        }
    }

    @Test("through the web the preview fills the acting person and stores nothing")
    func throughTheWeb() async throws {
        let harness = try WebHarness()
        try await harness.run { client in
            let reply = try await client.send(.post, "/v1/sessions/preview", raw: try WebHarness.startBody(rate: 1.5), headers: WebHarness.clinician)
            #expect(reply.status == 200)
            let preview = try reply.decode(StartPreviewResponse.self)
            #expect(!preview.wouldStart && preview.refusal?.code == "dose.hardLimit")
            let nurse = try await client.send(.post, "/v1/sessions/preview", raw: try WebHarness.startBody(), headers: WebHarness.headers())
            #expect(nurse.status == 403)
        }
        let records = try await harness.audit()
        #expect(records.allSatisfy { $0.action == "request.refuse" }, "\(records.map(\.action))")
        #expect(try await harness.state.store.sessions(state: "all").isEmpty)
    }
}
