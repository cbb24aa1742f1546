/// A strict reader of HL7 v2.3–v2.8 messages in the ER7 ("pipe and hat") encoding.
///
/// It takes the delimiters from MSH-1 and MSH-2 rather than assuming them, splits segments on CR (a CR LF pair
/// counts as one CR; a line feed alone is refused, since a message that uses it cannot be told apart from one
/// with a line feed inside a value), honours MSH-18, and reports every refusal as an ``HL7ParseError`` that
/// carries the table 0357 code, the ERR-2 location and whatever of the header it could read.
public enum HL7Parser {
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let lineFeed = UInt8(ascii: "\n")

    /// Parses a message given as bytes (without MLLP framing).
    public static func parse(_ input: some Collection<UInt8>) throws(HL7ParseError) -> HL7Message {
        let bytes = Array(input)
        let delimiters = try readDelimiters(bytes)
        let (ranges, bareLineFeed) = segmentRanges(bytes)
        let ids = ranges.map { segmentId(bytes[$0], delimiters: delimiters) }
        let sequences = sequenceNumbers(ids)

        // The header is read before the character set is known (Latin-1 maps every byte), so that every later
        // refusal can still name MSH-10 in its acknowledgement.
        guard let mshRange = ranges.first else { throw unreadable("The message is empty.") }
        let provisional: HL7Segment
        do {
            provisional = try segment(bytes[mshRange], id: "MSH", sequence: 1, index: 0, delimiters: delimiters, characterSet: .latin1)
        } catch {
            throw unreadable(error.problem.text)
        }
        let header = HL7Header(msh: provisional)
        func refuse(_ problem: HL7Problem, characterSet: HL7CharacterSet? = nil) -> HL7ParseError {
            HL7ParseError(problem, header: header, delimiters: delimiters, characterSet: characterSet)
        }
        let msh = HL7Location(segment: "MSH")

        guard let characterSet = HL7CharacterSet(msh18: header.characterSet) else {
            throw refuse(HL7Problem(.tableValueNotFound, at: msh.field(18),
                                    "MSH-18 character set '\(header.characterSet)' is not one this receiver reads; send ASCII, 8859/1 or UNICODE UTF-8."))
        }
        if let index = bareLineFeed {
            let location = HL7Location(segment: ids[index].isValid ? ids[index].text : "MSH", sequence: sequences[index])
            throw refuse(HL7Problem(.segmentSequenceError, at: location,
                                    "A segment ends with a line feed alone; HL7 segments end with CR (CR LF is tolerated). Configure the sender for CR."),
                         characterSet: characterSet)
        }
        if header.messageType.isEmpty {
            throw refuse(HL7Problem(.requiredFieldMissing, at: msh.field(9), "MSH-9 message type is empty."), characterSet: characterSet)
        }
        if header.controlId.isEmpty {
            throw refuse(HL7Problem(.requiredFieldMissing, at: msh.field(10),
                                    "MSH-10 message control id is empty; every message needs one so its acknowledgement and any resend can be matched."),
                         characterSet: characterSet)
        }
        if header.version.isEmpty {
            throw refuse(HL7Problem(.requiredFieldMissing, at: msh.field(12), "MSH-12 version id is empty."), characterSet: characterSet)
        }
        guard header.isSupportedVersion else {
            throw refuse(HL7Problem(.unsupportedVersionId, at: msh.field(12),
                                    "MSH-12 version '\(header.version)' is not supported; this receiver reads HL7 v2.3 to v2.8."),
                         characterSet: characterSet)
        }

        var segments: [HL7Segment] = []
        segments.reserveCapacity(ranges.count)
        for (index, range) in ranges.enumerated() {
            guard ids[index].isValid else {
                throw refuse(HL7Problem(.segmentSequenceError, at: HL7Location(segment: "MSH", sequence: 1),
                                        "Segment \(index + 1) does not start with a segment id (three capitals or digits, then '\(Character(Unicode.Scalar(delimiters.field)))')."),
                             characterSet: characterSet)
            }
            if index > 0, ids[index].text == "MSH" {
                throw refuse(HL7Problem(.segmentSequenceError, at: HL7Location(segment: "MSH", sequence: sequences[index]),
                                        "A second MSH segment: send one message per MLLP frame."),
                             characterSet: characterSet)
            }
            do {
                segments.append(try segment(bytes[range], id: ids[index].text, sequence: sequences[index], index: index,
                                            delimiters: delimiters, characterSet: characterSet))
            } catch {
                throw refuse(error.problem, characterSet: characterSet)
            }
        }
        return HL7Message(delimiters: delimiters, characterSet: characterSet, header: HL7Header(msh: segments[0]), segments: segments)
    }

    /// Parses a message given as text; its UTF-8 bytes are what is read, so MSH-18 should say UNICODE UTF-8 if
    /// the text is not ASCII.
    public static func parse(_ text: String) throws(HL7ParseError) -> HL7Message {
        try parse(Array(text.utf8))
    }

    /// Reads as much of the header as the first segment allows, for a message that is answered without being
    /// parsed (one cut off at the size limit); nil when MSH-1 and MSH-2 cannot be read.
    public static func partialHeader(_ input: some Collection<UInt8>) -> (header: HL7Header, delimiters: HL7Delimiters)? {
        let bytes = Array(input)
        guard let delimiters = try? readDelimiters(bytes) else { return nil }
        let end = bytes.firstIndex(where: { $0 == carriageReturn || $0 == lineFeed }) ?? bytes.endIndex
        guard let msh = try? segment(bytes[0..<end], id: "MSH", sequence: 1, index: 0, delimiters: delimiters, characterSet: .latin1) else {
            return nil
        }
        return (HL7Header(msh: msh), delimiters)
    }

