/// One Server-Sent Event as a client sees it.
public struct ServerSentEvent: Sendable, Hashable {
    /// The `id:` field, if the event had one.
    public var id: String?
    /// The `event:` field (the event type); `message` when absent.
    public var event: String
    /// The `data:` lines joined with newlines.
    public var data: String

    public init(id: String?, event: String, data: String) {
        self.id = id
        self.event = event
        self.data = data
    }
}

/// Turns a text/event-stream byte stream into events and comments, as the WHATWG HTML event-stream
/// interpretation does: lines end with LF, CRLF or CR; a blank line dispatches the event; `:` starts a comment.
public struct ServerSentEventParser: Sendable {
    /// What the stream said.
    public enum Item: Sendable, Hashable {
        case event(ServerSentEvent)
        /// A comment line (heartbeats), without the leading colon and space.
        case comment(String)
        /// The reconnection time the server asked for, in milliseconds.
        case retry(Int)
    }

    private var line: [UInt8] = []
    private var lastWasCR = false
    private var id: String?
    private var event: String?
    private var data: [String] = []
    private var hasData = false

    public init() {}

    /// Feeds bytes and returns what they completed.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Item] {
        var items: [Item] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") && lastWasCR {
                lastWasCR = false
                continue
            }
            lastWasCR = byte == UInt8(ascii: "\r")
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if let item = finishLine() { items.append(item) }
            } else {
                line.append(byte)
            }
        }
        return items
    }

    private mutating func finishLine() -> Item? {
        let text = String(decoding: line, as: UTF8.self)
        line.removeAll(keepingCapacity: true)
        if text.isEmpty {
            defer {
                event = nil
                data = []
                hasData = false
            }
            guard hasData else { return nil }
            return .event(ServerSentEvent(id: id, event: event ?? "message", data: data.joined(separator: "\n")))
        }
        if text.hasPrefix(":") {
            let comment = text.dropFirst()
            return .comment(String(comment.hasPrefix(" ") ? comment.dropFirst() : comment))
        }
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            field = Substring(text)
            value = ""
        }
        switch field {
        case "id": if !value.contains("\0") { id = String(value) }
        case "event": event = String(value)
        case "data":
            data.append(String(value))
            hasData = true
        case "retry": if let milliseconds = Int(value) { return .retry(milliseconds) }
        default: break
        }
        return nil
    }
}
