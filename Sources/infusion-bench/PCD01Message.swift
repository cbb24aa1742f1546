import Foundation
import InfusionCore
import InfusionHL7
#if canImport(Glibc)
import Glibc
#endif

/// The ORU^R01 messages one bench sender sends: one observation set per message (HR from the ECG, SpO2, cuff
/// pressure and respiration under one OBR-7 time with an offset), a unique MSH-10 for every message, and a time
/// that advances from message to message (by at least the 0.1 ms the time is written to, so at most that far
/// ahead of the clock), so every message is new work on the daemon's normal path rather than a resend or a refusal.
struct PCD01MessageBuilder: Sendable {
    /// MSH-3.1, as the daemon's `hl7.senders` entry names it.
    static let application = "BENCHMON"
    /// MSH-4.1, as the daemon's `hl7.senders` entry names it.
    static let facility = "BENCH"

    /// Part of every MSH-10, so two runs against one database never share a key.
    let runTag: String
    /// This sender's number, also part of every MSH-10.
    let sender: Int
    /// PID-3.1: the patient of the open session the messages bind to.
    let patientId: String
    private var sequence = 0
    /// The last time sent, in tenths of a millisecond since 1970.
    private var lastTick: Int64 = 0

    init(runTag: String, sender: Int, patientId: String) {
        self.runTag = runTag
        self.sender = sender
        self.patientId = patientId
    }

    /// The next message (CR-ended segments, no MLLP framing) and its MSH-10, taken at `now`.
    mutating func next(now: Date) -> (text: String, controlId: String) {
        sequence += 1
        // Two messages within one 0.1 ms step still get distinct, advancing times.
        let tick = max(Int64((now.timeIntervalSince1970 * 10_000).rounded(.down)), lastTick + 1)
        lastTick = tick
        let controlId = "\(runTag)-\(sender)-\(sequence)"
        let stamp = Self.hl7Time(tick: tick)
        let vitals = Self.normalVitals(sequence, sender: sender)
        func number(_ value: Double?) -> String { value.map { String(Int($0)) } ?? "" }
        let segments = [
            "MSH|^~\\&|\(Self.application)^0123456789ABCDE\(sender % 10)^EUI-64|\(Self.facility)|||\(stamp)||ORU^R01^ORU_R01|\(controlId)|P|2.6",
            "PID|||\(patientId)^^^HOSP^MR",
            "PV1||I|ICU^\(sender)^1",
            "OBR|1|||182777000^monitoring of patient^SCT|||\(stamp)",
            "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||0123456789ABCDE\(sender % 10)^EUI-64",
            "OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.5.1.1|\(number(vitals.heartRateBpm))|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R",
            "OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.22.1.2|\(number(vitals.spo2Percent))|262688^MDC_DIM_PERCENT^MDC|||||R",
            "OBX|4|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.1|\(number(vitals.systolicMmHg))|266016^MDC_DIM_MMHG^MDC|||||R",
            "OBX|5|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.9.2|\(number(vitals.diastolicMmHg))|266016^MDC_DIM_MMHG^MDC|||||R",
            "OBX|6|NM|151562^MDC_RESP_RATE^MDC|1.20.1.1|\(number(vitals.respiratoryRatePerMin))|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R",
        ]
        return (segments.joined(separator: "\r") + "\r", controlId)
    }

    /// Vitals no rule acts on (HR 70–80, SpO2 97–99, BP 120/80, RR 14), varied a little and the same for a given
    /// sequence and sender; the JSON phase posts the same values, so both routes do the same clinical work.
    static func normalVitals(_ sequence: Int, sender: Int) -> Vitals {
        var generator = SplitMix(seed: UInt64(sequence) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(sender))
        return Vitals(heartRateBpm: Double(70 + generator.next() % 11), systolicMmHg: 120, diastolicMmHg: 80,
                      spo2Percent: Double(97 + generator.next() % 3), respiratoryRatePerMin: 14)
    }

    /// `yyyyMMddHHmmss.SSSS+0000` in UTC of `tick` tenths of a millisecond since 1970, written by hand: this runs
    /// once per message on the cores the daemon uses.
    static func hl7Time(tick: Int64) -> String {
        var seconds = time_t(tick / 10_000)
        let tenThousandths = Int(tick % 10_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return digits(Int(parts.tm_year) + 1900, 4) + digits(Int(parts.tm_mon) + 1, 2) + digits(Int(parts.tm_mday), 2)
            + digits(Int(parts.tm_hour), 2) + digits(Int(parts.tm_min), 2) + digits(Int(parts.tm_sec), 2)
            + "." + digits(tenThousandths, 4) + "+0000"
    }
}

/// What an acknowledgement said, read with the daemon's own parser.
enum PCD01Acknowledgement {
    /// MSA-1 and MSA-2 of an acknowledgement's text (no framing).
    static func read(_ bytes: [UInt8]) throws -> (code: String, controlId: String) {
        let message = try HL7Parser.parse(bytes)
        guard let msa = message.segment("MSA") else { throw BenchError("an acknowledgement without MSA: \(printable(bytes))") }
        return (msa[field: 1].value, msa[field: 2].value)
    }

    /// Checks that `bytes` accept the message `controlId` with AA; anything else is an error naming what came back.
    static func requireAccepted(_ bytes: [UInt8], controlId: String) throws {
        let (code, acknowledged) = try read(bytes)
        guard code == "AA", acknowledged == controlId else {
            throw BenchError("message \(controlId) was answered \(code) for '\(acknowledged)', not AA: \(printable(bytes))")
        }
    }

    /// The acknowledgement with its segment ends shown, for an error message.
    static func printable(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r", with: " | ")
    }
}
