import ArgumentParser
import Foundation
import InfusionClient
import InfusionCore

/// `infusionctl sessions act ID ACTION`.
struct SessionsAct: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "act",
        abstract: "Act on a session: pause, resume, stop, rateChange, bolus, pumpStopped, end, close or bind.",
        discussion: """
            pause holds delivery until a clinician resumes with a --reason; stop ends delivery for this order and \
            latches a high alert until the bedside confirms pumpStopped. rateChange needs \
            --rate-mg-per-kg-per-hour; bolus needs --bolus-mg-per-kg and --bolus-minutes. A soft dose limit needs \
            --override-by and --override-reason. bind replaces the session's monitor binding with --bed (PV1-3 \
            exactly as the monitors send it) and --device (an OBX-18 EUI-64, repeatable); --unbind removes it.

            Every action gets an event id, so repeating it with the same --event-id after a lost answer is safe.

            Example:
              infusionctl sessions act $ID resume --by clin-017 \\
                --reason "Tinnitus settled; reviewed at the bedside."
              infusionctl sessions act $ID rateChange --by clin-017 \\
                --rate-mg-per-kg-per-hour 1.5
              infusionctl sessions act $ID pumpStopped --by nurse-042
              infusionctl sessions act $ID bind --by nurse-042 --bed 'ICU^^12' \\
                --device 0012C9FFFE0B4020
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp(SessionArgument.help, discussion: SessionArgument.discussion, valueName: "id"))
    var id: String

    @Argument(help: ArgumentHelp("The action.", valueName: "action"))
    var action: SessionActionKind

    @Option(help: ArgumentHelp("Who acts (your staff id).", valueName: "staff-id"))
    var by: String

    @Option(help: ArgumentHelp("Why; required to resume.", valueName: "text"))
    var reason: String?

    @OptionGroup(title: "New regimen") var dose: DoseOptions

    @OptionGroup(title: "Soft-limit override") var override: OverrideOptions

    @Option(help: ArgumentHelp("For bind: the bed as the monitors send it in PV1-3, e.g. ICU^^12.", valueName: "pv1-3"))
    var bed: String?

    @Option(name: .customLong("device"),
            help: ArgumentHelp("For bind: a device id as sent in OBX-18 (an EUI-64); repeat for more.", valueName: "eui-64"))
    var devices: [String] = []

    @Flag(help: "For bind: remove the session's monitor binding.")
    var unbind = false

    @Option(help: ArgumentHelp("The action's id, to repeat it safely (new when left out).", valueName: "uuid"),
            transform: Parse.uuid)
    var eventId: UUID?

    func validate() throws {
        switch action {
        case .rateChange:
            guard dose.rateMgPerKgPerHour != nil else {
                throw ValidationError("rateChange needs --rate-mg-per-kg-per-hour.")
            }
            guard dose.bolusMgPerKg == nil else { throw ValidationError("A bolus is its own action: use act ID bolus.") }
        case .bolus:
            guard dose.bolus != nil else { throw ValidationError("bolus needs --bolus-mg-per-kg and --bolus-minutes.") }
            guard dose.rateMgPerKgPerHour == nil else {
                throw ValidationError("A rate change is its own action: use act ID rateChange.")
            }
        case .bind:
            guard dose.isEmpty, override.isEmpty else { throw ValidationError("bind takes only --bed, --device or --unbind.") }
            guard unbind != (bed != nil || !devices.isEmpty) else {
                throw ValidationError("bind needs --bed and/or --device, or --unbind to remove the binding.")
            }
        default:
            guard bed == nil, devices.isEmpty, !unbind else { throw ValidationError("--bed, --device and --unbind only apply to bind.") }
            guard dose.isEmpty else { throw ValidationError("Dose options only apply to rateChange and bolus.") }
            guard override.isEmpty else { throw ValidationError("An override only applies to rateChange and bolus.") }
        }
    }

    func run() async throws {
        let eventId = self.eventId ?? UUID()
        let request = ActionRequest(
            action: action, by: by, reason: reason, infusion: dose.infusion, bolus: dose.bolus,
            override: override.override,
            binding: action == .bind ? DeviceBinding(bed: bed, devices: devices.isEmpty ? nil : devices) : nil, eventId: eventId)
        // Resolved before the request, so a lookup that fails is never mistaken for a lost action.
        let sessionId = try await global.sessionID(id)
        let response: EventResponse
        do {
            response = try await global.client().act(sessionId: sessionId, request)
        } catch let error as InfusionClientError {
            throw RetryHint.wrap(error, eventId: eventId)
        }
        try global.emit(response, text: Render.eventResponse)
    }
}
