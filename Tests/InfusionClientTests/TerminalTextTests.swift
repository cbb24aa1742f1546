import Foundation
import InfusionCore
import Testing

@testable import InfusionClient

@Suite("TerminalText")
struct TerminalTextTests {
    @Test("every character a terminal acts on is shown as \\u{…}", arguments: [
        ("\u{1B}[31mred", #"\u{1B}[31mred"#),
        ("bell\u{07}", #"bell\u{7}"#),
        ("nul\u{00}", #"nul\u{0}"#),
        ("cr\rover", #"cr\u{D}over"#),
        ("tab\there", #"tab\u{9}here"#),
        ("del\u{7F}", #"del\u{7F}"#),
        ("csi\u{9B}2J", #"csi\u{9B}2J"#),
        ("osc\u{9D}0;title\u{9C}", #"osc\u{9D}0;title\u{9C}"#),
        ("MRN\u{202E}1001", #"MRN\u{202E}1001"#),
        ("a\u{2066}b\u{2069}c", #"a\u{2066}b\u{2069}c"#),
        ("rlm\u{200F}", #"rlm\u{200F}"#),
        ("line\u{2028}sep", #"line\u{2028}sep"#),
        ("two\nlines", #"two\u{A}lines"#),
    ])
    func escapesControls(raw: String, shown: String) {
        #expect(TerminalText.escaped(raw) == shown)
    }

    @Test("printable text, accents, other scripts, emoji and combining marks are left as they are", arguments: [
        "MRN-1001", "Tinnitus reported; HR 72.", "Zoë Brontë", "患者", "😀", "e\u{301}\u{301}\u{301}", "\\u{1B} typed as text", "",
    ])
    func leavesPrintableText(text: String) {
        #expect(TerminalText.escaped(text) == text)
        #expect(TerminalText.escaped(text, keepingLineBreaks: true) == text)
    }

    @Test("a block keeps its line breaks but not the controls inside its lines")
    func keepsLineBreaksOfABlock() {
        #expect(TerminalText.escaped("one\ntwo\u{1B}]0;x\u{07}\n", keepingLineBreaks: true) == "one\ntwo\\u{1B}]0;x\\u{7}\n")
        #expect(TerminalText.escaped("crlf\r\n", keepingLineBreaks: true) == "crlf\\u{D}\n")
    }

    @Test("JSON keeps its meaning with C1, DEL and bidi controls written as \\uXXXX")
    func escapesJSON() throws {
        let value = ["note": "a\u{9B}b\u{7F}c\u{202E}d\u{1B}e"]
        let encoded = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        let escaped = TerminalText.jsonEscaped(encoded)
        #expect(!escaped.unicodeScalars.contains(where: TerminalText.isUnsafe))
        #expect(escaped.contains(#"\u009B"#) && escaped.contains(#"\u007F"#) && escaped.contains(#"\u202E"#))
        #expect(try JSONDecoder().decode([String: String].self, from: Data(escaped.utf8)) == value)
        let pretty = "{\n  \"a\" : 1\n}"
        #expect(TerminalText.jsonEscaped(pretty) == pretty)
    }

    @Test("a table cell with an ESC prints it escaped and stays aligned")
    func tableEscapesCells() {
        var table = TextTable(columns: [.init("PATIENT"), .init("BY")])
        table.append(["MRN\u{1B}[2J1001", "nurse\u{9B}1m"])
        let lines = table.render().split(separator: "\n").map(String.init)
        #expect(!lines.joined().unicodeScalars.contains(where: TerminalText.isUnsafe))
        #expect(lines.last == #"MRN\u{1B}[2J1001  nurse\u{9B}1m"#)
        #expect(lines.first?.firstRange(of: "BY")?.lowerBound.utf16Offset(in: lines[0])
                == lines.last?.firstRange(of: "nurse")?.lowerBound.utf16Offset(in: lines[1]))
    }

    @Test("a problem from the daemon is shown with its controls escaped")
    func problemDescriptionIsEscaped() {
        let problem = Problem(status: 422, code: "x.y", title: "Refused", detail: "patient \u{1B}]8;;http://evil\u{07}MRN")
        let text = InfusionClientError.problem(problem).description
        #expect(!text.contains("\u{1B}") && !text.contains("\u{07}"))
        #expect(text.contains(#"\u{1B}]8;;http://evil\u{7}MRN"#))
        #expect(!InfusionClientError.unexpected(status: 502, body: "bad\u{9B}gateway").description.contains("\u{9B}"))
    }
}
