import Foundation
import InfusionCore

/// Writes to the terminal: results to standard output, errors to standard error.
enum Console {
    /// Prints a line to standard output.
    static func out(_ text: String = "") {
        print(text)
    }

    /// Prints a line to standard error.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Prints a value as indented JSON with the API's conventions (sorted keys, RFC 3339 times).
    static func json(_ value: some Encodable) throws {
        let encoder = WireJSON.encoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        out(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
