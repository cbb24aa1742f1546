import InfusionCore

/// An MDC code as PCD-01 sends it in OBX-3 (and OBX-6, OBX-5 of enumerations): `code^REFID^MDC`.
public struct PCDCode: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The numeric code (partition × 65536 + term); nil when component 1 is not a number.
    public var code: Int?
    /// The reference id, e.g. `MDC_PULS_OXIM_SAT_O2`.
    public var refid: String
    /// Component 1 as sent.
    public var identifier: String
    /// Component 3, the coding system (`MDC`, `UCUM`, ...).
    public var system: String

    public init(identifier: String, refid: String, system: String) {
        self.identifier = identifier
        self.refid = refid
        self.system = system
        self.code = identifier.allSatisfy(\.isASCII) && identifier.allSatisfy(\.isNumber) ? Int(identifier) : nil
    }

    /// Reads a coded field's first repetition.
    public init(_ field: HL7Field) {
        self.init(identifier: field[component: 1], refid: field[component: 2], system: field[component: 3])
    }

    /// The MDC partition (1 object infrastructure, 2 SCADA measurements, 3 events, 4 dimensions, ...).
    public var partition: Int? { code.map { $0 >> 16 } }

    public var description: String { "\(identifier)^\(refid)^\(system)" }
}

/// The receiver's table of MDC measurement codes, from the code table in the HL7 notes: a code maps only when its
/// reference id is one the table lists for it, so a code and refid that disagree (a vendor's private code, a typo)
/// never reach a vital-sign field.
public enum PCDCodeTable {
    /// One accepted code with the reference ids it may carry.
    public struct Entry: Sendable, Hashable {
        /// The numeric code.
        public var code: Int
        /// The reference ids accepted with it (aliases such as Philips' `MDC_ECG_CARD_BEAT_RATE` included).
        public var refids: Set<String>
        /// What it measures.
        public var quantity: PCDQuantity
        /// Where it comes from.
        public var source: PCDSource
    }

