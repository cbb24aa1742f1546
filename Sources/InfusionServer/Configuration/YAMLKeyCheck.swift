import Foundation
import Yams

/// Finds keys a YAML document holds but its decoded value does not use: misspelt or invented settings that the
/// decoder would otherwise ignore in silence (a typo that disables a clinical rule must be an error, not a no-op).
///
/// The document is composed into a `Node` tree (which keeps every key's line) and compared with the decoded value
/// encoded back to YAML: a key present in the document but absent from the re-encoded value at the same place was
/// not used. The check follows the types as they are, so a key added to a profile type is known here at once.
enum YAMLKeyCheck {
    /// A key the decoder did not use, and where it is.
    struct UnknownKey: Sendable, Hashable {
        /// Where the key sits, e.g. `rules[3].anyOf[0]`; empty at the top level.
        var path: String
        var key: String
        /// The key's 1-based line in the document.
        var line: Int?

        /// A sentence for the error message.
        var message: String {
            let place = path.isEmpty ? "at the top level" : "in \(path)"
            return "unknown key '\(key)' \(place); check its spelling and placement (a key the daemon does not know would be ignored)"
        }
    }

    /// One step into a document: a mapping key or a sequence index.
    enum Step: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    /// The first unused key of `text` when decoded as `decoded`, or nil when every key was used.
    static func firstUnknownKey(in text: String, decoded: some Encodable) throws -> UnknownKey? {
        guard let original = try Yams.compose(yaml: text) else { return nil }
        let reencoded = try Yams.compose(yaml: try YAMLEncoder().encode(decoded))
        return firstUnknownKey(original, used: reencoded, path: [])
    }

    /// The first key of `original` not present at the same place in `used`.
    static func firstUnknownKey(_ original: Node, used: Node?, path: [Step]) -> UnknownKey? {
        switch original {
        case .mapping(let mapping):
            let usedMapping = used?.mapping
            for (keyNode, value) in mapping {
                guard let key = keyNode.string else { continue }
                // `key: null` (or `key: ~`) decodes as absent and is not written back; it sets nothing.
                if value.null != nil { continue }
                guard let counterpart = usedMapping?[key] else {
                    return UnknownKey(path: describe(path), key: key, line: keyNode.mark?.line)
                }
                if let unknown = firstUnknownKey(value, used: counterpart, path: path + [.key(key)]) { return unknown }
            }
            return nil
        case .sequence(let sequence):
            guard let usedSequence = used?.sequence, usedSequence.count == sequence.count else { return nil }
            for (index, element) in sequence.enumerated() {
                if let unknown = firstUnknownKey(element, used: usedSequence[index], path: path + [.index(index)]) {
                    return unknown
                }
            }
            return nil
        case .scalar, .alias:
            return nil
        }
    }

    /// The node at a path, if there is one.
    static func node(at path: [Step], in root: Node?) -> Node? {
        var current = root
        for step in path {
            switch step {
            case .key(let key): current = current?.mapping?[key]
            case .index(let index):
                guard let sequence = current?.sequence, sequence.indices.contains(index) else { return nil }
                current = sequence[index]
            }
        }
        return current
    }

    /// The line of the node at a path, or of its nearest ancestor that has one.
    static func line(of path: [Step], in root: Node?) -> Int? {
        var steps = path
        while true {
            if let line = node(at: steps, in: root)?.mark?.line { return line }
            guard !steps.isEmpty else { return nil }
            steps.removeLast()
        }
    }

    /// A path as people write it: `rules[3].anyOf[0].heartRateBpm`.
    static func describe(_ path: [Step]) -> String {
        var text = ""
        for step in path {
            switch step {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }
}
