/// A profile's observation schedule (CLINICAL §3) and its overdue and stale-feed limits (CLINICAL §6 L20, L21).
///
/// Every interval is a ``ProfileDuration`` with its unit, so a test profile can run the whole schedule in seconds.
public struct ScheduleSpec: Codable, Sendable, Hashable {
    /// Observe `every` for `duration` (written `for` in the profile).
    public struct Step: Codable, Sendable, Hashable {
        public var every: ProfileDuration
        public var duration: ProfileDuration

        public init(every: ProfileDuration, duration: ProfileDuration) {
            self.every = every
            self.duration = duration
        }

        enum CodingKeys: String, CodingKey {
            case every
            case duration = "for"
        }
    }

    /// Closer observation while a bolus shorter than `shorterThan` runs.
    public struct FastBolus: Codable, Sendable, Hashable {
        public var every: ProfileDuration
        public var shorterThan: ProfileDuration

        public init(every: ProfileDuration, shorterThan: ProfileDuration) {
            self.every = every
            self.shorterThan = shorterThan
        }
    }

    /// Observation after delivery ends (end or stop), before the session may close.
    public struct AfterEnd: Codable, Sendable, Hashable {
        public var every: ProfileDuration
        /// How long the post-infusion window lasts when no symptom was recorded in the session.
        public var duration: ProfileDuration
        /// How long it lasts when any symptom was recorded in the session.
        public var durationWithSymptoms: ProfileDuration

        public init(every: ProfileDuration, duration: ProfileDuration, durationWithSymptoms: ProfileDuration) {
            self.every = every
            self.duration = duration
            self.durationWithSymptoms = durationWithSymptoms
        }

        enum CodingKeys: String, CodingKey {
            case every
            case duration = "for"
            case durationWithSymptoms = "forWithSymptoms"
        }
    }

    /// Closer observation after a symptom (CLINICAL §2 stage 1, §6 L10: recheck every 5 min for 15 min): from each
    /// observation that recorded one of `symptomsAny`, the next set is due `every` after each observation until
    /// `duration` has passed since it, then the phase interval applies again.
    public struct SymptomRecheck: Codable, Sendable, Hashable {
        public var every: ProfileDuration
        public var duration: ProfileDuration
        /// The symptoms that start a recheck window.
        public var symptomsAny: [Symptom]

        public init(every: ProfileDuration, duration: ProfileDuration, symptomsAny: [Symptom]) {
            self.every = every
            self.duration = duration
            self.symptomsAny = symptomsAny
        }

        enum CodingKeys: String, CodingKey {
            case every
            case duration = "for"
            case symptomsAny
        }

        /// The stage-1 recheck of CLINICAL §2: every 5 min for 15 min after perioral numbness, metallic taste,
        /// tinnitus, lightheadedness or dizziness.
        public static let stageOne = SymptomRecheck(
            every: .minutes(5), duration: .minutes(15),
            symptomsAny: [.perioralNumbness, .metallicTaste, .tinnitus, .lightheadedness, .dizziness])
    }

    /// How late an observation may be before L20 acts (CLINICAL §6 L20); each is compared as "more than".
    public struct Overdue: Codable, Sendable, Hashable {
        /// More than this past due: low alert.
        public var lowAfter: ProfileDuration
        /// More than this past due: medium alert.
        public var mediumAfter: ProfileDuration
        /// More than this past due for an observation that fell due during loading (the first `afterStart` step):
        /// pause the infusion.
        public var pauseDuringLoadingAfter: ProfileDuration

        public init(lowAfter: ProfileDuration, mediumAfter: ProfileDuration, pauseDuringLoadingAfter: ProfileDuration) {
            self.lowAfter = lowAfter
            self.mediumAfter = mediumAfter
            self.pauseDuringLoadingAfter = pauseDuringLoadingAfter
        }
    }

    /// Steps from the start of the session, one after the other; the first is the loading phase.
    public var afterStart: [Step]
    /// Closer observation during a fast bolus, if the profile asks for it.
    public var fastBolus: FastBolus?
    /// Closer observation after any bolus or rate increase, if the profile asks for it.
    public var afterDoseIncrease: Step?
    /// Closer observation after a symptom, if the profile asks for it (lidocaine stage 1).
    public var symptomRecheck: SymptomRecheck?
    /// The interval once no closer step applies.
    public var maintenanceEvery: ProfileDuration
    public var afterEnd: AfterEnd
    public var overdue: Overdue
    /// L21: a station feed (`feedId`) silent for longer than this raises a technical alert; nil turns L21 off.
    public var staleFeedAfter: ProfileDuration?

