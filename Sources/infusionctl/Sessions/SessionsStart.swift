import ArgumentParser
import Foundation
import InfusionClient
import InfusionCore

/// `infusionctl sessions start`.
struct SessionsStart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start an infusion session for a patient's drug order.",
        discussion: """
            The daemon checks the regimen against the drug profile: a hard limit is refused, a soft limit needs \
            --override-by and --override-reason. The baseline vital signs (--hr … --rhythm) are the reference for \
            the relative vital-sign rules, so give a full set. Conditions (--condition heartFailure …), age and the \
            last nerve block are checked against the profile's contraindications: an absolute one is refused unless \
            --contraindication-override-by and --contraindication-override-reason are given; a relative one needs \
            a clinician review given as --override-by and --override-reason.

            Instead of options, --json FILE sends a request body as it is ('-' reads standard input).

            Example:
              infusionctl sessions start --patient MRN-0042 --weight-kg 70 \\
                --height-cm 175 --sex male --dosing-weight actual \\
                --bolus-mg-per-kg 1.5 --bolus-minutes 20 --rate-mg-per-kg-per-hour 1 \\
                --prescriber clin-017 --by nurse-042 --hr 72 --sbp 128 --dbp 78 \\
                --spo2 98 --rr 14 --qrs 90 --pr 160 --rhythm sinus
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The patient's identifier, e.g. the MRN.", valueName: "id"))
    var patient: String?

    @Option(help: "The drug ordered.")
    var drug: Drug = .lidocaine

    @Option(help: ArgumentHelp("The patient's actual body weight.", valueName: "kg"))
    var weightKg: Double?

    @Option(help: ArgumentHelp("The patient's height, needed for ideal or adjusted dosing weight.", valueName: "cm"))
    var heightCm: Double?

    @Option(help: ArgumentHelp("male or female, needed for ideal or adjusted dosing weight.", valueName: "sex"))
    var sex: Sex?

    @Option(help: ArgumentHelp("Which weight mg/kg doses use (the profile's default when left out).", valueName: "kind"))
    var dosingWeight: DosingWeightKind?

    @OptionGroup(title: "Regimen") var dose: DoseOptions

    @Option(help: ArgumentHelp("The prescribing clinician's staff id.", valueName: "staff-id"))
    var prescriber: String?

    @Option(help: ArgumentHelp("Who records the start (your staff id).", valueName: "staff-id"))
    var by: String?

    @OptionGroup(title: "Baseline vital signs") var baseline: VitalsOptions

    @OptionGroup(title: "Soft-limit override") var override: OverrideOptions

    @OptionGroup(title: "Conditions and contraindications") var patientFlags: PatientFlagOptions

    @Option(help: ArgumentHelp("The bed whose monitor messages belong to this session, as the monitors send PV1-3 (e.g. ICU^^12).",
                               valueName: "pv1-3"))
    var monitorBed: String?

    @Option(name: .customLong("device"),
            help: ArgumentHelp("A monitor whose messages belong to this session: its OBX-18 EUI-64; repeat for more.", valueName: "eui-64"))
    var devices: [String] = []

    @Option(
        name: .customLong("json"),
        help: ArgumentHelp("Send this file's JSON body as it is instead of using the options ('-' for stdin).",
                           valueName: "file"))
    var jsonFile: String?

    func validate() throws {
        if jsonFile != nil {
            let given = [patient, prescriber, by].contains { $0 != nil } || weightKg != nil || heightCm != nil
                || sex != nil || dosingWeight != nil || !dose.isEmpty || baseline.vitals != nil || !override.isEmpty
                || !patientFlags.isEmpty || monitorBed != nil || !devices.isEmpty
            if given { throw ValidationError("--json sends the file as it is; leave out the other session options.") }
            return
        }
        var missing: [String] = []
        if patient == nil { missing.append("--patient") }
        if weightKg == nil { missing.append("--weight-kg") }
        if prescriber == nil { missing.append("--prescriber") }
        if by == nil { missing.append("--by") }
        if !missing.isEmpty {
            throw ValidationError("Missing \(missing.joined(separator: ", ")). Or give a whole request with --json FILE.")
        }
    }

    func run() async throws {
        let client = global.client()
        let session: Session
        if let jsonFile {
            let body = try Self.read(jsonFile)
            session = try await client.send(method: "POST", path: "/v1/sessions", body: body)
                .decoded(as: Session.self, expecting: [201])
        } else {
            session = try await client.startSession(request)
        }
        try global.emit(session) { session in
            "Started session \(session.id.uuidString.lowercased()).\n" + Render.sessionSummary(session)
        }
    }

    /// The request the options describe; only called after `validate()`.
    var request: StartSessionRequest {
        var request = StartSessionRequest(
            patientId: patient ?? "", drug: drug, weightKg: weightKg ?? 0, heightCm: heightCm, sex: sex,
            dosingWeight: dosingWeight, bolus: dose.bolus, infusion: dose.infusion, prescriber: prescriber ?? "",
            recordedBy: by ?? "", baseline: baseline.vitals, override: override.override, flags: patientFlags.flags,
            plannedDurationMin: patientFlags.plannedDurationMin, contraindicationOverride: patientFlags.contraindicationOverride)
        if monitorBed != nil || !devices.isEmpty {
            request.binding = DeviceBinding(bed: monitorBed, devices: devices.isEmpty ? nil : devices)
        }
        return request
    }

    private static func read(_ path: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure("There is no file at \(path). Check the path, or use '-' to read standard input.")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("Cannot read \(path). Check its permissions.")
        }
        return data
    }
}
