/// A parsed HL7 v2 message: its delimiters, character set, header and segments, with every leaf value unescaped
/// and decoded.
public struct HL7Message: Sendable, Hashable {
    /// The delimiters MSH-1 and MSH-2 declared.
    public var delimiters: HL7Delimiters
    /// The character set MSH-18 declared (ASCII when empty).
    public var characterSet: HL7CharacterSet
    /// The header fields an acknowledgement and the mapping need.
    public var header: HL7Header
    /// Every segment in order, MSH first.
    public var segments: [HL7Segment]

    public init(delimiters: HL7Delimiters, characterSet: HL7CharacterSet, header: HL7Header, segments: [HL7Segment]) {
        self.delimiters = delimiters
        self.characterSet = characterSet
        self.header = header
        self.segments = segments
    }

    /// The segments with this id, in order.
    public func segments(_ id: String) -> [HL7Segment] { segments.filter { $0.id == id } }

    /// The first segment with this id.
    public func segment(_ id: String) -> HL7Segment? { segments.first { $0.id == id } }
}

/// One segment: its id, where it stands, and its fields (position 1 is the first field after the id; for MSH,
/// position 1 is the field separator and position 2 the encoding characters, as the standard counts them).
public struct HL7Segment: Sendable, Hashable {
    /// The three-character segment id, e.g. `OBX`.
    public var id: String
    /// Which occurrence of this id it is, from 1: the sequence ERR-2 names.
    public var sequence: Int
    /// Its index among all segments, from 0.
    public var index: Int
    /// Fields by position; index 0 is unused so that `fields[n]` is field n.
    public var fields: [HL7Field]

    public init(id: String, sequence: Int, index: Int, fields: [HL7Field]) {
        self.id = id
        self.sequence = sequence
        self.index = index
        self.fields = fields
    }

    /// Field `n` (from 1); an absent field reads as empty, which HL7 treats the same as a field not sent.
    public subscript(field position: Int) -> HL7Field {
        position > 0 && position < fields.count ? fields[position] : HL7Field()
    }

    /// The number of the last field present.
    public var fieldCount: Int { max(fields.count - 1, 0) }

    /// This segment's place, for ERR-2.
    public var location: HL7Location { HL7Location(segment: id, sequence: sequence) }

    /// A field's place, for ERR-2.
    public func location(field: Int, component: Int? = nil) -> HL7Location {
        HL7Location(segment: id, sequence: sequence, field: field, component: component)
    }
}

/// A field: one or more repetitions.
public struct HL7Field: Sendable, Hashable {
    /// The repetitions in order; an empty field has none.
    public var repetitions: [HL7Repetition]

    public init(repetitions: [HL7Repetition] = []) {
        self.repetitions = repetitions
    }

    /// A field holding one plain value.
    public init(_ value: String) {
        self.repetitions = value.isEmpty ? [] : [HL7Repetition(components: [HL7Component(value)])]
    }

    /// Whether nothing was sent (every repetition empty).
    public var isEmpty: Bool { repetitions.allSatisfy(\.isEmpty) }

    /// The components of the first repetition.
    public var components: [HL7Component] { repetitions.first?.components ?? [] }

    /// Component `n` (from 1) of the first repetition, as text (its first subcomponent).
    public subscript(component position: Int) -> String { repetitions.first?[component: position] ?? "" }

    /// The first component's text: the whole value of a field that has no structure.
    public var value: String { self[component: 1] }

    /// Whether the field is HL7's explicit null, `""`.
    public var isNull: Bool { repetitions.count == 1 && value == "\"\"" && components.count == 1 }
}

/// One repetition of a field: its components.
public struct HL7Repetition: Sendable, Hashable {
    /// Components in order (component 1 first).
    public var components: [HL7Component]

    public init(components: [HL7Component]) {
        self.components = components
    }

    /// Whether every component is empty.
    public var isEmpty: Bool { components.allSatisfy(\.isEmpty) }

    /// Component `n` (from 1), as text (its first subcomponent); empty when absent.
    public subscript(component position: Int) -> String {
        position > 0 && position <= components.count ? components[position - 1].value : ""
    }
}

/// One component: its subcomponents.
public struct HL7Component: Sendable, Hashable {
    /// Subcomponents in order, unescaped and decoded.
    public var subcomponents: [String]

    public init(subcomponents: [String]) {
        self.subcomponents = subcomponents
    }

    /// A component holding one value.
    public init(_ value: String) {
        self.subcomponents = [value]
    }

    /// The first subcomponent: the whole value of a component that has no subcomponents.
    public var value: String { subcomponents.first ?? "" }

    /// Whether every subcomponent is empty.
    public var isEmpty: Bool { subcomponents.allSatisfy(\.isEmpty) }

    /// Subcomponent `n` (from 1); empty when absent.
    public subscript(subcomponent position: Int) -> String {
        position > 0 && position <= subcomponents.count ? subcomponents[position - 1] : ""
    }
}
