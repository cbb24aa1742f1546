import Foundation
import PackagePlugin

/// Embeds the package's SQL migrations (into InfusionStore) and default drug profiles (into InfusionServer).
@main
struct EmbedFilesPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        let root = context.package.directoryURL
        let folder: URL
        let typeName: String
        let fileExtension: String
        switch target.name {
        case "InfusionStore":
            folder = root.appending(path: "Migrations")
            typeName = "EmbeddedMigrations"
            fileExtension = "sql"
        case "InfusionServer":
            folder = root.appending(path: "config/profiles")
            typeName = "EmbeddedProfiles"
            fileExtension = "yaml"
        default:
            return []
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path())
            .filter { $0.hasSuffix("." + fileExtension) }
            .sorted()
        let inputs = names.map { folder.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "\(typeName).swift")
        return [
            .buildCommand(
                displayName: "Embedding \(names.count) \(fileExtension) files into \(target.name)",
                executable: try context.tool(named: "EmbedFiles").url,
                arguments: [output.path(), typeName] + inputs.map { $0.path() },
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
