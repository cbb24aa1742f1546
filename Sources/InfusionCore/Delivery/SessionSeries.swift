import Foundation

/// A session's delivered dose and predicted plasma level over its time, for charts: the same ``DeliveryPlan`` and
/// ``PlasmaPredictor`` the rules and the session detail use, sampled at evenly spaced times, so a chart can never
/// show a figure the daemon would not.
public struct SessionSeries: Codable, Sendable, Hashable {
    /// One sample.
    public struct Point: Codable, Sendable, Hashable {
        public var at: Date
        /// Delivered so far, mg.
        public var deliveredMg: Double
        /// The rate running at that time, mg/h.
        public var rateMgPerHour: Double
        /// The predicted central concentration, µg/mL; nil when no model applies.
        public var predictedUgPerMl: Double?
        /// The prediction times the band factor, µg/mL.
        public var upperBandUgPerMl: Double?
    }

    public var sessionId: UUID
    public var from: Date
    public var to: Date
    public var points: [Point]
    /// The model the predictions come from, e.g. `Rowland 1971 (two-compartment)`.
    public var model: String?
    /// The multiple of the prediction measured levels reach (2).
    public var bandFactor: Double?

    /// Samples from the session's start to `until` (its close when earlier), at most `maxPoints` (at least 2).
    public static func sample(
        session: Session, history: SessionHistory, settings: PharmacokineticsSettings, until: Date, maxPoints: Int = 240
    ) -> SessionSeries {
        let from = session.startedAt
        let to = max(from, session.closedAt.map { min($0, until) } ?? until)
        let plan = DeliveryPlan(session: session, history: history)
        let count = max(2, min(maxPoints, Int(to.timeIntervalSince(from) / 30) + 1))
        let step = to.timeIntervalSince(from) / Double(count - 1)
        var model: String?
        var band: Double?
        let points = (0..<count).map { index -> Point in
            let at = index == count - 1 ? to : from.addingTimeInterval(step * Double(index))
            let prediction = PlasmaPredictor.predict(session: session, plan: plan, settings: settings, at: at)
            model = model ?? prediction?.model
            band = band ?? prediction?.bandFactor
            let delivered = plan.delivered(at: at)
            return Point(at: at, deliveredMg: delivered.mg, rateMgPerHour: delivered.currentRateMgPerHour,
                         predictedUgPerMl: prediction?.concentrationUgPerMl, upperBandUgPerMl: prediction?.upperBandUgPerMl)
        }
        return SessionSeries(sessionId: session.id, from: from, to: to, points: points, model: model, bandFactor: band)
    }
}
