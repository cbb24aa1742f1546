import Foundation

/// Who answers: this receiver's own MSH-3 and MSH-4 in every acknowledgement.
public struct HL7Responder: Sendable, Hashable {
    /// MSH-3 of the acknowledgement (e.g. `INFUSIOND`).
    public var application: String
    /// MSH-4 of the acknowledgement.
    public var facility: String

    public init(application: String, facility: String) {
        self.application = application
        self.facility = facility
    }
}

/// An acknowledgement ready to send: its MSA-1 code, its text (CR-terminated segments) and the bytes in the
/// message's character set.
public struct HL7Acknowledgement: Sendable, Hashable {
    /// MSA-1: `AA`, `AE`, `AR`, `CA`, `CE` or `CR`.
    public var code: String
    /// The segments, each ended by CR.
    public var text: String
    /// The character set the bytes are in (the one the message declared).
    public var characterSet: HL7CharacterSet

    /// The acknowledgement's bytes, unframed.
    public var bytes: [UInt8] { characterSet.encode(text) }

    /// The acknowledgement framed for MLLP, to go out in one write.
    public var framed: [UInt8] { MLLPFramer.frame(bytes) }

    /// The ACK that answers a parsed message with this outcome; nil when the sender's MSH-15/MSH-16 ask for no
    /// acknowledgement in this case.
    public static func acknowledging(
        _ message: HL7Message, outcome: HL7Outcome, responder: HL7Responder, controlId: String, at time: Date
    ) -> HL7Acknowledgement? {
        build(header: message.header, delimiters: message.delimiters, characterSet: message.characterSet,
              outcome: outcome, responder: responder, controlId: controlId, at: time)
    }

    /// The ACK that answers a message the parser refused: `AE` (or `CE`) for content, `AR` with an empty MSA-2
    /// when its MSH could not be read.
    public static func acknowledging(
        _ error: HL7ParseError, responder: HL7Responder, controlId: String, at time: Date
    ) -> HL7Acknowledgement? {
        build(header: error.header, delimiters: error.delimiters ?? .standard, characterSet: error.characterSet ?? .ascii,
              outcome: error.outcome, responder: responder, controlId: controlId, at: time)
    }

    /// The ACK for any header (or none) and outcome: the single function both entry points use.
    public static func build(
        header: HL7Header?, delimiters: HL7Delimiters, characterSet: HL7CharacterSet, outcome: HL7Outcome,
        responder: HL7Responder, controlId: String, at time: Date
    ) -> HL7Acknowledgement? {
        let mode = HL7AcknowledgementMode(header: header)
        let code: String
        var enhanced = false
        switch mode {
        case .original:
            code = applicationCode(outcome.disposition)
        case .enhanced(let accept, let application):
            enhanced = true
            if accept.applies(to: outcome.disposition) {
                code = acceptCode(outcome.disposition)
            } else if application.applies(to: outcome.disposition) {
                code = applicationCode(outcome.disposition)
            } else {
                return nil
            }
        }
        let writer = SegmentWriter(delimiters: delimiters)
        // MSH-11 and MSH-12 are copied, unless copying would make the acknowledgement itself unreadable: a version
        // outside 2.3-2.8 (the refusal being answered may be exactly that) becomes 2.8, the latest spoken here, and
        // a processing id outside table 0103 becomes P.
        let version = header.flatMap { $0.isSupportedVersion ? $0.version : nil } ?? (header == nil ? "2.6" : "2.8")
        let processingId = header.flatMap { ["P", "D", "T"].contains($0.processingId) ? $0.processingId : nil } ?? "P"
        let legacyErr = header.flatMap(\.versionNumber).map { $0.major == 2 && $0.minor < 5 } ?? false
        var msh: [String] = [
            writer.escape(responder.application), writer.escape(responder.facility),
            header.map { $0.sendingApplication.encoded(with: delimiters) } ?? "",
            header.map { $0.sendingFacility.encoded(with: delimiters) } ?? "",
            // Escaped like every value: a sender may have chosen '+' or '.' as a delimiter.
            writer.escape(timestamp(time)), "",
            writer.components(["ACK", header.map(\.triggerEvent) ?? "", "ACK"]),
            writer.escape(controlId),
            writer.escape(processingId),
            writer.escape(version),
        ]
        // MSH-13 to MSH-16; an acknowledgement itself asks for none, or the sender would answer it.
        msh += ["", "", enhanced ? "NE" : "", enhanced ? "NE" : ""]
        // MSH-18 names the set the bytes are really in: the sender's when it named one this receiver knows; an
        // unknown one is not echoed (the reply then goes out in ASCII, which needs no MSH-18).
        if characterSet != .ascii || header?.characterSet == HL7CharacterSet.ascii.rawValue {
            msh += ["", writer.escape(characterSet.rawValue)]
        }
        var segments = [writer.mshSegment(msh)]
        var msa = [code, writer.escape(header?.controlId ?? "")]
        if legacyErr, let first = outcome.problems.first(where: { $0.severity == .error }) {
            msa.append(writer.escape(first.text))
        }
        segments.append(writer.segment("MSA", msa))
        for problem in outcome.problems {
            let eld = legacyErr ? writer.legacyLocation(problem) : ""
            segments.append(writer.segment("ERR", [
                eld,
                problem.location.map { writer.components($0.components) } ?? "",
                writer.components([String(problem.code.rawValue), problem.code.text, "HL70357"]),
                problem.severity.rawValue, "", "", "",
                writer.escape(problem.text),
            ]))
        }
        let text = segments.map { $0 + "\r" }.joined()
        return HL7Acknowledgement(code: code, text: text, characterSet: characterSet)
    }

