import Foundation

/// The drug a session has delivered and is programmed to deliver, as constant-rate segments integrated from its
/// events (SPEC §5): the start's bolus and infusion, pauses, resumes, rate changes, extra boluses, stops and the end.
///
/// Delivery model, stated so it can be checked:
/// - Drug flows only while the session is `running`; `paused` holds delivery, `stopped` and `ended` end it. The
///   session's state after each event is what the daemon recorded (so a rule's pause counts like a clinician's).
/// - The start bolus runs first at dose ÷ duration; the infusion starts when it has been delivered (CLINICAL §1:
///   "bolus, then infusion").
/// - A bolus ordered later runs on top of the infusion (the higher estimate, so dose caps and predicted levels are
///   not understated).
/// - A pause interrupts a bolus; resuming continues what was left of it.
/// - A rate change takes effect when recorded.
public struct DeliveryPlan: Sendable, Hashable {
    /// When the session started; segment minutes count from here.
    public var origin: Date
    /// The dosing weight mg/kg figures use.
    public var dosingWeightKg: Double
    /// Segments in time order; the last may be open-ended when delivery runs on as programmed.
    public var segments: [RateSegment]
    /// The infusion rate the session is programmed to (and would resume at), in mg/h; nil once stopped or ended.
    public var programmedInfusionMgPerHour: Double?

    /// Integrates a session's history. Without a start event in the history the plan is empty.
    public init(session: Session, history: SessionHistory) {
        origin = session.startedAt
        dosingWeightKg = session.dosingWeightKg
        guard let start = history.start else {
            segments = []
            programmedInfusionMgPerHour = nil
            return
        }
        var builder = Builder(dosingWeightKg: session.dosingWeightKg)
        builder.infusionMgPerMinute = Self.mgPerHour(start.infusion, dosingWeightKg: session.dosingWeightKg) / 60
        if let bolus = start.bolus {
            builder.startBolus = Builder.Bolus(order: bolus, dosingWeightKg: session.dosingWeightKg)
        }
        for entry in history.entries {
            let minute = max(builder.cursor, entry.recordedAt.timeIntervalSince(origin) / 60)
            if case .start = entry.payload {
                builder.running = entry.stateAfter == .running
                builder.finished = !(entry.stateAfter == .running || entry.stateAfter == .paused)
                continue
            }
            builder.run(until: minute)
            if let action = entry.action {
                switch action.action {
                case .rateChange:
                    if let infusion = action.infusion {
                        builder.infusionMgPerMinute = Self.mgPerHour(infusion, dosingWeightKg: session.dosingWeightKg) / 60
                    }
                case .bolus:
                    if let bolus = action.bolus {
                        builder.extraBoluses.append(Builder.Bolus(order: bolus, dosingWeightKg: session.dosingWeightKg))
                    }
                default:
                    break
                }
            }
            builder.running = entry.stateAfter == .running
            if !(entry.stateAfter == .running || entry.stateAfter == .paused) { builder.finished = true }
        }
        builder.run(until: nil)
        segments = builder.segments
        programmedInfusionMgPerHour = builder.finished ? nil : Dosing.round(builder.infusionMgPerMinute * 60)
    }

    /// A plan from explicit segments (for tests and what-if figures).
    public init(origin: Date, dosingWeightKg: Double, segments: [RateSegment], programmedInfusionMgPerHour: Double?) {
        self.origin = origin
        self.dosingWeightKg = dosingWeightKg
        self.segments = segments
        self.programmedInfusionMgPerHour = programmedInfusionMgPerHour
    }

    /// The absolute infusion rate of an order, rounded like the session's computed doses.
    static func mgPerHour(_ infusion: InfusionOrder?, dosingWeightKg: Double) -> Double {
        guard let infusion else { return 0 }
        return Dosing.round(infusion.rateMgPerKgPerHour * dosingWeightKg)
    }

    /// Minutes from the origin to a time.
    public func minute(of date: Date) -> Double { date.timeIntervalSince(origin) / 60 }

    /// The mg delivered from the start up to `date` (exact, unrounded).
    public func deliveredMg(at date: Date) -> Double {
        let minute = minute(of: date)
        return segments.reduce(0) { $0 + $1.deliveredMg(until: minute) }
    }

