import Foundation
import InfusionCore
import InfusionServer
import Testing

/// `infusiond check-config` and reloads: unknown keys anywhere in a profile or the alerting config, wrong units and
/// impossible thresholds are errors naming the file and line.
@Suite("Profiles as reviewed data: unknown keys, units, impossible thresholds")
struct ProfileReviewTests {
    /// A small valid profile; line 11 is the first rule.
    static let profile = """
        drug: lidocaine
        title: t
        defaultDosingWeight: actual
        limits:
          bolusDoseMgPerKg: {softMin: 1, softMax: 3, hardMax: 5}
          bolusDurationMin: {softMin: 20, softMax: 30, hardMin: 5}
          infusionRateMgPerKgPerHour: {softMin: 0.5, softMax: 2, hardMax: 3}
          infusionMgPerHour: {hardMax: 100}
        rules:
          - id: L04
            anyOf:
              - heartRateBpm: {atMost: 40}
            action: stop
            priority: high
            reason: r

        """

    static func refusal(_ text: String) -> ConfigurationError? {
        do {
            _ = try ProfileLoader.decode(text, file: "p.yaml")
            return nil
        } catch {
            return error as? ConfigurationError
        }
    }

    @Test("the small profile and the shipped profiles pass")
    func validProfilesPass() throws {
        #expect(Self.refusal(Self.profile) == nil)
        let shipped = try ProfileLoader.load(directory: nil)
        #expect(shipped.profiles[.lidocaine]?.schedule == ScheduleSpec.standard(for: .lidocaine))
        #expect(shipped.profiles[.lidocaine]?.escalation == EscalationSpec.standard)
        #expect(shipped.sources.map(\.name).contains("lidocaine.yaml"))
    }

    @Test("an unknown key is refused with its file, line and place, wherever it is", arguments: [
        (Self.profile.replacingOccurrences(of: "title: t", with: "title: t\ntitel: t"), 3, "unknown key 'titel' at the top level"),
        (Self.profile.replacingOccurrences(of: "    reason: r", with: "    reason: r\n    lipidGuidence: true"), 16, "unknown key 'lipidGuidence' in rules[0]"),
        (Self.profile.replacingOccurrences(of: "  infusionMgPerHour: {hardMax: 100}", with: "  infusionMgPerHour: {hardMax: 100}\n  bolusMgPerHour: {hardMax: 1}"), 9, "unknown key 'bolusMgPerHour' in limits"),
        (Self.profile + "schedule:\n  afterStart: [{every: 15m, for: 1h}]\n  maintenanceEvery: 1h\n  afterEnd: {every: 15m, for: 30m, forWithSymptoms: 1h, forEver: 2h}\n  overdue: {lowAfter: 5m, mediumAfter: 15m, pauseDuringLoadingAfter: 30m}\n", 19, "unknown key 'forEver' in schedule.afterEnd"),
    ])
    func unknownKeys(text: String, line: Int, message: String) throws {
        let error = try #require(Self.refusal(text))
        #expect(error.line == line, "\(error)")
        #expect(error.message.contains(message), "\(error)")
        #expect(error.description.hasPrefix("p.yaml:\(line):"))
    }

    @Test("a key set to null sets nothing and is not an error")
    func nullKeyAllowed() {
        #expect(Self.refusal(Self.profile.replacingOccurrences(of: "    reason: r", with: "    reason: r\n    review: null")) == nil)
    }

    @Test("wrong units and impossible thresholds are refused with the line", arguments: [
        ("heartRateBpm: {atMost: 40}", "spo2Percent: {atMost: 910}", "outside what spo2Percent can be"),
        ("heartRateBpm: {atMost: 40}", "serumLevelUgPerMl: {above: 5000}", "check the unit"),
        ("heartRateBpm: {atMost: 40}", "heartRateBpm: {above: 50, below: 40}", "never matches"),
        ("heartRateBpm: {atMost: 40}", "heartRateBpm: {above: 40, atMost: 40}", "never matches"),
        ("heartRateBpm: {atMost: 40}", "heartRateBpm: {atLeast: 0}", "always matches"),
        ("heartRateBpm: {atMost: 40}", "heartRateBpm: {equals: 40, above: 40}", "never matches"),
        ("heartRateBpm: {atMost: 40}", "possLevel: {equals: 5}", "outside what possLevel can be"),
    ])
    func impossibleThresholds(original: String, replacement: String, message: String) throws {
        let error = try #require(Self.refusal(Self.profile.replacingOccurrences(of: original, with: replacement)))
        #expect(error.line == 12, "\(error)")
        #expect(error.message.contains(message), "\(error)")
        #expect(error.message.hasPrefix("rule L04:"))
    }

