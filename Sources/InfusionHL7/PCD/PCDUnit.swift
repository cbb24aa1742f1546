/// OBX-6 units: the MDC dimension codes and UCUM codes accepted, and the conversions to the units the core uses.
public enum PCDUnit {
    /// What a unit measures; a value's unit must have its quantity's dimension.
    public enum Dimension: String, Sendable, Hashable {
        case beatRate, breathRate, pressure, percent, temperature, duration, count, none
    }

    /// One accepted unit and how to convert from it.
    public struct Definition: Sendable, Hashable {
        /// MDC numeric code (4 × 65536 + term).
        public var mdcCode: Int
        /// MDC reference id.
        public var refid: String
        /// UCUM codes that mean the same unit.
        public var ucum: Set<String>
        /// The dimension.
        public var dimension: Dimension
        /// The factor to the canonical unit, or nil for the affine Fahrenheit conversion.
        public var factor: Double?

        /// The value in the canonical unit of its dimension.
        public func convert(_ value: Double) -> Double {
            if let factor { return value * factor }
            return (value - 32) / 1.8
        }
    }

    /// 1 kPa in mmHg, as the HL7 notes give it.
    public static let mmHgPerKilopascal = 7.50062

    /// The units read (HL7 notes, "unit MDC / UCUM" column); rates accept the plain UCUM `/min` and the
    /// annotated forms devices send.
    public static let definitions: [Definition] = [
        Definition(mdcCode: 264864, refid: "MDC_DIM_BEAT_PER_MIN", ucum: ["/min", "{beats}/min", "{beat}/min"], dimension: .beatRate, factor: 1),
        Definition(mdcCode: 264928, refid: "MDC_DIM_RESP_PER_MIN", ucum: ["/min", "{breaths}/min", "{breath}/min", "{resp}/min"], dimension: .breathRate, factor: 1),
        Definition(mdcCode: 266016, refid: "MDC_DIM_MMHG", ucum: ["mm[Hg]"], dimension: .pressure, factor: 1),
        Definition(mdcCode: 265987, refid: "MDC_DIM_KILO_PASCAL", ucum: ["kPa"], dimension: .pressure, factor: mmHgPerKilopascal),
        Definition(mdcCode: 262688, refid: "MDC_DIM_PERCENT", ucum: ["%"], dimension: .percent, factor: 1),
        Definition(mdcCode: 268192, refid: "MDC_DIM_DEGC", ucum: ["Cel"], dimension: .temperature, factor: 1),
        Definition(mdcCode: 266560, refid: "MDC_DIM_FAHR", ucum: ["[degF]"], dimension: .temperature, factor: nil),
        Definition(mdcCode: 264338, refid: "MDC_DIM_MILLI_SEC", ucum: ["ms"], dimension: .duration, factor: 1),
        Definition(mdcCode: 264320, refid: "MDC_DIM_SEC", ucum: ["s"], dimension: .duration, factor: 1000),
        Definition(mdcCode: 262656, refid: "MDC_DIM_DIMLESS", ucum: ["1", "{count}"], dimension: .count, factor: 1),
    ]

    /// The unit an OBX-6 names for a quantity of this dimension: an MDC unit must have code and refid agreeing,
    /// a UCUM unit (system `UCUM`, or no system) is read from its code; nil when neither fits the dimension.
    public static func definition(for unit: PCDCode, dimension: Dimension) -> Definition? {
        let candidates = definitions.filter { $0.dimension == dimension }
        switch unit.system {
        case "MDC":
            return candidates.first { $0.mdcCode == unit.code && $0.refid == unit.refid }
        case "UCUM":
            return candidates.first { $0.ucum.contains(unit.identifier) }
        case "":
            return candidates.first { $0.ucum.contains(unit.identifier) }
                ?? candidates.first { $0.mdcCode == unit.code && (unit.refid.isEmpty || $0.refid == unit.refid) }
        default:
            return nil
        }
    }
}
