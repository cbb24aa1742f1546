import Foundation

/// The parts of FHIR R4 `AuditEvent` (and the `Bundle` around it) that the export fills, as Encodable values;
/// nil fields are left out. Element names and cardinalities follow hl7.org/fhir/R4/auditevent.html.
public struct FHIRAuditEvent: Encodable, Sendable {
    public struct Coding: Encodable, Sendable {
        var system: String?
        var code: String
        var display: String?
    }

    public struct CodeableConcept: Encodable, Sendable {
        var coding: [Coding]?
        var text: String?
    }

    public struct Identifier: Encodable, Sendable {
        var system: String
        var value: String
    }

    public struct Reference: Encodable, Sendable {
        var type: String?
        var identifier: Identifier?
        var display: String?
    }

    public struct Agent: Encodable, Sendable {
        var type: CodeableConcept?
        var role: [CodeableConcept]?
        var who: Reference?
        var altId: String?
        var name: String?
        var requestor: Bool
    }

    public struct Source: Encodable, Sendable {
        var site: String?
        var observer: Reference
        var type: [Coding]?
    }

    public struct Detail: Encodable, Sendable {
        var type: String
        var valueString: String?
        var valueBase64Binary: String?
    }

    public struct Entity: Encodable, Sendable {
        var what: Reference?
        var type: Coding?
        var role: Coding?
        var name: String?
        var detail: [Detail]?
    }

    let resourceType = "AuditEvent"
    var id: String
    var type: Coding
    var subtype: [Coding]?
    var action: String?
    var recorded: String
    var outcome: String?
    var outcomeDesc: String?
    var agent: [Agent]
    var source: Source
    var entity: [Entity]?
}
