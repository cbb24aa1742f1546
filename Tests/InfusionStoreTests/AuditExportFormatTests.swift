import Foundation
import InfusionCore
@testable import InfusionStore
import Testing

/// The csv and fhir exports: RFC 4180 quoting, formula defusing, and a FHIR R4 Bundle of AuditEvent resources that
/// an independent validator (the `fhir.resources` package, through scripts/validate-fhir-audit.py) accepts.
@Suite("Audit export formats: csv (RFC 4180) and FHIR R4")
struct AuditExportFormatTests {
    static let signer = try! NoteSigner(generatingWithName: "ward7.example/infusiond/audit")
    static let now = StoreFixtures.start

    /// A trail with every kind of record: a start, an observation with a decision and an alert, a refusal, a read
    /// by a person with awkward characters, daemon events and the export itself.
    static func trail() async throws -> ClinicalStore {
        let store = try StoreFixtures.store()
        try await store.recordDaemonEvent("daemon.start", detail: ["version": "test"], now: now)
        let session = try await store.startSession(StoreFixtures.startRequest(), ruleSet: StoreFixtures.ruleSet, actor: StoreFixtures.nurse, now: now)
        _ = try await store.recordObservation(sessionId: session.id, request: StoreFixtures.observation([.tinnitus]),
                                              ruleSet: StoreFixtures.ruleSet, actor: StoreFixtures.nurse, now: now.addingTimeInterval(60))
        try await store.recordRefusal(Problem(status: 422, code: "observation.implausible", title: "t", detail: "Heart rate 900 is implausible, \"check\" it."),
                                      method: "POST", path: "/v1/sessions/x/observations", actor: StoreFixtures.nurse, now: now.addingTimeInterval(61))
        try await store.recordRead("session.read", actor: AuditActor(person: "=HYPERLINK(\"x\"), \"Smith, J\"\nward 7", role: "auditor", uid: 1001, gid: 1001, pid: 7),
                                   entity: AuditEntity(type: "session", id: session.id.uuidString, patientId: "MRN-1001"), detail: [:], now: now.addingTimeInterval(62))
        try await store.recordDaemonEvent("daemon.heartbeat", detail: ["uptimeSeconds": 300], now: now.addingTimeInterval(300))
        return store
    }

    static func export(_ store: ClinicalStore, _ format: AuditExportFormat) async throws -> (Data, AuditExportPlan) {
        let plan = try await store.beginExport(format: format, from: nil, to: nil, actor: StoreFixtures.nurse, signer: signer, now: now)
        var data = Data()
        try await store.streamExport(plan, format: format, origin: signer.name, exportedAt: now, pageSize: 3) { data.append($0) }
        return (data, plan)
    }