    /// The measurement codes read from ORU^R01.
    public static let entries: [Entry] = [
        Entry(code: 147842, refids: ["MDC_ECG_HEART_RATE", "MDC_ECG_CARD_BEAT_RATE"], quantity: .heartRate, source: .ecg),
        Entry(code: 149530, refids: ["MDC_PULS_OXIM_PULS_RATE"], quantity: .heartRate, source: .oximeter),
        Entry(code: 149546, refids: ["MDC_PULS_RATE_NON_INV"], quantity: .heartRate, source: .noninvasive),
        Entry(code: 149514, refids: ["MDC_PULS_RATE"], quantity: .heartRate, source: .generic),
        Entry(code: 149522, refids: ["MDC_BLD_PULS_RATE_INV"], quantity: .heartRate, source: .invasive),
        Entry(code: 150021, refids: ["MDC_PRESS_BLD_NONINV_SYS"], quantity: .systolic, source: .noninvasive),
        Entry(code: 150022, refids: ["MDC_PRESS_BLD_NONINV_DIA"], quantity: .diastolic, source: .noninvasive),
        Entry(code: 150023, refids: ["MDC_PRESS_BLD_NONINV_MEAN"], quantity: .meanPressure, source: .noninvasive),
        Entry(code: 150025, refids: ["MDC_PRESS_BLD_NONINV_SYS_CTS"], quantity: .systolic, source: .noninvasive),
        Entry(code: 150026, refids: ["MDC_PRESS_BLD_NONINV_DIA_CTS"], quantity: .diastolic, source: .noninvasive),
        Entry(code: 150301, refids: ["MDC_PRESS_CUFF_SYS"], quantity: .systolic, source: .noninvasive),
        Entry(code: 150302, refids: ["MDC_PRESS_CUFF_DIA"], quantity: .diastolic, source: .noninvasive),
        Entry(code: 150303, refids: ["MDC_PRESS_CUFF_MEAN"], quantity: .meanPressure, source: .noninvasive),
        Entry(code: 150033, refids: ["MDC_PRESS_BLD_ART_SYS"], quantity: .systolic, source: .invasive),
        Entry(code: 150034, refids: ["MDC_PRESS_BLD_ART_DIA"], quantity: .diastolic, source: .invasive),
        Entry(code: 150035, refids: ["MDC_PRESS_BLD_ART_MEAN"], quantity: .meanPressure, source: .invasive),
        Entry(code: 150456, refids: ["MDC_PULS_OXIM_SAT_O2"], quantity: .spo2, source: .oximeter),
        Entry(code: 150460, refids: ["MDC_PULS_OXIM_SAT_O2_CTS"], quantity: .spo2, source: .oximeter),
        Entry(code: 150464, refids: ["MDC_PULS_OXIM_SAT_O2_NONCTS"], quantity: .spo2, source: .oximeter),
        // The generic respiration rate takes its source from the VMD it sits under (see PCDReader).
        Entry(code: 151562, refids: ["MDC_RESP_RATE"], quantity: .respiratoryRate, source: .generic),
        Entry(code: 151578, refids: ["MDC_TTHOR_RESP_RATE"], quantity: .respiratoryRate, source: .impedance),
        Entry(code: 151594, refids: ["MDC_CO2_RESP_RATE"], quantity: .respiratoryRate, source: .airway),
        Entry(code: 151570, refids: ["MDC_AWAY_RESP_RATE"], quantity: .respiratoryRate, source: .airway),
        Entry(code: 151658, refids: ["MDC_PULS_OXIM_PLETH_RESP_RATE"], quantity: .respiratoryRate, source: .pleth),
        Entry(code: 150344, refids: ["MDC_TEMP"], quantity: .temperature, source: .generic),
        Entry(code: 150364, refids: ["MDC_TEMP_BODY"], quantity: .temperature, source: .body),
        Entry(code: 150368, refids: ["MDC_TEMP_CORE"], quantity: .temperature, source: .core),
        Entry(code: 150392, refids: ["MDC_TEMP_TYMP"], quantity: .temperature, source: .tympanic),
        Entry(code: 150388, refids: ["MDC_TEMP_SKIN"], quantity: .temperature, source: .skin),
        Entry(code: 188424, refids: ["MDC_TEMP_ORAL"], quantity: .temperature, source: .oral),
        Entry(code: 147228, refids: ["MDC_ECG_TIME_PD_QRS_GL"], quantity: .qrsDuration, source: .ecg),
        Entry(code: 139008, refids: ["MDC_ECG_TIME_PD_QRS"], quantity: .qrsDuration, source: .ecg),
        Entry(code: 147232, refids: ["MDC_ECG_TIME_PD_QT_GL"], quantity: .qtInterval, source: .ecg),
        Entry(code: 139264, refids: ["MDC_ECG_TIME_PD_QT"], quantity: .qtInterval, source: .ecg),
        // QTc: [RT]/[PH] say 147236, [DC] CID 3227 says 146948; both accepted, the reading records which code.
        Entry(code: 147236, refids: ["MDC_ECG_TIME_PD_QTc"], quantity: .qtcInterval, source: .ecg),
        Entry(code: 146948, refids: ["MDC_ECG_TIME_PD_QTc", "MDC_ECG_TIME_PD_QTc_GL"], quantity: .qtcInterval, source: .ecg),
        Entry(code: 146952, refids: ["MDC_ECG_TIME_PD_QTcB"], quantity: .qtcInterval, source: .ecg),
        Entry(code: 146964, refids: ["MDC_ECG_TIME_PD_QTcF"], quantity: .qtcInterval, source: .ecg),
        // PR: [RT] 147220 and [DC] 146944 disagree (one of them is the shorter PQ segment), so the code alone
        // never decides; only the reference id PR_GL or PR is taken as PR (prConflictCodes below).
        Entry(code: 147220, refids: ["MDC_ECG_TIME_PD_PR_GL", "MDC_ECG_TIME_PD_PR"], quantity: .prInterval, source: .ecg),
        Entry(code: 146944, refids: ["MDC_ECG_TIME_PD_PR_GL", "MDC_ECG_TIME_PD_PR"], quantity: .prInterval, source: .ecg),
        Entry(code: 138240, refids: ["MDC_ECG_TIME_PD_PR"], quantity: .prInterval, source: .ecg),
        Entry(code: 184327, refids: ["MDC_ECG_STAT_RHY"], quantity: .rhythm, source: .ecg),
        Entry(code: 148066, refids: ["MDC_ECG_V_P_C_RATE"], quantity: .pvcRate, source: .ecg),
        Entry(code: 148065, refids: ["MDC_ECG_V_P_C_CNT"], quantity: .pvcCount, source: .ecg),
    ]