    /// The rate being delivered at `date`, in mg/h (0 while paused or after the end).
    public func rateMgPerHour(at date: Date) -> Double {
        let minute = minute(of: date)
        let segment = segments.last { $0.startMinute <= minute && minute < ($0.endMinute ?? .infinity) }
        return (segment?.mgPerMinute ?? 0) * 60
    }

    /// When the delivered total reaches `mg` if delivery carries on as programmed, or nil if it never does.
    public func timeReaching(mg target: Double) -> Date? {
        var total = 0.0
        for segment in segments where segment.mgPerMinute > 0 {
            let length = (segment.endMinute ?? .infinity) - segment.startMinute
            let amount = length * segment.mgPerMinute
            if total + amount >= target {
                let minute = segment.startMinute + (target - total) / segment.mgPerMinute
                return origin.addingTimeInterval(minute * 60)
            }
            total += amount
        }
        return nil
    }

    /// The dose summary at a time, rounded to 0.01 mg and 0.01 mg/kg.
    public func delivered(at date: Date) -> DeliveredDose {
        let mg = deliveredMg(at: date)
        return DeliveredDose(
            mg: Dosing.round(mg), mgPerKg: Dosing.round(dosingWeightKg > 0 ? mg / dosingWeightKg : 0),
            currentRateMgPerHour: Dosing.round(rateMgPerHour(at: date)),
            programmedInfusionMgPerHour: programmedInfusionMgPerHour, asOf: date)
    }

    /// Walks time forward, turning the running state, the boluses left and the infusion rate into segments.
    private struct Builder {
        /// A bolus and how much of it is still to run.
        struct Bolus {
            var remainingMg: Double
            var mgPerMinute: Double

            init(order: BolusOrder, dosingWeightKg: Double) {
                remainingMg = Dosing.round(order.doseMgPerKg * dosingWeightKg)
                mgPerMinute = order.durationMin > 0 ? remainingMg / order.durationMin : remainingMg
            }
        }

        let dosingWeightKg: Double
        var cursor = 0.0
        var running = true
        var finished = false
        var infusionMgPerMinute = 0.0
        var startBolus: Bolus?
        var extraBoluses: [Bolus] = []
        var segments: [RateSegment] = []

        init(dosingWeightKg: Double) { self.dosingWeightKg = dosingWeightKg }

        /// Emits segments from the cursor to `end` (nil: for ever, as programmed).
        mutating func run(until end: Double?) {
            defer { if let end { cursor = max(cursor, end) } }
            guard running, !finished else { return }
            while end.map({ cursor < $0 }) ?? true {
                var rate = 0.0
                var next = end ?? .infinity
                if let bolus = startBolus, bolus.remainingMg > 0 {
                    rate += bolus.mgPerMinute
                    next = min(next, cursor + bolus.remainingMg / bolus.mgPerMinute)
                } else {
                    rate += infusionMgPerMinute
                }
                for bolus in extraBoluses where bolus.remainingMg > 0 {
                    rate += bolus.mgPerMinute
                    next = min(next, cursor + bolus.remainingMg / bolus.mgPerMinute)
                }
                if rate > 0 { append(RateSegment(startMinute: cursor, endMinute: next.isFinite ? next : nil, mgPerMinute: rate)) }
                guard next.isFinite else { return }
                consume(minutes: next - cursor, endingAt: next)
                cursor = next
            }
        }

        private mutating func append(_ segment: RateSegment) {
            // Merge with the previous segment when the rate is unchanged, so the plan stays short.
            if let last = segments.last, last.endMinute == segment.startMinute, last.mgPerMinute == segment.mgPerMinute {
                segments[segments.count - 1].endMinute = segment.endMinute
            } else {
                segments.append(segment)
            }
        }

        private mutating func consume(minutes: Double, endingAt next: Double) {
            func drain(_ bolus: inout Bolus) {
                guard bolus.remainingMg > 0 else { return }
                let finishes = cursor + bolus.remainingMg / bolus.mgPerMinute
                // A bolus whose end is this step's end is finished exactly, leaving no rounding crumbs behind.
                bolus.remainingMg = finishes <= next ? 0 : max(0, bolus.remainingMg - bolus.mgPerMinute * minutes)
            }
            if var bolus = startBolus {
                drain(&bolus)
                startBolus = bolus
            }
            for index in extraBoluses.indices { drain(&extraBoluses[index]) }
        }
    }
}
