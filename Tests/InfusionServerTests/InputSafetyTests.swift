import Foundation
import HTTPTypes
import GRDB
import InfusionCore
import InfusionServer
import InfusionStore
import Testing

@Suite("Input safety: every bad request gets its status, a clear problem, and only an audit record")
struct InputSafetyTests {
    /// One bad request against a fresh session, and what must come back.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var method: String = "POST"
        var path: String = "observations"
        var body: String?
        var contentType: String? = "application/json"
        var status: Int
        var code: String
        var field: String?
        var testDescription: String { name }
    }

    static func observation(_ fields: String, observedAt: String? = nil) -> String {
        let time = observedAt ?? WireJSON.formatTimestamp(Date())
        return #"{"eventId":"\#(UUID().uuidString)","observedAt":"\#(time)","recordedBy":"nurse-042"\#(fields.isEmpty ? "" : ",")\#(fields)}"#
    }

    static let cases: [Case] = [
        Case(name: "malformed JSON", body: "{not json", status: 400, code: "request.malformedJSON"),
        Case(name: "empty body", body: "", status: 400, code: "request.malformedJSON"),
        Case(name: "JSON array body", body: "[1,2]", status: 400, code: "request.malformedJSON"),
        Case(name: "wrong content type", body: observation(#""symptoms":["tinnitus"]"#), contentType: "text/plain", status: 415, code: "request.unsupportedMediaType"),
        Case(name: "body over 64 KiB", body: observation(#""symptoms":["tinnitus"],"pad":"\#(String(repeating: "x", count: 70_000))""#), status: 413, code: "request.tooLarge"),
        Case(name: "missing eventId", body: #"{"observedAt":"2026-01-01T00:00:00Z","recordedBy":"n"}"#, status: 422, code: "request.missingField", field: "eventId"),
        Case(name: "unknown symptom", body: observation(#""symptoms":["hiccups"]"#), status: 422, code: "request.invalidField", field: "symptoms[0]"),
        Case(name: "heart rate as text", body: observation(#""vitals":{"heartRateBpm":"fast"}"#), status: 422, code: "request.invalidField", field: "vitals.heartRateBpm"),
        Case(name: "bad observedAt", body: observation("", observedAt: "yesterday"), status: 422, code: "request.timestamp", field: "observedAt"),
        Case(name: "observedAt on 30 February", body: observation(#""symptoms":["tinnitus"]"#, observedAt: "2026-02-30T10:00:00Z"), status: 422, code: "request.timestamp", field: "observedAt"),
        Case(name: "observedAt at hour 25", body: observation(#""symptoms":["tinnitus"]"#, observedAt: "2026-01-01T25:00:00Z"), status: 422, code: "request.timestamp", field: "observedAt"),
        Case(name: "observedAt in year 1", body: observation(#""symptoms":["tinnitus"]"#, observedAt: "0001-01-01T00:00:00Z"), status: 422, code: "request.timestamp", field: "observedAt"),
        Case(name: "observedAt without an offset", body: observation(#""symptoms":["tinnitus"]"#, observedAt: "2026-01-01T10:00:00"), status: 422, code: "request.timestamp", field: "observedAt"),
        Case(name: "lastNerveBlockAt on 31 April", path: "/v1/sessions", body: #"{"patientId":"MRN-1","drug":"lidocaine","weightKg":70,"prescriber":"clin-017","recordedBy":"nurse-042","infusion":{"rateMgPerKgPerHour":1},"flags":{"lastNerveBlockAt":"2026-04-31T08:00:00Z"}}"#, status: 422, code: "request.timestamp", field: "flags.lastNerveBlockAt"),
        Case(name: "observedAt an hour before the session started", body: observation(#""symptoms":["tinnitus"]"#, observedAt: WireJSON.formatTimestamp(Date().addingTimeInterval(-3600))), status: 422, code: "observation.beforeStart", field: "observedAt"),
        Case(name: "recordedBy with a NUL", body: #"{"eventId":"\#(UUID().uuidString)","observedAt":"\#(WireJSON.formatTimestamp(Date()))","recordedBy":"nurse\u0000042","symptoms":["tinnitus"]}"#, status: 422, code: "request.controlCharacter", field: "recordedBy"),
        Case(name: "feedId over 128 bytes", body: observation(#""symptoms":["tinnitus"],"feedId":"\#(String(repeating: "m", count: 129))""#), status: 422, code: "request.textTooLong", field: "feedId"),
        Case(name: "reason with a right-to-left override", path: "actions", body: #"{"action":"pause","by":"clin-017","reason":"dose \u202E01"}"#, status: 422, code: "request.controlCharacter", field: "reason"),
        Case(name: "reason over 2048 bytes", path: "actions", body: #"{"action":"pause","by":"clin-017","reason":"\#(String(repeating: "r", count: 2049))"}"#, status: 422, code: "request.textTooLong", field: "reason"),
        Case(name: "observedAt an hour in the future", body: observation(#""symptoms":["tinnitus"]"#, observedAt: WireJSON.formatTimestamp(Date().addingTimeInterval(3600))), status: 422, code: "observation.futureTime", field: "observedAt"),
        Case(name: "heart rate 351", body: observation(#""vitals":{"heartRateBpm":351}"#), status: 422, code: "observation.implausible", field: "vitals.heartRateBpm"),
        Case(name: "heart rate −1", body: observation(#""vitals":{"heartRateBpm":-1}"#), status: 422, code: "observation.implausible", field: "vitals.heartRateBpm"),
        Case(name: "SpO2 101", body: observation(#""vitals":{"spo2Percent":101}"#), status: 422, code: "observation.implausible", field: "vitals.spo2Percent"),
        Case(name: "diastolic above systolic", body: observation(#""vitals":{"systolicMmHg":80,"diastolicMmHg":120}"#), status: 422, code: "observation.implausible", field: "vitals.diastolicMmHg"),
        Case(name: "respiratory rate 81", body: observation(#""vitals":{"respiratoryRatePerMin":81}"#), status: 422, code: "observation.implausible", field: "vitals.respiratoryRatePerMin"),
        Case(name: "pain 11", body: observation(#""painNrs":11"#), status: 422, code: "observation.implausible", field: "painNrs"),
        Case(name: "POSS 5", body: observation(#""sedation":{"scale":"POSS","value":"5"}"#), status: 422, code: "observation.implausible", field: "sedation.value"),
        Case(name: "nothing observed", body: observation(""), status: 422, code: "observation.empty"),
        Case(name: "blank recordedBy", body: #"{"eventId":"\#(UUID().uuidString)","observedAt":"\#(WireJSON.formatTimestamp(Date()))","recordedBy":" ","symptoms":["tinnitus"]}"#, status: 422, code: "request.missingField", field: "recordedBy"),
        Case(name: "unknown session", path: "unknown", body: observation(#""symptoms":["tinnitus"]"#), status: 404, code: "session.notFound"),
        Case(name: "session id not a UUID", path: "not-a-uuid", body: observation(#""symptoms":["tinnitus"]"#), status: 404, code: "session.notFound"),
        Case(name: "unknown route", method: "GET", path: "/v1/nothing-here", status: 404, code: "route.notFound"),
        Case(name: "bad alert state", method: "GET", path: "/v1/alerts?state=loud", status: 400, code: "request.badQuery", field: "state"),
        Case(name: "alert session filter not a UUID", method: "GET", path: "/v1/alerts?session=abc", status: 400, code: "request.badQuery", field: "session"),
        Case(name: "bad session state", method: "GET", path: "/v1/sessions?state=some", status: 400, code: "request.badQuery", field: "state"),
        Case(name: "bad audit limit", method: "GET", path: "/v1/audit?limit=0", status: 400, code: "request.badQuery", field: "limit"),
        Case(name: "ack of a missing alert", path: "/v1/alerts/999/ack", body: #"{"by":"nurse-042"}"#, status: 404, code: "alert.notFound"),
        Case(name: "rate change without a rate", path: "actions", body: #"{"action":"rateChange","by":"clin-017"}"#, status: 422, code: "action.missingField", field: "infusion"),
        Case(name: "rate change over the cap", path: "actions", body: #"{"action":"rateChange","by":"clin-017","infusion":{"rateMgPerKgPerHour":1.5}}"#, status: 422, code: "dose.hardLimit", field: "infusion.rateMgPerKgPerHour"),
        Case(name: "bolus outside soft limits", path: "actions", body: #"{"action":"bolus","by":"clin-017","bolus":{"doseMgPerKg":0.5,"durationMin":20}}"#, status: 422, code: "dose.softLimit", field: "bolus.doseMgPerKg"),
        Case(name: "rate of 1.5e308 mg/kg/h", path: "actions", body: #"{"action":"rateChange","by":"clin-017","infusion":{"rateMgPerKgPerHour":1.5e308}}"#, status: 422, code: "dose.invalid", field: "infusion.rateMgPerKgPerHour"),
        Case(name: "bolus lasting 20 000 min", path: "actions", body: #"{"action":"bolus","by":"clin-017","bolus":{"doseMgPerKg":1,"durationMin":20000}}"#, status: 422, code: "dose.invalid", field: "bolus.durationMin"),
        Case(name: "unknown action", path: "actions", body: #"{"action":"explode","by":"clin-017"}"#, status: 422, code: "request.invalidField", field: "action"),
        Case(name: "resume a running session", path: "actions", body: #"{"action":"resume","by":"clin-017","reason":"x"}"#, status: 409, code: "session.invalidTransition"),
    ]

    @Test("bad input is refused, audited, and stores nothing else", arguments: cases)
    func refused(_ testCase: Case) async throws {
        let harness = try RouterHarness()
        try await harness.run { client in
            let session = try await client.send(.post, "/v1/sessions", json: RouterHarness.startRequest()).decode(Session.self)
            let before = try await Self.counts(harness.state.store)
            let uri: String = switch testCase.path {
            case "observations", "actions": "/v1/sessions/\(session.id)/\(testCase.path)"
            case "unknown": "/v1/sessions/\(UUID())/observations"
            case "not-a-uuid": "/v1/sessions/not-a-uuid/observations"
            default: testCase.path
            }
            let reply = try await client.send(.init(testCase.method)!, uri, raw: testCase.body.map { Data($0.utf8) }, contentType: testCase.contentType)
            #expect(reply.status == testCase.status)
            #expect(reply.headers[.contentType] == "application/problem+json")
            let problem = try #require(reply.problem)
            #expect(problem.code == testCase.code)
            #expect(problem.status == testCase.status)
            #expect(!problem.detail.isEmpty)
            if let field = testCase.field { #expect(problem.field == field) }

            let after = try await Self.counts(harness.state.store)
            #expect(after.events == before.events, "a refused request must store no event")
            #expect(after.decisions == before.decisions)
            #expect(after.audit == before.audit + 1, "a refused request leaves exactly one audit record")
            let last = try #require(try await harness.state.store.auditPage(after: before.audit, limit: 10).records.first?.record)
            #expect(last.action == "request.refuse")
            #expect(last.detail.objectValue?["code"] == .string(testCase.code))

            // The daemon keeps serving.
            #expect(try await client.get("/v1/health").status == 200)
        }
    }

    static func counts(_ store: ClinicalStore) async throws -> (events: Int, decisions: Int, audit: Int64) {
        try await store.database.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events")!, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM decisions")!,
             try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_records")!)
        }
    }
}

extension JSONValue {
    var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }
}
