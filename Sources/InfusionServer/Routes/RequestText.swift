import Foundation
import InfusionCore

/// Applies ``TextRules`` to every text field of a request body before anything else looks at it, refusing with a
/// 422 that names the field: `request.textTooLong`, `request.controlCharacter` or `request.combiningMarks`.
enum RequestText {
    /// Checks a start request's identifiers and override reasons.
    static func check(_ request: StartSessionRequest) throws(Problem) {
        try check(request.patientId, field: "patientId", kind: .identifier)
        try check(request.patientIdAuthority, field: "patientIdAuthority", kind: .identifier)
        try check(request.bed, field: "bed", kind: .identifier)
        try check(request.patientInitials, field: "patientInitials", kind: .identifier)
        try check(request.prescriber, field: "prescriber", kind: .identifier)
        try check(request.recordedBy, field: "recordedBy", kind: .identifier)
        try check(request.override, field: "override")
        try check(request.contraindicationOverride, field: "contraindicationOverride")
        try check(request.binding, field: "binding")
    }

    /// Checks an observation's recorder and feed id.
    static func check(_ request: ObservationRequest) throws(Problem) {
        try check(request.recordedBy, field: "recordedBy", kind: .identifier)
        try check(request.feedId, field: "feedId", kind: .identifier)
        try check(request.sedation?.value, field: "sedation.value", kind: .identifier)
    }

    /// Checks an action's person, reason and override.
    static func check(_ request: ActionRequest) throws(Problem) {
        try check(request.by, field: "by", kind: .identifier)
        try check(request.reason, field: "reason", kind: .freeText)
        try check(request.override, field: "override")
        try check(request.binding, field: "binding")
    }

    /// Checks an acknowledgement's person and note.
    static func check(_ request: AcknowledgeRequest) throws(Problem) {
        try check(request.by, field: "by", kind: .identifier)
        try check(request.note, field: "note", kind: .freeText)
    }

    private static func check(_ binding: DeviceBinding?, field: String) throws(Problem) {
        guard let binding else { return }
        try check(binding.bed, field: "\(field).bed", kind: .identifier)
        for device in binding.devices ?? [] { try check(device, field: "\(field).devices", kind: .identifier) }
    }

    private static func check(_ override: Override?, field: String) throws(Problem) {
        guard let override else { return }
        try check(override.by, field: "\(field).by", kind: .identifier)
        try check(override.reason, field: "\(field).reason", kind: .freeText)
    }

    /// Checks one field; nil passes (whether it is required is for the request's own validation).
    static func check(_ value: String?, field: String, kind: TextRules.Kind) throws(Problem) {
        guard let value, let violation = TextRules.violation(in: value, kind: kind) else { return }
        throw problem(violation, field: field, kind: kind)
    }

    /// The 422 problem for a violation in `field`.
    static func problem(_ violation: TextRules.Violation, field: String, kind: TextRules.Kind, status: Int = 422) -> Problem {
        let what = kind == .identifier ? "an identifier" : "free text"
        switch violation {
        case .tooLong(let bytes, let limit):
            return Problem(status: status, code: "request.textTooLong", title: "Text too long",
                           detail: "\(field) is \(bytes) bytes of UTF-8; \(what) may be at most \(limit) bytes.",
                           field: field, limits: ["maxBytes": .number(Double(limit)), "bytes": .number(Double(bytes))])
        case .forbidden(let scalar, let position):
            let allowed = kind == .identifier
                ? "identifiers may hold no control, invisible formatting or bidirectional characters"
                : "notes may hold tabs and line feeds but no other control character and no bidirectional override"
            return Problem(status: status, code: "request.controlCharacter", title: "Control character in text",
                           detail: "\(field) holds \(TextRules.describe(scalar)) at character \(position); \(allowed).",
                           field: field)
        case .combiningMarks(let count, let limit):
            return Problem(status: status, code: "request.combiningMarks", title: "Too many combining marks",
                           detail: "\(field) stacks \(count) combining marks on one character; at most \(limit) are allowed.",
                           field: field, limits: ["maxCombiningMarks": .number(Double(limit))])
        }
    }
}
