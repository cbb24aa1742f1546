import ArgumentParser
import InfusionClient

/// `infusionctl demo`: a scripted clinical scenario against a running daemon.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a scripted lidocaine infusion against a running daemon and explain each step.",
        discussion: """
            Starts a lidocaine session for a made-up patient (MRN-DEMO-nnnn), records a normal observation, then \
            tinnitus (the infusion pauses and an alert is raised), the nurse's acknowledgement, the clinician's \
            resume, then tinnitus with perioral numbness (the infusion stops and a high alert latches), the \
            bedside's pump-stopped confirmation and the final acknowledgement. It ends with the session's alerts \
            and the latest audit records. Each step shows what was sent and what came back.

            Everything is stored for real, so run it against a test daemon, not a ward's. The narration is always \
            text; --format is ignored.

            Example:
              swift run infusiond &
              infusionctl demo
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        var script = DemoScript(client: global.client())
        try await script.run()
    }
}
