import ArgumentParser

/// `infusionctl sessions …`: infusion sessions.
struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List, show, start and act on infusion sessions.",
        discussion: """
            A session is one patient's drug order and everything infusiond knows about its delivery.

            Example:
              infusionctl sessions list
              infusionctl sessions show 3f2a1b2c-4d5e-6f70-8192-a3b4c5d6e7f8
            """,
        subcommands: [SessionsList.self, SessionsShow.self, SessionsStart.self, SessionsAct.self, SessionsDevices.self, SessionsReplay.self],
        defaultSubcommand: SessionsList.self
    )
}
