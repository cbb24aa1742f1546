import Foundation

/// What a start request would do, without doing it: the start step run on no session, its outcome or its
/// refusal, and every limit and contraindication the request meets, so a form can show them as it is filled in.
///
/// Whether the start would be accepted, and the refusal if not, come from ``SessionStep/run(_:snapshot:profile:ruleSetHash:actor:now:)``
/// itself (after ``RequestValidation``), exactly as `POST /v1/sessions` runs them; the findings list what that
/// step checks one at a time (it stops at the first refusal) with the same functions it calls:
/// ``RegimenLimits/check(bolus:infusion:dosingWeightKg:)`` and ``StartChecks/findings(for:now:)``.
public enum StartPreview {
    /// Previews `request` under `profile` (nil when its drug has no profile loaded) at `now`.
    public static func run(
        _ request: StartSessionRequest, profile: RuleProfile?, ruleSetHash: String, actor: AuditActor, now: Date
    ) -> StartPreviewResponse {
        var preview = StartPreviewResponse(wouldStart: false, drug: request.drug, ruleSetHash: ruleSetHash)
        // Figures outside what a person can be given are refused before anything is computed from them, as at the
        // start (a weight or rate the validation refuses could make the doses non-finite).
        do {
            try RequestValidation.validate(request)
        } catch {
            preview.refusal = StartPreviewRefusal(error)
            return preview
        }
        if let profile {
            let kind = request.dosingWeight ?? profile.defaultDosingWeight
            preview.dosingWeight = kind
            if let kg = Dosing.dosingWeightKg(kind: kind, actualKg: request.weightKg, heightCm: request.heightCm, sex: request.sex),
               kg.isFinite, kg > 0 {
                preview.dosingWeightKg = kg
                let doses = ComputedDoses(bolus: request.bolus, infusion: request.infusion, dosingWeightKg: kg)
                // A bolus over a vanishing duration has no finite rate; its duration limit says why it is refused.
                if [doses.bolusMg, doses.bolusRateMgPerHour, doses.infusionMgPerHour].allSatisfy({ $0?.isFinite ?? true }) {
                    preview.doses = doses
                }
                preview.findings += profile.limits.check(bolus: request.bolus, infusion: request.infusion, dosingWeightKg: kg)
                    .map { StartPreviewFinding($0, override: request.override) }
            }
            if let checks = profile.startChecks {
                let found = checks.findings(for: request, now: now)
                let absoluteOverridden = request.contraindicationOverride.map(isComplete) ?? false
                preview.findings += found.absolute.enumerated().map { index, text in
                    StartPreviewFinding(
                        kind: .contraindication, severity: .hard, field: found.absoluteFields.indices.contains(index) ? found.absoluteFields[index] : "flags",
                        message: "Absolute contraindication to \(profile.drug.rawValue): \(text). Do not start; a clinician who has weighed the risk may proceed only with contraindicationOverride {by, reason}.",
                        overrideField: "contraindicationOverride", overridden: absoluteOverridden)
                }
                let reviewed = request.override.map(isComplete) ?? false
                preview.findings += found.relative.map { text in
                    StartPreviewFinding(
                        kind: .reviewRequired, severity: .soft, field: "flags",
                        message: "Starting \(profile.drug.rawValue) with \(text) needs a clinician review: override {by, reason}.",
                        overrideField: "override", overridden: reviewed)
                }
            }
        }
        preview.findings = preview.findings.filter { $0.severity == .hard } + preview.findings.filter { $0.severity == .soft }
        do {
            let outcome = try SessionStep.run(.start(request, sessionId: UUID(), eventId: UUID()), snapshot: nil, profile: profile,
                                              ruleSetHash: ruleSetHash, actor: actor, now: now)
            if let session = outcome?.session {
                preview.wouldStart = true
                preview.dosingWeight = session.dosingWeight
                preview.dosingWeightKg = session.dosingWeightKg
                preview.doses = session.doses
                preview.state = session.state
                preview.decisions = outcome?.decisions ?? []
            }
        } catch let refusal as DomainError {
            preview.refusal = StartPreviewRefusal(refusal)
        } catch {
            preview.refusal = StartPreviewRefusal(code: "session.previewFailed", title: "Preview failed",
                                                  detail: "The start checks could not be run: \(error).")
        }
        return preview
    }

    private static func isComplete(_ override: Override) -> Bool {
        !override.by.trimmingCharacters(in: .whitespaces).isEmpty && !override.reason.trimmingCharacters(in: .whitespaces).isEmpty
    }
}

