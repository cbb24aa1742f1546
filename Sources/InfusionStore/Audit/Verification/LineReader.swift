import Foundation

/// Reads a file line by line in 1 MiB chunks, so a file of any size is read in constant memory.
public struct LineReader {
    private let handle: FileHandle
    private var buffer = Data()
    private var atEnd = false
    /// Bytes read from the file so far.
    public private(set) var bytesRead: UInt64 = 0

    /// Opens the file, or throws a sentence naming it.
    public init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw VerificationInputError(description: "cannot open \(path); check the path and its permissions")
        }
        self.handle = handle
    }

    /// The next line without its newline, or nil at the end. A last line without a newline is returned too.
    public mutating func next() throws -> Data? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<newline]
                buffer.removeSubrange(buffer.startIndex...newline)
                return Data(line)
            }
            if atEnd {
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                return buffer
            }
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            bytesRead += UInt64(chunk.count)
            if chunk.isEmpty { atEnd = true } else { buffer.append(chunk) }
        }
    }
}

/// Input a verification cannot work with (a missing file, an impossible combination of options).
public struct VerificationInputError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(description: String) { self.description = description }
}
