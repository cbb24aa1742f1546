import ArgumentParser
import InfusionCore

/// A clinician's override of a soft dose limit, given on the command line.
struct OverrideOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The clinician who overrides a soft limit.", valueName: "staff-id"))
    var overrideBy: String?

    @Option(help: ArgumentHelp("Why the soft limit is overridden; recorded in the audit trail.", valueName: "text"))
    var overrideReason: String?

    /// The override, when both who and why were given.
    var override: Override? {
        guard let overrideBy, let overrideReason else { return nil }
        return Override(by: overrideBy, reason: overrideReason)
    }

    /// Whether any override option was given.
    var isEmpty: Bool { overrideBy == nil && overrideReason == nil }

    func validate() throws {
        if (overrideBy == nil) != (overrideReason == nil) {
            throw ValidationError("An override needs both --override-by and --override-reason.")
        }
    }
}
