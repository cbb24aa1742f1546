import Foundation
import InfusionClient
import InfusionCore

/// Writes to the terminal: results to standard output, errors to standard error.
///
/// Every line passes through ``TerminalText``: text from stations and the daemon (ids, notes, reasons, problem
/// details) may carry escape sequences, and none may reach the terminal as one.
enum Console {
    /// Prints text to standard output, control characters other than line breaks escaped.
    static func out(_ text: String = "") {
        raw(TerminalText.escaped(text, keepingLineBreaks: true))
    }

    /// Prints text to standard error, control characters other than line breaks escaped.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((TerminalText.escaped(text, keepingLineBreaks: true) + "\n").utf8))
    }

    /// Prints a value as indented JSON with the API's conventions (sorted keys, RFC 3339 times).
    static func json(_ value: some Encodable) throws {
        let encoder = WireJSON.encoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        raw(TerminalText.jsonEscaped(String(decoding: try encoder.encode(value), as: UTF8.self)))
    }

    /// Writes a line to standard output and flushes it at once, so a pipe or a file sees it as it happens.
    private static func raw(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Prints one alert-stream event: a text line, or a JSON line (`json`), escaped as ``out(_:)`` and ``json(_:)``.
    static func streamLine(_ line: String, json: Bool) {
        raw(json ? TerminalText.jsonEscaped(line) : TerminalText.escaped(line))
    }
}
