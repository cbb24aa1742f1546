import Foundation
import PackagePlugin

/// Embeds the package's SQL migrations (into InfusionStore), and the default drug profiles and the browser station's
/// pages, scripts and styles (into InfusionServer).
@main
struct EmbedFilesPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        let root = context.package.directoryURL
        switch target.name {
        case "InfusionStore":
            return [try embed(folder: root.appending(path: "Migrations"), typeName: "EmbeddedMigrations", extensions: ["sql"], context: context, target: target)]
        case "InfusionServer":
            return [
                try embed(folder: root.appending(path: "config/profiles"), typeName: "EmbeddedProfiles", extensions: ["yaml"], context: context, target: target),
                // The browser station's pages, scripts and styles (web/).
                try embed(folder: root.appending(path: "web"), typeName: "EmbeddedWebAssets", extensions: ["html", "js", "css", "svg"], context: context, target: target),
            ]
        default:
            return []
        }
    }

    func embed(folder: URL, typeName: String, extensions: [String], context: PluginContext, target: any Target) throws -> Command {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path())
            .filter { name in extensions.contains { name.hasSuffix("." + $0) } }
            .sorted()
        let inputs = names.map { folder.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "\(typeName).swift")
        return .buildCommand(
            displayName: "Embedding \(names.count) \(extensions.joined(separator: "/")) files into \(target.name)",
            executable: try context.tool(named: "EmbedFiles").url,
            arguments: [output.path(), typeName] + inputs.map { $0.path() },
            inputFiles: inputs,
            outputFiles: [output]
        )
    }
}
