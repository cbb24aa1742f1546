import Crypto
import Foundation
import InfusionCore

/// `fhir`: a FHIR R4 `Bundle` of type `collection` holding one `AuditEvent` per record.
///
/// Each event carries the record's action as `subtype` (system `urn:infusiond:audit-action`), and its first
/// entity carries the record's `seq`, `hash`, `prevHash` and the exact hashed bytes (`record`, base64) in
/// `entity.detail`, so the chain can be checked from the FHIR file too.
public struct FHIRExportEncoder: AuditExportEncoder {
    let origin: String
    let exportedAt: Date
    private var count = 0

    public init(origin: String, exportedAt: Date) {
        self.origin = origin
        self.exportedAt = exportedAt
    }

    public func header() -> Data {
        Data(#"{"resourceType":"Bundle","type":"collection","timestamp":"\#(WireJSON.formatTimestamp(exportedAt))","entry":["#.utf8)
    }

    public mutating func encode(_ stored: StoredAuditRecord) throws -> Data {
        let record = try WireJSON.decoder().decode(AuditRecord.self, from: stored.bytes)
        let event = Self.event(record, stored: stored, origin: origin)
        let entry = try WireJSON.encode(event)
        var bytes = Data(((count == 0 ? "" : ",") + #"{"fullUrl":"\#(Self.fullURL(stored.hash))","resource":"#).utf8)
        bytes.append(entry)
        bytes.append(contentsOf: Array("}".utf8))
        count += 1
        return bytes
    }

    public func footer() -> Data { Data("]}\n".utf8) }

    /// A stable `urn:uuid:` for the entry, made from the record's hash.
    static func fullURL(_ hexHash: String) -> String {
        var hex = Array(hexHash.prefix(32))
        guard hex.count == 32 else { return "urn:uuid:00000000-0000-8000-8000-000000000000" }
        hex[12] = "8"  // version 8: custom, as RFC 9562 allows for name-based identifiers of one's own
        hex[16] = ["8", "9", "a", "b"][Int(String(hex[16]), radix: 16).map { $0 & 3 } ?? 0]
        let text = String(hex)
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(text[text.index(text.startIndex, offsetBy: range.lowerBound)..<text.index(text.startIndex, offsetBy: range.upperBound)])
        }
        return "urn:uuid:" + parts.joined(separator: "-")
    }

    /// The AuditEvent for one record.
    static func event(_ record: AuditRecord, stored: StoredAuditRecord, origin: String) -> FHIRAuditEvent {
        let dicom = "http://dicom.nema.org/resources/ontology/DCM"
        let type: FHIRAuditEvent.Coding = switch record.action {
        case let action where action.hasPrefix("daemon."): .init(system: dicom, code: "110100", display: "Application Activity")
        case "audit.export": .init(system: dicom, code: "110106", display: "Export")
        case let action where action.hasSuffix(".read") || action.hasSuffix(".list") || action.hasSuffix(".query"):
            .init(system: dicom, code: "110112", display: "Query")
        case "request.refuse": .init(system: dicom, code: "110113", display: "Security Alert")
        default: .init(system: dicom, code: "110110", display: "Patient Record")
        }
        let actor = record.actor
        let isSystem = actor.role == "system"
        var peer: [String] = []
        if let uid = actor.uid { peer.append("uid=\(uid)") }
        if let gid = actor.gid { peer.append("gid=\(gid)") }
        if let pid = actor.pid { peer.append("pid=\(pid)") }
        let agent = FHIRAuditEvent.Agent(
            type: nil,
            role: actor.role.map { [FHIRAuditEvent.CodeableConcept(coding: nil, text: $0)] },
            who: actor.person.map {
                FHIRAuditEvent.Reference(type: isSystem ? "Device" : "Practitioner",
                                         identifier: .init(system: isSystem ? "urn:infusiond:system" : "urn:infusiond:staff", value: $0),
                                         display: $0)
            } ?? FHIRAuditEvent.Reference(type: nil, identifier: nil, display: peer.isEmpty ? "unknown" : "local process \(peer.joined(separator: " "))"),
            altId: peer.isEmpty ? nil : peer.joined(separator: " "),
            name: actor.person,
            requestor: !isSystem)

        var details = [
            FHIRAuditEvent.Detail(type: "seq", valueString: String(record.seq)),
            FHIRAuditEvent.Detail(type: "hash", valueString: stored.hash),
            FHIRAuditEvent.Detail(type: "prevHash", valueString: record.prevHash),
            FHIRAuditEvent.Detail(type: "record", valueBase64Binary: stored.bytes.base64EncodedString()),
        ]
        if let entityId = record.entity?.id, record.entity?.type == "request" {
            details.append(FHIRAuditEvent.Detail(type: "request", valueString: entityId))
        }
        var entities = [subjectEntity(record.entity, details: details)]
        if let patient = record.entity?.patientId {
            entities.append(FHIRAuditEvent.Entity(
                what: .init(type: "Patient", identifier: .init(system: "urn:infusiond:patient", value: patient), display: nil),
                type: .init(system: "http://terminology.hl7.org/CodeSystem/audit-entity-type", code: "1", display: "Person"),
                role: .init(system: "http://terminology.hl7.org/CodeSystem/object-role", code: "1", display: "Patient"),
                name: nil, detail: nil))
        }
        let outcome: String = switch record.outcome {
        case "success": "0"
        case "refused": "4"
        default: "8"
        }
        return FHIRAuditEvent(
            id: "audit-\(record.seq)", type: type,
            subtype: [.init(system: "urn:infusiond:audit-action", code: record.action, display: nil)],
            action: crud(record.action), recorded: record.time, outcome: outcome,
            outcomeDesc: outcome == "0" ? nil : refusalText(record),
            agent: [agent],
            source: .init(site: origin, observer: .init(type: "Device", identifier: .init(system: "urn:infusiond:log", value: origin), display: "infusiond"),
                          type: [.init(system: "http://terminology.hl7.org/CodeSystem/security-source-type", code: "4", display: "Application Server")]),
            entity: entities)
    }

    /// The entity the record is about, carrying the record's chain details.
    private static func subjectEntity(_ entity: AuditEntity?, details: [FHIRAuditEvent.Detail]) -> FHIRAuditEvent.Entity {
        let systemObject = FHIRAuditEvent.Coding(system: "http://terminology.hl7.org/CodeSystem/audit-entity-type", code: "2", display: "System Object")
        guard let entity else {
            return .init(what: .init(type: nil, identifier: nil, display: "audit trail"), type: systemObject, role: nil, name: nil, detail: details)
        }
        let what: FHIRAuditEvent.Reference = switch (entity.type, entity.id) {
        case ("request", let id?): .init(type: nil, identifier: nil, display: id)
        case (let type, let id?): .init(type: nil, identifier: .init(system: "urn:infusiond:\(type)", value: id), display: "\(type) \(id)")
        case (let type, nil): .init(type: nil, identifier: nil, display: type)
        }
        return .init(what: what, type: systemObject, role: nil, name: nil, detail: details)
    }

    /// What a refusal or failure record says about itself, for `outcomeDesc`.
    private static func refusalText(_ record: AuditRecord) -> String {
        if case .object(let fields) = record.detail, let detail = fields["detail"]?.stringValue { return detail }
        return record.outcome
    }

    /// R4's AuditEventAction (required binding): C, R, U, D or E.
    static func crud(_ action: String) -> String {
        if action.hasSuffix(".read") || action.hasSuffix(".list") || action.hasSuffix(".query") || action == "audit.export" { return "R" }
        if action.hasPrefix("daemon.") || action == "request.refuse" { return "E" }
        if action.hasSuffix(".start") || action == "observation.accept" || action == "decision.record" || action == "alert.raise" { return "C" }
        return "U"
    }
}
