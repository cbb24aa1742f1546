// Build-time generator: embeds text files into a Swift source file so the installed binaries need no source tree.
// Usage: EmbedFiles OUTPUT.swift TYPE_NAME FILE...
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: EmbedFiles OUTPUT.swift TYPE_NAME FILE...\n".utf8))
    exit(64)
}
let outputPath = arguments[1]
let typeName = arguments[2]
let inputs = arguments.dropFirst(3).sorted { ($0 as NSString).lastPathComponent < ($1 as NSString).lastPathComponent }

var source = "// Generated at build time by EmbedFiles; do not edit.\n\n"
source += "/// Files embedded in the binary at build time, in name order.\n"
source += "enum \(typeName) {\n"
source += "    /// Each embedded file's name and its exact contents.\n"
source += "    static let files: [(name: String, contents: String)] = [\n"
for path in inputs {
    let name = (path as NSString).lastPathComponent
    let contents = try String(contentsOfFile: path, encoding: .utf8)
    // Raw string with enough hashes that no content can end it early.
    var hashes = "#"
    while contents.contains("\"" + hashes) { hashes += "#" }
    source += "        (\(String(reflecting: name)), \(hashes)\"\"\"\n\(contents)\n\"\"\"\(hashes)),\n"
}
source += "    ]\n}\n"
try source.write(toFile: outputPath, atomically: true, encoding: .utf8)
