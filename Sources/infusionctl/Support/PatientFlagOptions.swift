import ArgumentParser
import Foundation
import InfusionCore

extension PatientCondition: ExpressibleByArgument {}

/// What the prescriber declares about the patient at start (start checks L18/L19), given on the command line.
struct PatientFlagOptions: ParsableArguments {
    @Option(name: .customLong("condition"), help: ArgumentHelp(
        "A condition the patient has; repeat for each. The drug profile says which refuse the start (absolute) and which need a review (relative).",
        valueName: "name"))
    var conditions: [PatientCondition] = []

    @Option(help: ArgumentHelp("The patient's age; over 70 needs a clinician review for lidocaine.", valueName: "years"))
    var ageYears: Int?

    @Option(help: ArgumentHelp("When the patient last had a nerve block or other local anaesthetic (RFC 3339); within 4 h refuses lidocaine.",
                               valueName: "time"), transform: Parse.timestamp)
    var lastNerveBlockAt: Date?

    @Option(help: ArgumentHelp("How long the session is planned to last; 120 or less may use the Schnider model.", valueName: "minutes"))
    var plannedDurationMin: Double?

    @Option(help: ArgumentHelp("The clinician who overrides an absolute contraindication.", valueName: "staff-id"))
    var contraindicationOverrideBy: String?

    @Option(help: ArgumentHelp("Why the contraindication is overridden; recorded in the audit trail.", valueName: "text"))
    var contraindicationOverrideReason: String?

    /// The flags, when any was given.
    var flags: PatientFlags? {
        guard !conditions.isEmpty || ageYears != nil || lastNerveBlockAt != nil else { return nil }
        return PatientFlags(conditions: Set(conditions), ageYears: ageYears, lastNerveBlockAt: lastNerveBlockAt)
    }

    /// The contraindication override, when both who and why were given.
    var contraindicationOverride: Override? {
        guard let contraindicationOverrideBy, let contraindicationOverrideReason else { return nil }
        return Override(by: contraindicationOverrideBy, reason: contraindicationOverrideReason)
    }

    /// Whether any of these options was given.
    var isEmpty: Bool {
        flags == nil && plannedDurationMin == nil && contraindicationOverrideBy == nil && contraindicationOverrideReason == nil
    }

    func validate() throws {
        if (contraindicationOverrideBy == nil) != (contraindicationOverrideReason == nil) {
            throw ValidationError("A contraindication override needs both --contraindication-override-by and --contraindication-override-reason.")
        }
    }
}
