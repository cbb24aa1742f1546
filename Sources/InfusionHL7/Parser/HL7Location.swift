/// Where in a message a problem lies, as HL7's ERL data type sends it in ERR-2
/// (`segment^sequence^field^repetition^component^subcomponent`).
public struct HL7Location: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The segment id, e.g. `OBX`.
    public var segment: String
    /// Which occurrence of that segment id, counted from 1 (`OBX^3` is the third OBX).
    public var sequence: Int
    /// The field position, counted from 1 (MSH-1 is the field separator).
    public var field: Int?
    /// The field repetition, counted from 1.
    public var repetition: Int?
    /// The component, counted from 1.
    public var component: Int?
    /// The subcomponent, counted from 1.
    public var subcomponent: Int?

    public init(
        segment: String, sequence: Int = 1, field: Int? = nil, repetition: Int? = nil, component: Int? = nil,
        subcomponent: Int? = nil
    ) {
        self.segment = segment
        self.sequence = sequence
        self.field = field
        self.repetition = repetition
        self.component = component
        self.subcomponent = subcomponent
    }

    /// The ERL components in order, ending at the last one that is known; a component or subcomponent implies
    /// repetition 1 when none was given, since ERL positions are read left to right.
    public var components: [String] {
        var parts = [segment, String(sequence)]
        guard let field else { return parts }
        parts.append(String(field))
        let repetition = self.repetition ?? ((component ?? subcomponent) != nil ? 1 : nil)
        guard let repetition else { return parts }
        parts.append(String(repetition))
        guard let component else { return parts }
        parts.append(String(component))
        if let subcomponent { parts.append(String(subcomponent)) }
        return parts
    }

    /// `OBX^3^5` style, with `^` as the component separator.
    public var description: String { components.joined(separator: "^") }

    /// The same place, narrowed to a field.
    public func field(_ field: Int, repetition: Int? = nil, component: Int? = nil, subcomponent: Int? = nil) -> HL7Location {
        HL7Location(segment: segment, sequence: sequence, field: field, repetition: repetition, component: component,
                    subcomponent: subcomponent)
    }
}

/// One thing wrong (or worth telling) about a message: the table 0357 code, a severity, where, and a sentence for
/// the interface analyst; becomes one ERR segment of the acknowledgement.
public struct HL7Problem: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The table 0357 code (ERR-3).
    public var code: HL7ErrorCode
    /// ERR-4.
    public var severity: HL7Severity
    /// ERR-2, when the problem has a place.
    public var location: HL7Location?
    /// ERR-8: what failed and what the sender can do about it.
    public var text: String

    public init(_ code: HL7ErrorCode, severity: HL7Severity = .error, at location: HL7Location?, _ text: String) {
        self.code = code
        self.severity = severity
        self.location = location
        self.text = text
    }

    /// A warning about an accepted message (ERR-3 0, ERR-4 W), e.g. an OBX code that was skipped.
    public static func warning(at location: HL7Location?, _ text: String) -> HL7Problem {
        HL7Problem(.accepted, severity: .warning, at: location, text)
    }

    public var description: String {
        "\(severity.rawValue) \(code.rawValue)\(location.map { " at \($0)" } ?? ""): \(text)"
    }
}
