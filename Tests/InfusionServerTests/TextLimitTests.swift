import Foundation
import HTTPTypes
import InfusionCore
import InfusionServer
import InfusionStore
import Testing

/// Issue 15 items 6 and 11: every text field of every write request is capped in UTF-8 bytes and refuses control,
/// invisible and bidirectional characters, with a 422 naming the field; notes keep TAB and LF.
@Suite("Text limits: identifiers and notes are capped in bytes and refuse control characters")
struct TextLimitTests {
    /// Where a value is put.
    enum Field: String, Sendable, CaseIterable {
        case patientId, prescriber, startRecordedBy, startOverrideReason
        case recordedBy, feedId
        case actionBy, reason, actionOverrideBy
        case ackBy, note

        /// The `field` a refusal must name.
        var wireName: String {
            switch self {
            case .startRecordedBy: "recordedBy"
            case .startOverrideReason: "override.reason"
            case .actionBy, .ackBy: "by"
            case .actionOverrideBy: "override.by"
            default: rawValue
            }
        }

        var kind: TextRules.Kind { [.startOverrideReason, .reason, .note].contains(self) ? .freeText : .identifier }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var field: Field
        var value: String
        /// nil: accepted.
        var code: String?
        var testDescription: String { "\(field.rawValue): \(name)" }
    }

    static let identifierCases: [(String, String, String?)] = [
        ("128 ASCII bytes", String(repeating: "a", count: 128), nil),
        ("129 ASCII bytes", String(repeating: "a", count: 129), "request.textTooLong"),
        ("64 × é = 128 bytes", String(repeating: "\u{E9}", count: 64), nil),
        ("65 × é = 130 bytes but 65 characters", String(repeating: "\u{E9}", count: 65), "request.textTooLong"),
        ("NUL", "nurse\u{0}042", "request.controlCharacter"),
        ("ESC colour sequence", "nurse\u{1B}[31m042", "request.controlCharacter"),
        ("TAB", "nurse\t042", "request.controlCharacter"),
        ("LF", "nurse\n042", "request.controlCharacter"),
        ("DEL", "nurse\u{7F}042", "request.controlCharacter"),
        ("C1 NEL", "nurse\u{85}042", "request.controlCharacter"),
        ("C1 CSI", "nurse\u{9B}31m042", "request.controlCharacter"),
        ("right-to-left override", "MRN\u{202E}1001", "request.controlCharacter"),
        ("first strong isolate", "MRN\u{2068}1001", "request.controlCharacter"),
        ("right-to-left mark", "MRN\u{200F}1001", "request.controlCharacter"),
        ("zero-width space", "nurse\u{200B}042", "request.controlCharacter"),
        ("line separator", "nurse\u{2028}042", "request.controlCharacter"),
        ("8 combining marks", "e" + String(repeating: "\u{301}", count: 8), nil),
        ("9 combining marks", "e" + String(repeating: "\u{301}", count: 9), "request.combiningMarks"),
        ("accented name", "Zo\u{EB} M\u{FC}ller-\u{5F9}\u{5DC}\u{5D5}\u{5DD}", nil),
    ]

    static let freeTextCases: [(String, String, String?)] = [
        ("2048 bytes", String(repeating: "n", count: 2048), nil),
        ("2049 bytes", String(repeating: "n", count: 2049), "request.textTooLong"),
        ("1024 × é = 2048 bytes", String(repeating: "\u{E9}", count: 1024), nil),
        ("1025 × é = 2050 bytes", String(repeating: "\u{E9}", count: 1025), "request.textTooLong"),
        ("TAB and LF kept", "line one\n\tline two", nil),
        ("zero-width joiner emoji kept", "seen by \u{1F469}\u{200D}\u{2695}\u{FE0F}", nil),
        ("CR", "line one\r\nline two", "request.controlCharacter"),
        ("NUL", "ok\u{0}", "request.controlCharacter"),
        ("ESC", "ok\u{1B}]0;title\u{7}", "request.controlCharacter"),
        ("DEL", "ok\u{7F}", "request.controlCharacter"),
        ("C1 CSI", "ok\u{9B}2J", "request.controlCharacter"),
        ("right-to-left override", "dose \u{202E}01 gm", "request.controlCharacter"),
        ("pop directional isolate", "dose \u{2069}", "request.controlCharacter"),
        ("arabic letter mark", "dose \u{61C}", "request.controlCharacter"),
        ("paragraph separator", "one\u{2029}two", "request.controlCharacter"),
        ("1000 combining marks", "a" + String(repeating: "\u{301}", count: 1000), "request.combiningMarks"),
    ]

    static var cases: [Case] {
        Field.allCases.flatMap { field in
            (field.kind == .identifier ? identifierCases : freeTextCases).map { Case(name: $0.0, field: field, value: $0.1, code: $0.2) }
        }
    }