    private static func applicationCode(_ disposition: HL7Outcome.Disposition) -> String {
        switch disposition {
        case .accepted: "AA"
        case .error: "AE"
        case .rejected: "AR"
        }
    }

    private static func acceptCode(_ disposition: HL7Outcome.Disposition) -> String {
        switch disposition {
        case .accepted: "CA"
        case .error: "CE"
        case .rejected: "CR"
        }
    }

    /// `YYYYMMDDHHMMSS+0000`: the acknowledgement's own time, in UTC with its offset so no zone is guessed.
    static func timestamp(_ time: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: time)
        func two(_ value: Int?) -> String { let v = value ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(c.year ?? 0)\(two(c.month))\(two(c.day))\(two(c.hour))\(two(c.minute))\(two(c.second))+0000"
    }
}

/// Writes segments with a message's delimiters, escaping every value.
private struct SegmentWriter {
    let delimiters: HL7Delimiters

    func escape(_ text: String) -> String { HL7Escaping.escape(text, delimiters: delimiters) }

    func components(_ values: [String]) -> String {
        values.map(escape).droppingTrailingEmpty().joined(separator: String(Unicode.Scalar(delimiters.component)))
    }

    func segment(_ id: String, _ fields: [String]) -> String {
        ([id] + fields.droppingTrailingEmpty()).joined(separator: String(Unicode.Scalar(delimiters.field)))
    }

    /// MSH with its separator and encoding characters, then fields from MSH-3.
    func mshSegment(_ fieldsFrom3: [String]) -> String {
        let separator = String(Unicode.Scalar(delimiters.field))
        return "MSH" + separator + delimiters.encodingCharacters + separator
            + fieldsFrom3.droppingTrailingEmpty().joined(separator: separator)
    }

    /// ERR-1 (ELD) for v2.3 and v2.4 receivers: `segment^sequence^field^code&text&HL70357`.
    func legacyLocation(_ problem: HL7Problem) -> String {
        let subcomponent = String(Unicode.Scalar(delimiters.subcomponent))
        let code = [String(problem.code.rawValue), problem.code.text, "HL70357"].map(escape).joined(separator: subcomponent)
        let location = problem.location
        return [location.map { escape($0.segment) } ?? "", location.map { String($0.sequence) } ?? "",
                location?.field.map(String.init) ?? "", code]
            .joined(separator: String(Unicode.Scalar(delimiters.component)))
    }
}
