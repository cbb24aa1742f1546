import ArgumentParser
import Foundation
import InfusionClient
import InfusionCore

/// `infusionctl observe ID`: record what was seen at the bedside.
struct ObserveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "observe",
        abstract: "Record an observation for a session and show what the rules decided.",
        discussion: """
            Give the vital signs you measured, any symptoms (repeat --symptom for each), a sedation score on one \
            scale (--poss S or 1–4, or --rass -5 to +4), the pain score and a serum level if there is one. \
            The observation time defaults to now; --observed-at sets it (RFC 3339).

            Each observation has an event id. If the answer is lost, repeat the same command with the printed \
            --event-id: the daemon records it only once.

            Example:
              infusionctl observe 3f2a1b2c-4d5e-6f70-8192-a3b4c5d6e7f8 --by nurse-042 \\
                --hr 74 --sbp 126 --dbp 80 --spo2 97 --rr 14 \\
                --symptom tinnitus --poss 1 --pain 4
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp(SessionArgument.help, discussion: SessionArgument.discussion, valueName: "id"))
    var id: String

    @Option(help: ArgumentHelp("Who observed (your staff id).", valueName: "staff-id"))
    var by: String

    @OptionGroup(title: "Vital signs") var vitals: VitalsOptions

    @Option(name: .customLong("symptom"), help: ArgumentHelp("A symptom, e.g. tinnitus (repeatable).", valueName: "symptom"))
    var symptoms: [Symptom] = []

    @Option(help: ArgumentHelp("Sedation on the Pasero scale: S, 1, 2, 3 or 4.", valueName: "level"))
    var poss: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Sedation on the Richmond scale: -5 to +4 (write --rass -2 or --rass=-2).", valueName: "level"))
    var rass: String?

    @Option(help: ArgumentHelp("Pain score, 0 (none) to 10 (worst).", valueName: "0-10"))
    var pain: Int?

    @Option(help: ArgumentHelp("Measured serum lidocaine level.", valueName: "µg/mL"))
    var serum: Double?

    @Option(help: ArgumentHelp("When it was observed (default: now).", valueName: "rfc3339"), transform: Parse.timestamp)
    var observedAt: Date?

    @Option(help: ArgumentHelp("The observation's id, to repeat it safely (new when left out).", valueName: "uuid"),
            transform: Parse.uuid)
    var eventId: UUID?

    func validate() throws {
        if poss != nil && rass != nil { throw ValidationError("Give one sedation score: --poss or --rass, not both.") }
        if let sedation, !sedation.isValid {
            throw ValidationError(
                sedation.scale == .POSS
                    ? "--poss takes S, 1, 2, 3 or 4." : "--rass takes a whole number from -5 to +4.")
        }
        if let pain, !(0...10).contains(pain) { throw ValidationError("--pain takes a whole number from 0 to 10.") }
    }

    /// The sedation score given, if any.
    var sedation: Sedation? {
        if let poss { return Sedation(scale: .POSS, value: poss.uppercased()) }
        if let rass { return Sedation(scale: .RASS, value: rass) }
        return nil
    }

    func run() async throws {
        let eventId = self.eventId ?? UUID()
        let request = ObservationRequest(
            eventId: eventId, observedAt: observedAt ?? Date(), recordedBy: by, vitals: vitals.vitals,
            symptoms: symptoms.isEmpty ? nil : symptoms, sedation: sedation, painNrs: pain, serumLevelUgPerMl: serum)
        // Resolved before the request, so a lookup that fails is never mistaken for a lost observation.
        let sessionId = try await global.sessionID(id)
        let response: EventResponse
        do {
            response = try await global.client().observe(sessionId: sessionId, request)
        } catch let error as InfusionClientError {
            throw RetryHint.wrap(error, eventId: eventId)
        }
        try global.emit(response, text: Render.eventResponse)
    }
}
