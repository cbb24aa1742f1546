import Foundation
import InfusionCore

/// A session as a person names it on the command line: the whole id, the start of one (tables show 8
/// characters), or the patient id of an open session.
///
/// A prefix is accepted when exactly one session's id starts with it, as git and docker accept abbreviated ids. A
/// patient id is accepted when exactly one open session is for that patient. Anything that matches more than one
/// session is refused with the candidates listed, so a command never acts on a session the person did not mean.
public struct SessionReference: Sendable, Hashable, CustomStringConvertible {
    /// The shortest id prefix accepted: fewer characters would too often match a session by chance (git's minimum).
    public static let minimumPrefixLength = 4

    /// The text as given.
    public var text: String

    /// A reference to the session named by `text`.
    public init(_ text: String) { self.text = text.trimmingCharacters(in: .whitespaces) }

    /// The text as given.
    public var description: String { text }

    /// The id when the text is a whole UUID (no lookup needed).
    public var exactID: UUID? { UUID(uuidString: text) }

    /// The lowercase id prefix the text stands for, or nil when it cannot be one (too short, or not hex digits and
    /// hyphens).
    public var idPrefix: String? {
        let lower = text.lowercased()
        let hexDigits = lower.filter { $0 != "-" }
        guard hexDigits.count >= Self.minimumPrefixLength,
              lower.allSatisfy({ $0 == "-" || $0.isHexDigit }) else { return nil }
        return lower
    }

    /// Whether `id` starts with this prefix, written with its hyphens or without them.
    public func isPrefix(of id: UUID) -> Bool {
        guard let prefix = idPrefix else { return false }
        let full = id.uuidString.lowercased()
        return prefix.contains("-") ? full.hasPrefix(prefix) : full.replacingOccurrences(of: "-", with: "").hasPrefix(prefix)
    }

    /// The sessions this reference names among `sessions` (all of the daemon's, open and closed): those whose id
    /// starts with it and the open ones of a patient with exactly this id, each once, in the order given.
    public func candidates(among sessions: [Session]) -> [Session] {
        if let exactID { return sessions.filter { $0.id == exactID } }
        return sessions.filter { isPrefix(of: $0.id) || ($0.state.isOpen && $0.patientId == text) }
    }

    /// The one session this reference names among `sessions`.
    ///
    /// - Throws: ``Failure/noMatch(_:)`` or ``Failure/ambiguous(_:candidates:)``.
    public func resolve(among sessions: [Session]) throws(Failure) -> Session {
        let found = candidates(among: sessions)
        switch found.count {
        case 1: return found[0]
        case 0: throw .noMatch(self)
        default: throw .ambiguous(self, candidates: found)
        }
    }

    /// Why a reference names no single session, with a sentence that says what to give instead.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// No session id starts with the text and no open session is for a patient of that id.
        case noMatch(SessionReference)
        /// More than one session matches; the person must say which.
        case ambiguous(SessionReference, candidates: [Session])

        /// What went wrong and what to do, with the candidates when there are several.
        public var description: String {
            switch self {
            case .noMatch(let reference):
                let quoted = "'" + TerminalText.escaped(reference.text) + "'"
                if reference.idPrefix == nil && reference.text.allSatisfy({ $0 == "-" || $0.isHexDigit }) {
                    return "\(quoted) is too short to name a session (give at least \(SessionReference.minimumPrefixLength) "
                        + "characters of its id) and no open session is for a patient of that id."
                }
                return "no session id starts with \(quoted) and no open session is for a patient of that id; "
                    + "`infusionctl sessions list --state all` shows the sessions."
            case .ambiguous(let reference, let candidates):
                var table = TextTable(columns: [.init("ID"), .init("PATIENT"), .init("DRUG"), .init("STATE"), .init("STARTED")], indent: 2)
                for session in candidates {
                    table.append([session.id.uuidString.lowercased(), session.patientId, session.drug.rawValue,
                                  session.state.rawValue, DisplayFormat.time(session.startedAt)])
                }
                return "'\(TerminalText.escaped(reference.text))' matches \(candidates.count) sessions; "
                    + "give more characters of the id, or the whole id:\n" + table.render()
            }
        }
    }
}

extension InfusionClient {
    /// The id of the session `reference` names: at once for a whole id, else by looking through every session.
    ///
    /// - Throws: ``SessionReference/Failure`` when it names none or several, or the client's errors.
    public func sessionID(for reference: SessionReference) async throws -> UUID {
        if let id = reference.exactID { return id }
        return try reference.resolve(among: try await listSessions(state: "all")).id
    }
}