    @Test("each field at and over its limit, and with each kind of control character", arguments: cases)
    func field(_ testCase: Case) async throws {
        let harness = try RouterHarness()
        try await harness.run { client in
            let value = testCase.value
            var start = RouterHarness.startRequest()
            switch testCase.field {
            case .patientId: start.patientId = value
            case .prescriber: start.prescriber = value
            case .startRecordedBy: start.recordedBy = value
            case .startOverrideReason: start.override = Override(by: "clin-017", reason: value)
            default: break
            }
            let started = try await client.send(.post, "/v1/sessions", json: start)
            let reply: RouterHarness.Reply
            switch testCase.field {
            case .patientId, .prescriber, .startRecordedBy, .startOverrideReason:
                reply = started
            case .recordedBy, .feedId:
                let session = try started.decode(Session.self)
                var observation = ObservationRequest(observedAt: Date(), recordedBy: "nurse-042", vitals: Vitals(heartRateBpm: 74))
                if testCase.field == .recordedBy { observation.recordedBy = value } else { observation.feedId = value }
                reply = try await client.send(.post, "/v1/sessions/\(session.id)/observations", json: observation)
            case .actionBy, .reason, .actionOverrideBy:
                let session = try started.decode(Session.self)
                var action = ActionRequest(action: .pause, by: "clin-017", reason: "planned break")
                switch testCase.field {
                case .actionBy: action.by = value
                case .reason: action.reason = value
                default: action.override = Override(by: value, reason: "checked")
                }
                reply = try await client.send(.post, "/v1/sessions/\(session.id)/actions", json: action)
            case .ackBy, .note:
                let session = try started.decode(Session.self)
                let raised = try await client.send(.post, "/v1/sessions/\(session.id)/observations", json: ObservationRequest(
                    observedAt: Date(), recordedBy: "nurse-042", symptoms: [.tinnitus])).decode(EventResponse.self)
                let alert = try #require(raised.alerts.first)
                let ack = testCase.field == .ackBy ? AcknowledgeRequest(by: value, note: "at bedside") : AcknowledgeRequest(by: "nurse-042", note: value)
                reply = try await client.send(.post, "/v1/alerts/\(alert.id)/ack", json: ack)
            }
            if let code = testCase.code {
                #expect(reply.status == 422)
                let problem = try #require(reply.problem)
                #expect(problem.code == code)
                #expect(problem.field == testCase.field.wireName)
                // The refusal names the character, never echoes it.
                #expect(!problem.detail.unicodeScalars.contains { !TextRules.allows($0, in: .identifier) && $0 != " " })
            } else {
                #expect((200..<300).contains(reply.status), "\(reply.status) \(reply.problem?.detail ?? "")")
            }
        }
    }

    @Test("a reading person (by= or X-Infusion-Person) follows the identifier rules", arguments: [
        ("nurse-042", 200), ("nurse%1B042", 400), ("nurse%E2%80%AE042", 400), ("nurse%C2%85", 400),
        (String(repeating: "a", count: 128), 200), (String(repeating: "a", count: 129), 400),
        (String(repeating: "%C3%A9", count: 65), 400),
    ])
    func readingPerson(query: String, status: Int) async throws {
        try await RouterHarness().run { client in
            let reply = try await client.get("/v1/sessions?by=\(query)")
            #expect(reply.status == status)
            if status == 400 { #expect(reply.problem?.code == "request.badPerson") }
        }
    }
}

/// The rules themselves, scalar by scalar.
@Suite("TextRules: which characters each kind of field takes")
struct TextRulesTests {
    static let c0: [UInt32] = Array(0x00...0x1F)
    static let c1: [UInt32] = Array(0x7F...0x9F)
    static let bidi: [UInt32] = [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]

    @Test("every C0 control, DEL and C1 control is refused in identifiers; notes keep only TAB and LF", arguments: c0 + c1)
    func controls(value: UInt32) throws {
        let scalar = try #require(Unicode.Scalar(value))
        #expect(TextRules.violation(in: "a\(Character(scalar))b", kind: .identifier) == .forbidden(scalar: scalar, position: 2))
        let inNote = TextRules.violation(in: "a\(Character(scalar))b", kind: .freeText)
        if value == 0x09 || value == 0x0A {
            #expect(inNote == nil)
        } else {
            #expect(inNote == .forbidden(scalar: scalar, position: 2))
        }
    }

    @Test("every bidirectional control is refused in both kinds", arguments: bidi)
    func bidiControls(value: UInt32) throws {
        let scalar = try #require(Unicode.Scalar(value))
        #expect(TextRules.isBidiControl(scalar))
        for kind in [TextRules.Kind.identifier, .freeText] {
            #expect(TextRules.violation(in: "x\(Character(scalar))", kind: kind) == .forbidden(scalar: scalar, position: 2))
        }
    }

    @Test("limits are counted in UTF-8 bytes", arguments: [
        (TextRules.Kind.identifier, "a", 128, true), (.identifier, "a", 129, false), (.identifier, "\u{20AC}", 42, true),
        (.identifier, "\u{20AC}", 43, false), (.identifier, "\u{1F489}", 32, true), (.identifier, "\u{1F489}", 33, false),
        (.freeText, "a", 2048, true), (.freeText, "a", 2049, false), (.freeText, "\u{1F489}", 512, true), (.freeText, "\u{1F489}", 513, false),
    ])
    func byteLimits(kind: TextRules.Kind, unit: String, repeats: Int, accepted: Bool) {
        let text = String(repeating: unit, count: repeats)
        let violation = TextRules.violation(in: text, kind: kind)
        if accepted {
            #expect(violation == nil)
        } else {
            #expect(violation == .tooLong(bytes: text.utf8.count, limit: kind.maxBytes))
        }
    }

    @Test("a message names a character by code point (and name where Unicode gives one), never the character", arguments: [
        (UInt32(0x202E), "U+202E RIGHT-TO-LEFT OVERRIDE"), (0x00, "U+0000"), (0x1B, "U+001B"), (0x85, "U+0085"),
    ])
    func describe(value: UInt32, text: String) throws {
        let scalar = try #require(Unicode.Scalar(value))
        let description = TextRules.describe(scalar)
        #expect(description.hasPrefix(text))
        #expect(!description.unicodeScalars.contains(scalar))
    }
}
