import ArgumentParser
import Foundation
import InfusionClient
import InfusionCore

/// `infusionctl sessions devices ID`.
struct SessionsDevices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "Show a session's monitor binding and every device its readings came from.",
        discussion: """
            A monitor message binds to a session by the patient id it carries (HL7 PID-3); a session may also be \
            bound to a bed (PV1-3 as the monitors send it) and devices (OBX-18 EUI-64s), at start or with \
            `sessions act ID bind`. This lists the binding, each device heard with its number of readings and \
            latest times, and any bound device never heard.

            Example:
              infusionctl sessions devices MRN-1001
              infusionctl sessions act MRN-1001 bind --by nurse-042 --bed 'ICU^^12' --device 0012C9FFFE0B4020
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp(SessionArgument.help, discussion: SessionArgument.discussion, valueName: "id"))
    var id: String

    func run() async throws {
        let client = try global.client()
        let sessionId = try await global.sessionID(id)
        let detail = try await client.session(id: sessionId)
        let events = try await client.events(sessionId: sessionId)
        try global.emit(SessionDevices(session: detail.session, events: events.events), text: Render.sessionDevices)
    }
}