    // MARK: - Pieces

    private static func unreadable(_ text: String) -> HL7ParseError {
        HL7ParseError(HL7Problem(.segmentSequenceError, at: HL7Location(segment: "MSH"), text))
    }

    private static func readDelimiters(_ bytes: [UInt8]) throws(HL7ParseError) -> HL7Delimiters {
        guard bytes.count >= 4, bytes[0] == UInt8(ascii: "M"), bytes[1] == UInt8(ascii: "S"), bytes[2] == UInt8(ascii: "H") else {
            throw unreadable("The message does not start with an MSH segment.")
        }
        let field = bytes[3]
        guard HL7Delimiters.isAllowedDelimiter(field) else {
            throw unreadable("MSH-1 field separator is not a printable ASCII punctuation character.")
        }
        let end = bytes[4...].firstIndex(where: { $0 == field || $0 == carriageReturn || $0 == lineFeed }) ?? bytes.endIndex
        guard let delimiters = HL7Delimiters(field: field, encodingCharacters: bytes[4..<end]) else {
            throw unreadable("MSH-2 encoding characters must be four (or, from v2.7, five) distinct punctuation characters, e.g. ^~\\&.")
        }
        return delimiters
    }

    /// Segment byte ranges, empty lines skipped; and the index of the first segment ended by a lone line feed.
    private static func segmentRanges(_ bytes: [UInt8]) -> (ranges: [Range<Int>], bareLineFeed: Int?) {
        var ranges: [Range<Int>] = []
        var bareLineFeed: Int?
        var start = 0
        var index = 0
        func close(at end: Int) {
            if end > start { ranges.append(start..<end) }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == carriageReturn {
                close(at: index)
                if index + 1 < bytes.count, bytes[index + 1] == lineFeed { index += 1 }
                start = index + 1
            } else if byte == lineFeed {
                if bareLineFeed == nil { bareLineFeed = ranges.count }
                close(at: index)
                start = index + 1
            }
            index += 1
        }
        close(at: bytes.count)
        if let found = bareLineFeed, found >= ranges.count { bareLineFeed = max(ranges.count - 1, 0) }
        return (ranges, bareLineFeed)
    }

    private struct SegmentId {
        var text: String
        var isValid: Bool
    }

    private static func segmentId(_ bytes: ArraySlice<UInt8>, delimiters: HL7Delimiters) -> SegmentId {
        let id = bytes.prefix(3)
        let text = String(decoding: id, as: UTF8.self)
        let next = bytes.dropFirst(3).first
        let shapeOK = id.count == 3 && id.allSatisfy { ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }
            && id.first.map { $0 >= UInt8(ascii: "A") } == true
        return SegmentId(text: text, isValid: shapeOK && (next == nil || next == delimiters.field))
    }

    private static func sequenceNumbers(_ ids: [SegmentId]) -> [Int] {
        var counts: [String: Int] = [:]
        return ids.map { id in
            counts[id.text, default: 0] += 1
            return counts[id.text]!
        }
    }

    private struct LeafError: Error {
        var problem: HL7Problem
    }

    private static func segment(
        _ bytes: ArraySlice<UInt8>, id: String, sequence: Int, index: Int, delimiters: HL7Delimiters,
        characterSet: HL7CharacterSet
    ) throws(LeafError) -> HL7Segment {
        let parts = bytes.split(separator: delimiters.field, omittingEmptySubsequences: false)
        var fields: [HL7Field] = [HL7Field()]
        let location = HL7Location(segment: id, sequence: sequence)
        if id == "MSH" {
            // MSH-1 is the separator itself and MSH-2 the encoding characters, neither split nor unescaped.
            fields.append(HL7Field(String(Unicode.Scalar(delimiters.field))))
            fields.append(HL7Field(delimiters.encodingCharacters))
            for (offset, part) in parts.dropFirst(2).enumerated() {
                fields.append(try field(part, at: location.field(offset + 3), delimiters: delimiters, characterSet: characterSet))
            }
        } else {
            for (offset, part) in parts.dropFirst().enumerated() {
                fields.append(try field(part, at: location.field(offset + 1), delimiters: delimiters, characterSet: characterSet))
            }
        }
        return HL7Segment(id: id, sequence: sequence, index: index, fields: fields)
    }

    private static func field(
        _ bytes: ArraySlice<UInt8>, at location: HL7Location, delimiters: HL7Delimiters, characterSet: HL7CharacterSet
    ) throws(LeafError) -> HL7Field {
        guard !bytes.isEmpty else { return HL7Field() }
        var repetitions: [HL7Repetition] = []
        for (r, repetition) in bytes.split(separator: delimiters.repetition, omittingEmptySubsequences: false).enumerated() {
            var components: [HL7Component] = []
            for (c, component) in repetition.split(separator: delimiters.component, omittingEmptySubsequences: false).enumerated() {
                var subcomponents: [String] = []
                for (s, leaf) in component.split(separator: delimiters.subcomponent, omittingEmptySubsequences: false).enumerated() {
                    let raw = HL7Escaping.unescape(leaf, delimiters: delimiters)
                    guard let text = characterSet.decode(raw) else {
                        throw LeafError(problem: HL7Problem(
                            .dataTypeError,
                            at: HL7Location(segment: location.segment, sequence: location.sequence, field: location.field,
                                            repetition: r + 1, component: c + 1, subcomponent: s + 1),
                            "The value is not valid \(characterSet.rawValue) text (MSH-18 declares \(characterSet.rawValue)); declare the set the sender really uses."))
                    }
                    subcomponents.append(text)
                }
                components.append(HL7Component(subcomponents: subcomponents))
            }
            repetitions.append(HL7Repetition(components: components))
        }
        return HL7Field(repetitions: repetitions)
    }
}