    public init(
        afterStart: [Step], fastBolus: FastBolus?, afterDoseIncrease: Step?, maintenanceEvery: ProfileDuration,
        afterEnd: AfterEnd, overdue: Overdue, staleFeedAfter: ProfileDuration?, symptomRecheck: SymptomRecheck? = nil
    ) {
        self.symptomRecheck = symptomRecheck
        self.afterStart = afterStart
        self.fastBolus = fastBolus
        self.afterDoseIncrease = afterDoseIncrease
        self.maintenanceEvery = maintenanceEvery
        self.afterEnd = afterEnd
        self.overdue = overdue
        self.staleFeedAfter = staleFeedAfter
    }

    /// The CLINICAL §3 schedule for a drug, used when a profile has no `schedule` section.
    ///
    /// Lidocaine: every 15 min for the first hour (every 5 min during a bolus shorter than 10 min), every 15 min
    /// for an hour after a bolus or rate increase, then hourly; after the end every 15 min for 30 min (60 min if
    /// any symptom occurred), and every 5 min for 15 min after a stage-1 symptom (CLINICAL §2). Ketamine: every
    /// 15 min for 1 h, every 30 min for 2 h, then hourly. L20: more than
    /// 5 min late → low, 15 min → medium, 30 min during loading → pause. L21: a feed silent for 5 min [default].
    public static func standard(for drug: Drug) -> ScheduleSpec {
        let afterStart: [Step] = switch drug {
        case .lidocaine: [Step(every: .minutes(15), duration: .hours(1))]
        case .ketamine: [Step(every: .minutes(15), duration: .hours(1)), Step(every: .minutes(30), duration: .hours(2))]
        }
        return ScheduleSpec(
            afterStart: afterStart,
            fastBolus: FastBolus(every: .minutes(5), shorterThan: .minutes(10)),
            afterDoseIncrease: Step(every: .minutes(15), duration: .hours(1)),
            maintenanceEvery: .hours(1),
            afterEnd: AfterEnd(every: .minutes(15), duration: .minutes(30), durationWithSymptoms: .hours(1)),
            overdue: Overdue(lowAfter: .minutes(5), mediumAfter: .minutes(15), pauseDuringLoadingAfter: .minutes(30)),
            staleFeedAfter: .minutes(5),
            symptomRecheck: drug == .lidocaine ? .stageOne : nil)
    }

    /// Why the schedule cannot work, or nil when it is sound: every interval positive, the overdue limits in
    /// order, the post-infusion window with symptoms at least as long as without.
    public var problem: String? {
        if afterStart.isEmpty { return "schedule.afterStart needs at least one step (the loading phase)" }
        var intervals: [(String, ProfileDuration)] = [("maintenanceEvery", maintenanceEvery), ("afterEnd.every", afterEnd.every),
                                                      ("afterEnd.for", afterEnd.duration), ("overdue.lowAfter", overdue.lowAfter)]
        for (index, step) in afterStart.enumerated() {
            intervals += [("afterStart[\(index)].every", step.every), ("afterStart[\(index)].for", step.duration)]
        }
        if let fastBolus { intervals += [("fastBolus.every", fastBolus.every), ("fastBolus.shorterThan", fastBolus.shorterThan)] }
        if let afterDoseIncrease {
            intervals += [("afterDoseIncrease.every", afterDoseIncrease.every), ("afterDoseIncrease.for", afterDoseIncrease.duration)]
        }
        if let staleFeedAfter { intervals.append(("staleFeedAfter", staleFeedAfter)) }
        if let symptomRecheck {
            intervals += [("symptomRecheck.every", symptomRecheck.every), ("symptomRecheck.for", symptomRecheck.duration)]
            if symptomRecheck.symptomsAny.isEmpty { return "schedule.symptomRecheck.symptomsAny needs at least one symptom" }
        }
        if let zero = intervals.first(where: { $0.1.seconds <= 0 }) {
            return "schedule.\(zero.0) must be longer than 0 s"
        }
        if !(overdue.lowAfter < overdue.mediumAfter && overdue.mediumAfter < overdue.pauseDuringLoadingAfter) {
            return "schedule.overdue must satisfy lowAfter < mediumAfter < pauseDuringLoadingAfter"
        }
        if afterEnd.durationWithSymptoms < afterEnd.duration {
            return "schedule.afterEnd.forWithSymptoms must be at least afterEnd.for"
        }
        return nil
    }
}