    @Test("thresholds at the edge of plausibility are accepted", arguments: [
        "heartRateBpm: {atMost: 350, above: 340}", "spo2Percent: {atMost: 100, above: 99}", "possLevel: {equals: 4}", "heartRateBpm: {atLeast: 0.5}",
    ])
    func edgesAccepted(replacement: String) {
        #expect(Self.refusal(Self.profile.replacingOccurrences(of: "heartRateBpm: {atMost: 40}", with: replacement)) == nil)
    }

    @Test("a dose limit in the wrong unit is refused with its line")
    func limitUnits() throws {
        let error = try #require(Self.refusal(Self.profile.replacingOccurrences(of: "{hardMax: 100}", with: "{hardMax: 100000}")))
        #expect(error.line == 8 && error.message.contains("check the unit"), "\(error)")
    }

    @Test("schedules and escalation timers that cannot work are refused with the line", arguments: [
        ("schedule:\n  afterStart: [{every: 15, for: 1h}]\n", "needs its unit"),
        ("schedule:\n  afterStart: [{every: 15m, for: 1h}]\n  maintenanceEvery: 1h\n  afterEnd: {every: 15m, for: 30m, forWithSymptoms: 1h}\n  overdue: {lowAfter: 20m, mediumAfter: 15m, pauseDuringLoadingAfter: 30m}\n", "lowAfter < mediumAfter"),
        ("escalation:\n  highLevelsAfter: [180s, 60s]\n  mediumToHighAfter: 5m\n  lowToMediumAfter: 15m\n  resoundAcknowledgedHighAfter: 10m\n", "strictly increasing"),
    ])
    func unsoundTiming(section: String, message: String) throws {
        let error = try #require(Self.refusal(Self.profile + section))
        #expect(error.message.contains(message), "\(error)")
        #expect(error.line != nil)
    }

    @Test("the alerting sections of the daemon config: unknown keys and bad values with their line", arguments: [
        ("hooks:\n  onAlert: [/bin/true]\n  onAlarm: [/bin/true]\n", 3, "unknown key 'onAlarm' in hooks"),
        ("hooks:\n  onStop: [pump-gateway]\n", 2, "absolute path"),
        ("hooks:\n  onStop: []\n", 2, "first item"),
        ("hooks:\n  timeoutSeconds: 0\n", 2, "timeoutSeconds"),
        ("alertStream:\n  heartbeatSeconds: 0\n", 2, "heartbeatSeconds"),
        ("alertStream:\n  heartbeat: 15\n", 2, "unknown key 'heartbeat' in alertStream"),
        ("timers:\n  tickSeconds: 600\n", 2, "tickSeconds"),
    ])
    func alertingConfiguration(text: String, line: Int, message: String) throws {
        #expect {
            _ = try DaemonConfiguration.parse(text, file: "d.yaml")
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.line == line && error.message.contains(message)
        }
    }

    @Test("good alerting settings are read")
    func alertingRead() throws {
        let configuration = try DaemonConfiguration.parse(
            "hooks:\n  onAlert: [/usr/local/bin/pager, --ward, \"7\"]\n  timeoutSeconds: 2.5\nalertStream:\n  heartbeatSeconds: 1\ntimers:\n  tickSeconds: 0.2\n",
            file: "d.yaml")
        #expect(configuration.hooks?.onAlert == ["/usr/local/bin/pager", "--ward", "7"])
        #expect(configuration.hooks?.resolvedTimeout == .milliseconds(2500))
        #expect(configuration.alertStream?.resolvedHeartbeat == .seconds(1))
        #expect(configuration.timers?.resolvedTick == .milliseconds(200))
    }
}
