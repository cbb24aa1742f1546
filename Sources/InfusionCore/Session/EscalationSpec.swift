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

    public init(
        highLevelsAfter: [ProfileDuration], mediumToHighAfter: ProfileDuration, lowToMediumAfter: ProfileDuration,
        resoundAcknowledgedHighAfter: ProfileDuration
    ) {
        self.highLevelsAfter = highLevelsAfter
        self.mediumToHighAfter = mediumToHighAfter
        self.lowToMediumAfter = lowToMediumAfter
        self.resoundAcknowledgedHighAfter = resoundAcknowledgedHighAfter
    }

    /// CLINICAL §7 [default]: high unacknowledged 60 s → second responder, 180 s → rapid response; medium 5 min →
    /// high; low 15 min → medium; acknowledged high re-sounds after 10 min.
    public static let standard = EscalationSpec(
        highLevelsAfter: [ProfileDuration(seconds: 60), ProfileDuration(seconds: 180)],
        mediumToHighAfter: .minutes(5), lowToMediumAfter: .minutes(15), resoundAcknowledgedHighAfter: .minutes(10))

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
