import Foundation

/// Which open sessions a monitor message belongs to (docs/HL7.md, "Binding"): first by the patient identifier; only
/// when no open session has that patient, by a bed or device a session was bound to with ``DeviceBinding``.
public enum MessageBinding {
    /// One patient identifier as a message names it (HL7 PID-3: CX.1 and CX.4).
    public struct PatientIdentifier: Sendable, Hashable {
        public var id: String
        /// CX.4.1, the assigning authority's namespace id ("" when not sent).
        public var authority: String
        /// CX.4.2, its universal id ("" when not sent).
        public var authorityUniversalId: String

        public init(id: String, authority: String = "", authorityUniversalId: String = "") {
            self.id = id
            self.authority = authority
            self.authorityUniversalId = authorityUniversalId
        }
    }

    /// What a message binds to.
    public enum Match: Sendable, Hashable {
        /// Sessions of the patient the message names.
        case patient([Session])
        /// Sessions bound to the message's bed or one of its devices; `by` says which (`bed ICU^^12`,
        /// `device 0012C9FFFE0B4020`).
        case place([Session], by: [String])
        /// The bed or devices are bound to open sessions of more than one patient: nothing may be stored.
        case ambiguous(patients: [String], by: [String])
        /// Nothing open binds it.
        case none

        /// The sessions the readings go to.
        public var sessions: [Session] {
            switch self {
            case .patient(let sessions), .place(let sessions, _): sessions
            case .ambiguous, .none: []
            }
        }
    }

    /// The open sessions among `candidates` whose patient a message names: an identifier whose ID equals the
    /// session's patient id and, when the session recorded an assigning authority, whose authority (namespace or
    /// universal id) equals it. Closed sessions never match.
    public static func byPatient(_ identifiers: [PatientIdentifier], among candidates: [Session]) -> [Session] {
        candidates.filter { session in
            session.state.isOpen && identifiers.contains { identifier in
                guard !identifier.id.isEmpty, identifier.id == session.patientId else { return false }
                guard let authority = session.patientIdAuthority else { return true }
                return identifier.authority == authority || identifier.authorityUniversalId == authority
            }
        }
    }

    /// The message's binding among the open sessions `open`: by patient when any names its patient, else by bed
    /// (PV1-3 as sent) or device (as ``DeviceBinding/canonicalDevice(_:)`` compares them).
    public static func resolve(
        identifiers: [PatientIdentifier], bed: String?, devices: [String], among open: [Session]
    ) -> Match {
        let byPatient = byPatient(identifiers, among: open)
        if !byPatient.isEmpty { return .patient(byPatient) }
        let sent = Set(devices.map(DeviceBinding.canonicalDevice))
        var matched: [Session] = []
        var reasons: [String] = []
        for session in open where session.state.isOpen {
            guard let binding = session.binding else { continue }
            var why: [String] = []
            if let bound = binding.bed, bound == bed { why.append("bed \(bound)") }
            why += binding.deviceIds.filter(sent.contains).map { "device \($0)" }
            guard !why.isEmpty else { continue }
            matched.append(session)
            for reason in why where !reasons.contains(reason) { reasons.append(reason) }
        }
        guard !matched.isEmpty else { return .none }
        var patients: [String] = []
        for session in matched where !patients.contains(session.patientId) { patients.append(session.patientId) }
        return patients.count == 1 ? .place(matched, by: reasons) : .ambiguous(patients: patients, by: reasons)
    }
}