    @Test("csv: a header, one CRLF row per record, RFC 4180 quoting, and formulas defused")
    func csv() async throws {
        let store = try await Self.trail()
        let (data, plan) = try await Self.export(store, .csv)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasPrefix("seq,time,action,outcome,person,role,uid,gid,pid,entity_type,entity_id,patient_id,detail,prev_hash,hash\r\n"))
        let rows = Self.parseCSV(text)
        #expect(rows.count == Int(plan.count) + 1)
        #expect(rows.allSatisfy { $0.count == 15 })
        let read = try #require(rows.first { $0[2] == "session.read" })
        #expect(read[4] == "'=HYPERLINK(\"x\"), \"Smith, J\"\nward 7")
        #expect(read[5] == "auditor" && read[6] == "1001" && read[11] == "MRN-1001")
        let refusal = try #require(rows.first { $0[2] == "request.refuse" })
        #expect(refusal[12].contains("\\\"check\\\" it"))
        // Each row's hash is the stored record's hash, and each prev_hash the row before's.
        let stored = try await store.storedAuditRecords(from: 1, through: plan.toSeq, limit: 100)
        #expect(rows.dropFirst().map { $0[14] } == stored.map(\.hash))
        #expect(zip(rows.dropFirst().dropFirst(), rows.dropFirst()).allSatisfy { $0[13] == $1[14] })
    }

    @Test("csv defuses formulas after leading whitespace and line breaks, and in full-width forms (issue 15 item 12a)", arguments: [
        ("=1+1", true), ("+1", true), ("-1", true), ("@SUM(A1)", true), ("\t=1", true), ("\r=1", true), ("\n=1", true),
        (" =1+1", true), ("   @cmd", true), ("\n\n+1", true), (" \t -1", true), ("\u{3000}=1", true), ("\u{A0}=1", true),
        ("\u{FF1D}1+1", true), ("\u{FF0B}1", true), ("\u{FF0D}1", true), ("\u{FF20}SUM(A1)", true), (" \u{FF1D}1", true),
        ("\u{FE66}1", true), ("\u{2212}1", true), ("\u{FEFF}=1", true), ("\t", true),
        ("nurse-042", false), ("MRN-1001", false), (" nurse", false), ("a=b", false), ("", false), ("\u{FF21}BC", false), ("'=1", false),
    ])
    func formulaDefusing(value: String, defused: Bool) {
        #expect(CSVExportEncoder.defused(value) == (defused ? "'" + value : value))
    }

    @Test("csv quoting is only where RFC 4180 needs it", arguments: [
        ("plain", "plain"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("two\nlines", "\"two\nlines\""), ("", ""),
    ])
    func quoting(field: String, expected: String) {
        #expect(CSVExportEncoder.quoted(field) == expected)
    }

    @Test("fhir: a Bundle of AuditEvent with the record's seq, hash, prevHash and bytes in entity.detail")
    func fhirShape() async throws {
        let store = try await Self.trail()
        let (data, plan) = try await Self.export(store, .fhir)
        let bundle = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(bundle["resourceType"] as? String == "Bundle" && bundle["type"] as? String == "collection")
        let entries = try #require(bundle["entry"] as? [[String: Any]])
        #expect(entries.count == Int(plan.count))
        let stored = try await store.storedAuditRecords(from: 1, through: plan.toSeq, limit: 100)
        for (entry, record) in zip(entries, stored) {
            let event = try #require(entry["resource"] as? [String: Any])
            #expect(event["resourceType"] as? String == "AuditEvent")
            let details = try #require(((event["entity"] as? [[String: Any]])?.first?["detail"]) as? [[String: String]])
            let byType = Dictionary(uniqueKeysWithValues: details.map { ($0["type"]!, $0) })
            #expect(byType["seq"]?["valueString"] == String(record.seq))
            #expect(byType["hash"]?["valueString"] == record.hash)
            #expect(byType["record"]?["valueBase64Binary"].flatMap { Data(base64Encoded: $0) } == record.bytes)
            let subtype = (event["subtype"] as? [[String: String]])?.first?["code"]
            let action = try WireJSON.decoder().decode(AuditRecord.self, from: record.bytes).action
            #expect(subtype == action)
        }
        let read = try #require(entries.compactMap { $0["resource"] as? [String: Any] }.first { ($0["subtype"] as? [[String: String]])?.first?["code"] == "session.read" })
        #expect(read["action"] as? String == "R")
        let patient = (read["entity"] as? [[String: Any]])?.dropFirst().first?["what"] as? [String: Any]
        #expect((patient?["identifier"] as? [String: String])?["value"] == "MRN-1001")
    }

    // Under CI (INFUSION_TEST_REQUIRE_ALL=1, set by scripts/test) it runs whatever is installed, so a missing
    // validator fails it there rather than skipping it.
    @Test("fhir: the export validates with an independent FHIR R4 validator, and a broken one does not",
          .enabled(if: FHIRValidator.requiredByCI || FHIRValidator.python() != nil,
                   "needs python3 with fhir.resources==8.3.0: scripts/test installs it in .build/venv"))
    func fhirValidates() async throws {
        let python = try #require(FHIRValidator.python(), "python3 with fhir.resources is not installed; run scripts/test")
        let store = try await Self.trail()
        let (data, plan) = try await Self.export(store, .fhir)
        let folder = try StoreFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let good = "\(folder)/audit.fhir.json"
        try data.write(to: URL(fileURLWithPath: good))
        let accepted = try FHIRValidator.run(python: python, file: good)
        #expect(accepted.status == 0, "the validator refused the export: \(accepted.output)")
        #expect(accepted.output.contains("VALID: \(plan.count) AuditEvent"))

        // The validator must be able to fail: drop a required element (source) and break a required code.
        var bundle = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var entries = try #require(bundle["entry"] as? [[String: Any]])
        var first = try #require(entries[0]["resource"] as? [String: Any])
        first.removeValue(forKey: "source")
        first["outcome"] = "3"
        entries[0]["resource"] = first
        bundle["entry"] = entries
        let bad = "\(folder)/broken.fhir.json"
        try JSONSerialization.data(withJSONObject: bundle).write(to: URL(fileURLWithPath: bad))
        let refused = try FHIRValidator.run(python: python, file: bad)
        #expect(refused.status == 1)
        #expect(refused.output.contains("source") && refused.output.contains("outcome"))
    }

    /// A minimal RFC 4180 reader for the test: quoted fields, doubled quotes, CRLF rows.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text).makeIterator()
        var pending: Character? = nil
        while let character = pending ?? characters.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    let next = characters.next()
                    if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                row.append(field)
                field = ""
            } else if character == "\r\n" || character == "\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.append(character)
            }
        }
        return rows
    }
}

/// Finds and runs scripts/validate-fhir-audit.py.
enum FHIRValidator {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: "scripts/validate-fhir-audit.py").path

    /// The project's own virtual environment's python, where scripts/test installs the validator.
    static let venvPython = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: ".build/venv/bin/python3").path

    /// Whether CI asked for every test to run (scripts/test sets it under CI).
    static let requiredByCI = ProcessInfo.processInfo.environment["INFUSION_TEST_REQUIRE_ALL"] == "1"

    /// A python3 that can import fhir.resources, or nil: $INFUSION_FHIR_PYTHON, .build/venv's, then PATH's.
    static func python() -> String? {
        for candidate in [ProcessInfo.processInfo.environment["INFUSION_FHIR_PYTHON"], venvPython, "/usr/bin/env"].compactMap({ $0 }) {
            let arguments = candidate == "/usr/bin/env" ? ["python3", "-c", "import fhir.resources.R4B.auditevent"] : ["-c", "import fhir.resources.R4B.auditevent"]
            if let result = try? run(candidate, arguments), result.status == 0 { return candidate }
        }
        return nil
    }

    static func run(python: String, file: String) throws -> (status: Int32, output: String) {
        try run(python, (python == "/usr/bin/env" ? ["python3"] : []) + [script, file])
    }

    private static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
