/// A profile's alarm escalation timers (CLINICAL §7), compared as "at least this long".
public struct EscalationSpec: Codable, Sendable, Hashable {
    /// How long a high alert may stay unacknowledged before each escalation level: level 1 (second responder)
    /// after the first, level 2 (rapid response) after the second, and so on.
    public var highLevelsAfter: [ProfileDuration]
    /// A medium alert unacknowledged this long is routed as high.
    public var mediumToHighAfter: ProfileDuration
    /// A low alert unacknowledged this long becomes medium.
    public var lowToMediumAfter: ProfileDuration
    /// An acknowledged high alert that has not resolved sounds again after this long.
    public var resoundAcknowledgedHighAfter: ProfileDuration
    /// Rule ids whose alerts never escalate or re-sound: records of a decision a clinician has already made (a
    /// contraindication override, a review before start, a regimen override, an early close), which no response can
    /// answer (CLINICAL §7: escalation is for alarms that need one). They stay visible until acknowledged. nil means
    /// the profile's defaults, ``RuleProfile/overrideRecordRuleIds``; an empty list escalates everything.
    public var neverEscalate: [String]?

    public init(
        highLevelsAfter: [ProfileDuration], mediumToHighAfter: ProfileDuration, lowToMediumAfter: ProfileDuration,
        resoundAcknowledgedHighAfter: ProfileDuration, neverEscalate: [String]? = nil
    ) {
        self.highLevelsAfter = highLevelsAfter
        self.mediumToHighAfter = mediumToHighAfter
        self.lowToMediumAfter = lowToMediumAfter
        self.resoundAcknowledgedHighAfter = resoundAcknowledgedHighAfter
        self.neverEscalate = neverEscalate
    }

    /// CLINICAL §7 [default]: high unacknowledged 60 s → second responder, 180 s → rapid response; medium 5 min →
    /// high; low 15 min → medium; acknowledged high re-sounds after 10 min; the override and review records L15,
    /// L18, L19 and L22 never escalate.
    public static let standard = EscalationSpec(
        highLevelsAfter: [ProfileDuration(seconds: 60), ProfileDuration(seconds: 180)],
        mediumToHighAfter: .minutes(5), lowToMediumAfter: .minutes(15), resoundAcknowledgedHighAfter: .minutes(10),
        neverEscalate: [RegimenRule.standard.id, SessionFactory.contraindicationRuleId, SessionFactory.reviewRuleId,
                        ScheduleRules.earlyCloseRuleId])

    /// Whether alerts of this rule escalate at all.
    public func escalates(_ ruleId: String) -> Bool { !(neverEscalate ?? []).contains(ruleId) }

    /// Why the timers cannot work, or nil when they are sound: all positive, high levels strictly increasing.
    public var problem: String? {
        let all = highLevelsAfter + [mediumToHighAfter, lowToMediumAfter, resoundAcknowledgedHighAfter]
        if all.contains(where: { $0.seconds <= 0 }) { return "every escalation timer must be longer than 0 s" }
        if zip(highLevelsAfter, highLevelsAfter.dropFirst()).contains(where: { $0 >= $1 }) {
            return "escalation.highLevelsAfter must be strictly increasing"
        }
        return nil
    }
}