    /// Codes whose meaning depends on the reference id (PR against PQ): a mismatch there is logged and ignored
    /// (a warning), not refused, as the HL7 notes say for PR.
    public static let prConflictCodes: Set<Int> = [147220, 146944]

    private static let byCode: [Int: Entry] = Dictionary(entries.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
    private static let knownRefids: Set<String> = Set(entries.flatMap(\.refids))

    /// How a code and reference id pair reads against the table.
    public enum Lookup: Sendable, Hashable {
        /// Both agree with one entry.
        case mapped(Entry)
        /// Neither the code nor the refid is in the table.
        case unknown
        /// One is known and the pair does not agree.
        case mismatch
    }

    /// Looks a pair up; both must agree.
    public static func lookup(_ code: PCDCode) -> Lookup {
        let entry = code.code.flatMap { byCode[$0] }
        if let entry, entry.refids.contains(code.refid) { return .mapped(entry) }
        if entry == nil, !knownRefids.contains(code.refid) { return .unknown }
        return .mismatch
    }

    /// ECG arrhythmia event codes (HL7 notes, "arrhythmia events") and the rhythm each means, for ORU^R40 alarms.
    /// MDC_ECG_BRADY and MDC_ECG_TACHY are rate alarms that do not say the rhythm is sinus, and the rhythm list
    /// has only sinus brady- and tachycardia, so they stay device alarms (the heart-rate rules read the rate).
    public static let arrhythmias: [(code: Int, refid: String, rhythm: Rhythm?)] = [
        (148160, "MDC_ECG_V_TACHY", .ventricularTachycardia),
        (148032, "MDC_ECG_V_FIB", .ventricularFibrillation),
        (147528, "MDC_ECG_ASYSTOLE", .asystole),
        (147720, "MDC_ECG_ATR_FIB", .atrialFibrillation),
        (148184, "MDC_ECG_V_TACHY_TORSADE", .ventricularTachycardia),
        (148066, "MDC_ECG_V_P_C_RATE", .ventricularEctopy),
        (148065, "MDC_ECG_V_P_C_CNT", .ventricularEctopy),
        (147520, "MDC_ECG_BRADY", nil),
        (147688, "MDC_ECG_TACHY", nil),
    ]

    /// Values of the rhythm enumeration MDC_ECG_STAT_RHY (OBX-5 a REFID or `code^REFID^MDC`) and the rhythm each
    /// means; nil for known values that name no rhythm in the core's list (paced) or whose meaning is in doubt
    /// (absent, unanalysable), which are skipped with a warning rather than guessed.
    public static let rhythmValues: [(code: Int, refid: String, rhythm: Rhythm?)] = [
        (147474, "MDC_ECG_SINUS_RHY", .sinus),
        (147482, "MDC_ECG_V_TACHY_RHY", .ventricularTachycardia),
        (147486, "MDC_ECG_V_FIB_RHY", .ventricularFibrillation),
        (147465, "MDC_ECG_PACED_RHY", nil),
        (147467, "MDC_ECG_RHY_ABSENT", nil),
        (147473, "MDC_ECG_RHY_UNANALYZEABLE", nil),
    ]
}
