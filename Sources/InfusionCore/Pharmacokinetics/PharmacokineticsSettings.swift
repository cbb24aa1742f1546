import Foundation

/// How a drug profile chooses and reports its pharmacokinetic model (CLINICAL §4): the default parameter set, the
/// sets for heart failure and for short sessions, the hepatic adjustment and the uncertainty band.
public struct PharmacokineticsSettings: Codable, Sendable, Hashable {
    /// The set used when no flag selects another (Rowland for lidocaine, Domino for ketamine).
    public var defaultSet: PKParameterSet
    /// The set used when heart failure is flagged (Vozeh with HF = 1).
    public var heartFailureSet: PKParameterSet?
    /// The set used while a session planned to last at most `shortSessionMaxMinutes` is within that time (Schnider).
    public var shortSessionSet: PKParameterSet?
    /// The longest planned session the short-session set is valid for, in minutes (120).
    public var shortSessionMaxMinutes: Double?
    /// The factor applied to k10 when severe hepatic impairment is flagged (0.5: halve k10 [default]).
    public var hepaticImpairmentK10Factor: Double?
    /// Measured levels run up to about this multiple of the prediction (2, Greenwood 2019, Martin 2008); the upper
    /// band is the prediction times this factor, and rules act on the band.
    public var upperBandFactor: Double

    public init(
        defaultSet: PKParameterSet, heartFailureSet: PKParameterSet? = nil, shortSessionSet: PKParameterSet? = nil,
        shortSessionMaxMinutes: Double? = nil, hepaticImpairmentK10Factor: Double? = nil, upperBandFactor: Double = 2
    ) {
        self.defaultSet = defaultSet
        self.heartFailureSet = heartFailureSet
        self.shortSessionSet = shortSessionSet
        self.shortSessionMaxMinutes = shortSessionMaxMinutes
        self.hepaticImpairmentK10Factor = hepaticImpairmentK10Factor
        self.upperBandFactor = upperBandFactor
    }

    /// What a profile without a `pharmacokinetics` section uses: the drug's published default set, band ×2.
    public static func standard(for drug: Drug) -> PharmacokineticsSettings {
        switch drug {
        case .lidocaine:
            PharmacokineticsSettings(
                defaultSet: .rowland, heartFailureSet: .vozehHeartFailure, shortSessionSet: .schnider,
                shortSessionMaxMinutes: 120, hepaticImpairmentK10Factor: 0.5, upperBandFactor: 2)
        case .ketamine:
            PharmacokineticsSettings(defaultSet: .domino, hepaticImpairmentK10Factor: 0.5, upperBandFactor: 2)
        }
    }

    /// The parameter set for a session at a time: heart failure first, then the short-session set while a session
    /// planned to be short is still within its limit, otherwise the default. Chosen again at every evaluation over
    /// the whole history, so a short session that runs long switches to the default set for all of it.
    public func parameterSet(for session: Session, at date: Date) -> PKParameterSet {
        if let heartFailureSet, session.flags?.has(.heartFailure) == true { return heartFailureSet }
        if let shortSessionSet, let limit = shortSessionMaxMinutes, let planned = session.plannedDurationMin,
           planned <= limit, date.timeIntervalSince(session.startedAt) / 60 <= limit {
            return shortSessionSet
        }
        return defaultSet
    }

    /// The k10 factor for a session: the hepatic factor when severe hepatic impairment is flagged, else 1.
    public func k10Factor(for session: Session) -> Double {
        guard session.flags?.has(.hepaticImpairment) == true, let factor = hepaticImpairmentK10Factor else { return 1 }
        return factor
    }
}
