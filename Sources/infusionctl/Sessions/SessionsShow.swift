import ArgumentParser
import Foundation
import InfusionClient

/// `infusionctl sessions show ID`.
struct SessionsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one session: regimen, state, last observation, open alerts and recent decisions.",
        discussion: """
            Doses are shown per kg of dosing weight and in absolute units, e.g. \
            "1.5 mg/kg over 20 min = 105 mg" and "1 mg/kg/h = 70 mg/h".

            Example:
              infusionctl sessions show 3f2a1b2c-4d5e-6f70-8192-a3b4c5d6e7f8
              infusionctl sessions show 3f2a1b2c        (the start of an id, as tables show it)
              infusionctl sessions show MRN-1001        (the patient's one open session)
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp(SessionArgument.help, discussion: SessionArgument.discussion, valueName: "id"))
    var id: String

    func run() async throws {
        let detail = try await global.client().session(id: try await global.sessionID(id))
        try global.emit(detail, text: Render.sessionDetail)
    }
}