/// `POST /v1/sessions/preview`: what `POST /v1/sessions` would do with the same body. Nothing is stored.
public struct StartPreviewResponse: Codable, Sendable, Hashable {
    /// Whether the start would be accepted as sent.
    public var wouldStart: Bool
    public var drug: Drug
    /// The dosing weight used (the request's, or the profile's default kind), and what it computes to; absent when
    /// it cannot be computed (e.g. ideal weight without height and sex).
    public var dosingWeight: DosingWeightKind?
    public var dosingWeightKg: Double?
    /// The order in mg and mg/h at that dosing weight.
    public var doses: ComputedDoses?
    /// The state the session would start in (`running`, or `stopped`/`paused` when a rule acts on the order itself).
    public var state: SessionState?
    /// Every limit and contraindication the request meets, hard ones first.
    public var findings: [StartPreviewFinding]
    /// Why the start would be refused, exactly as `POST /v1/sessions` would explain it; nil when it would start.
    public var refusal: StartPreviewRefusal?
    /// The decisions the start would record (overrides, reviews, rules on the programmed order).
    public var decisions: [Decision]
    /// The rule set the preview was made under.
    public var ruleSetHash: String

    public init(wouldStart: Bool, drug: Drug, dosingWeight: DosingWeightKind? = nil, dosingWeightKg: Double? = nil,
                doses: ComputedDoses? = nil, state: SessionState? = nil, findings: [StartPreviewFinding] = [],
                refusal: StartPreviewRefusal? = nil, decisions: [Decision] = [], ruleSetHash: String) {
        self.wouldStart = wouldStart
        self.drug = drug
        self.dosingWeight = dosingWeight
        self.dosingWeightKg = dosingWeightKg
        self.doses = doses
        self.state = state
        self.findings = findings
        self.refusal = refusal
        self.decisions = decisions
        self.ruleSetHash = ruleSetHash
    }
}

/// One limit or contraindication a start request meets.
public struct StartPreviewFinding: Codable, Sendable, Hashable {
    /// What was met.
    public enum Kind: String, Codable, Sendable, Hashable {
        /// A hard dose limit: refused whatever the override; change the order.
        case hardLimit
        /// A soft dose limit: accepted with `override {by, reason}`.
        case softLimit
        /// An absolute contraindication (L18): accepted only with `contraindicationOverride {by, reason}`.
        case contraindication
        /// A relative contraindication or risk flag (L19): accepted with a clinician review as `override`.
        case reviewRequired
    }

    public var kind: Kind
    /// `hard` blocks until the order or the patient facts change (or, for a contraindication, an explicit
    /// contraindication override); `soft` needs an override reason.
    public var severity: LimitBreach.Severity
    /// The request field at fault.
    public var field: String
    /// The daemon's explanation.
    public var message: String
    /// The field that overrides it (`override` or `contraindicationOverride`); nil for a hard limit.
    public var overrideField: String?
    /// Whether the request already carries that override with a person and a reason.
    public var overridden: Bool
    /// For dose limits: the limit's name, the value, the bound and the unit.
    public var limit: String?
    public var value: Double?
    public var bound: Double?
    public var unit: String?

    public init(kind: Kind, severity: LimitBreach.Severity, field: String, message: String, overrideField: String?, overridden: Bool,
                limit: String? = nil, value: Double? = nil, bound: Double? = nil, unit: String? = nil) {
        self.kind = kind
        self.severity = severity
        self.field = field
        self.message = message
        self.overrideField = overrideField
        self.overridden = overridden
        self.limit = limit
        self.value = value
        self.bound = bound
        self.unit = unit
    }

    /// A dose-limit breach as ``RegimenLimits/check(bolus:infusion:dosingWeightKg:)`` reports it.
    init(_ breach: LimitBreach, override: Override?) {
        let hard = breach.severity == .hard
        let overridden = !hard && override.map { !$0.by.isEmpty && !$0.reason.trimmingCharacters(in: .whitespaces).isEmpty } == true
        self.init(kind: hard ? .hardLimit : .softLimit, severity: breach.severity, field: breach.field,
                  message: breach.message + (hard ? " Hard limits cannot be overridden; change the order." : " A clinician may proceed with override {by, reason}."),
                  overrideField: hard ? nil : "override", overridden: overridden,
                  limit: breach.limit, value: breach.value, bound: breach.bound, unit: breach.unit)
    }
}

/// A refusal as the start step gives it: the stable code, a title, the sentence that says what to do, the field
/// at fault and the facts (the same fields as the problem `POST /v1/sessions` would answer).
public struct StartPreviewRefusal: Codable, Sendable, Hashable {
    public var code: String
    public var title: String
    public var detail: String
    public var field: String?
    public var limits: [String: JSONValue]?

    public init(code: String, title: String, detail: String, field: String? = nil, limits: [String: JSONValue]? = nil) {
        self.code = code
        self.title = title
        self.detail = detail
        self.field = field
        self.limits = limits
    }

    /// The refusal of a core check.
    public init(_ refusal: DomainError) {
        self.init(code: refusal.code, title: refusal.title, detail: refusal.detail, field: refusal.field, limits: refusal.limits)
    }
}
