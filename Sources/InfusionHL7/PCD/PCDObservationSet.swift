import Foundation
import InfusionCore

/// Readings of one report that can become one observation: same device time, same use, same feed, and all
/// corrections or none. The daemon turns each into an `ObservationRequest` with `feedId` set, so the
/// artefact-confirmation rule and L21 treat it as a monitor-feed reading.
public struct PCDObservationSet: Sendable, Hashable {
    /// The device time.
    public var observedAt: Date
    /// What the daemon may do with it.
    public var use: PCDReadingUse
    /// Whether these readings correct earlier ones.
    public var isCorrection: Bool
    /// The device the readings came from.
    public var feedId: String?
    /// The readings, in message order.
    public var readings: [PCDReading]

    /// The vital signs for the core: one value per field, from the preferred source when a message sends several.
    public var vitals: Vitals { Self.vitals(from: readings) }

    /// Heart rate: ECG first, then oximeter, arterial line, cuff, generic pulse.
    static let heartRateSources: [PCDSource] = [.ecg, .oximeter, .invasive, .noninvasive, .generic]
    /// Respiration: airway or capnography first (the most direct), then unspecified, impedance, plethysmogram.
    static let respirationSources: [PCDSource] = [.airway, .generic, .impedance, .pleth]

    /// Builds `Vitals` from readings. Blood pressure comes only from the cuff: the rules' thresholds are for cuff
    /// pressure, and an arterial-line value is stored as invasive, never as cuff (HL7 notes). Temperature, mean
    /// pressure, QT/QTc and PVC rate have no field in `Vitals`; they stay in the readings for the record.
    public static func vitals(from readings: [PCDReading]) -> Vitals {
        func first(_ quantity: PCDQuantity, from sources: [PCDSource]? = nil) -> PCDReading? {
            let matching = readings.filter { $0.quantity == quantity }
            guard let sources else { return matching.first }
            for source in sources {
                if let found = matching.first(where: { $0.source == source }) { return found }
            }
            return nil
        }
        return Vitals(
            heartRateBpm: first(.heartRate, from: heartRateSources)?.value,
            systolicMmHg: first(.systolic, from: [.noninvasive])?.value,
            diastolicMmHg: first(.diastolic, from: [.noninvasive])?.value,
            spo2Percent: first(.spo2)?.value,
            respiratoryRatePerMin: first(.respiratoryRate, from: respirationSources)?.value,
            qrsMs: first(.qrsDuration)?.value,
            prMs: first(.prInterval)?.value,
            rhythm: first(.rhythm)?.rhythm)
    }
}

extension PCDReport {
    /// The readings grouped into observations (by device time, use, correction and feed), in message order, with
    /// groups whose readings give no core vital left out of `vitals` but still listed for the record.
    public var observationSets: [PCDObservationSet] {
        var sets: [PCDObservationSet] = []
        for reading in readings {
            if let index = sets.firstIndex(where: {
                $0.observedAt == reading.observedAt && $0.use == reading.use && $0.isCorrection == reading.isCorrection
                    && $0.feedId == reading.feedId
            }) {
                sets[index].readings.append(reading)
            } else {
                sets.append(PCDObservationSet(observedAt: reading.observedAt, use: reading.use, isCorrection: reading.isCorrection,
                                              feedId: reading.feedId, readings: [reading]))
            }
        }
        return sets
    }
}
