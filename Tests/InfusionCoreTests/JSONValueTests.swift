import Foundation
import InfusionCore
import Testing
import Yams

/// `JSONValue` round trips and the profile's refusal of unknown condition keys.
@Suite("JSON values and condition decoding")
struct JSONValueTests {
    @Test("Round trip through the wire encoder and decoder", arguments: [
        JSONValue.null, true, false, 0, 1, 3, -4, 2.5, 30.56, 1e20, "text", "", [], [1, "a", .null, false],
        ["b": [1, 2], "a": ["nested": "x"], "c": .null],
    ] as [JSONValue])
    func roundTrip(_ value: JSONValue) throws {
        let bytes = try WireJSON.encode(value)
        #expect(try WireJSON.decoder().decode(JSONValue.self, from: bytes) == value)
    }

    @Test("Whole numbers are written without a fraction and keys are sorted")
    func encoding() throws {
        let value: JSONValue = ["b": 3, "a": [2.5, true, .null], "c": "x"]
        #expect(String(decoding: try WireJSON.encode(value), as: UTF8.self) == #"{"a":[2.5,true,null],"b":3,"c":"x"}"#)
    }

    @Test("Numbers 0 and 1 stay numbers and booleans stay booleans")
    func numbersAreNotBooleans() throws {
        let decoded = try WireJSON.decoder().decode(JSONValue.self, from: Data(#"[0, 1, true, false, 1.0]"#.utf8))
        #expect(decoded == [0, 1, true, false, 1])
    }

    @Test("Accessors")
    func accessors() {
        #expect(JSONValue.string("x").stringValue == "x")
        #expect(JSONValue.number(2).stringValue == nil)
        #expect(JSONValue.number(2).numberValue == 2)
        #expect(JSONValue.string("2").numberValue == nil)
    }

    @Test("A condition round-trips through its flat form")
    func conditionRoundTrip() throws {
        let condition = RuleCondition(
            values: [.heartRateBpm: Bounds(above: 40, atMost: 50), .heartRateDropPercent: Bounds(atLeast: 20)],
            symptomsAny: [.tinnitus], symptomGroups: SymptomGroups(groups: [[.lightheadedness, .dizziness], [.tinnitus]], atLeast: 2),
            rhythmIn: [.avBlock2], rhythmDiffersFromBaseline: true)
        let bytes = try WireJSON.encode(condition)
        #expect(try WireJSON.decoder().decode(RuleCondition.self, from: bytes) == condition)
        let object = try WireJSON.decoder().decode(JSONValue.self, from: bytes)
        guard case .object(let keys) = object else {
            Issue.record("a condition encodes as an object")
            return
        }
        #expect(Set(keys.keys) == ["heartRateBpm", "heartRateDropPercent", "symptomsAny", "symptomGroups", "rhythmIn",
                                   "rhythmDiffersFromBaseline"])
    }

    @Test("A condition with an unknown key is refused, naming the key", arguments: ["heartRate", "symptomAny", "qrs"])
    func unknownKeyJSON(_ key: String) throws {
        let json = #"{"\#(key)": {"atMost": 40}}"#
        let error = try #require(#expect(throws: DecodingError.self) {
            try WireJSON.decoder().decode(RuleCondition.self, from: Data(json.utf8))
        })
        guard case .dataCorrupted(let context) = error else {
            Issue.record("expected dataCorrupted, got \(error)")
            return
        }
        #expect(context.debugDescription.hasPrefix("unknown condition key '\(key)'; known keys: "))
        #expect(context.debugDescription.contains("heartRateBpm"))
    }

    @Test("A profile with a misspelt condition key does not load")
    func unknownKeyInProfile() throws {
        let shipped = try String(contentsOf: ProfileFixture.lidocainePath, encoding: .utf8)
        #expect(shipped.contains("- heartRateBpm: {atMost: 40}"))
        let broken = shipped.replacingOccurrences(of: "- heartRateBpm: {atMost: 40}", with: "- heartRateBPM: {atMost: 40}")
        let error = try #require(#expect(throws: DecodingError.self) { try ProfileFixture.decode(broken) })
        #expect(String(describing: error).contains("unknown condition key 'heartRateBPM'"))
    }
}

/// A misspelt or missing bound must not turn a clause into one that matches every value.
@Suite("Bounds decoding")
struct BoundsDecodingTests {
    @Test("A bound with an unknown key is refused, naming the key", arguments: ["atmost", "max", "abvoe"])
    func unknownBoundKey(_ key: String) throws {
        let json = #"{"heartRateBpm": {"\#(key)": 40}}"#
        let error = try #require(#expect(throws: DecodingError.self) {
            try WireJSON.decoder().decode(RuleCondition.self, from: Data(json.utf8))
        })
        #expect(String(describing: error).contains("unknown bound '\(key)'"))
    }

    @Test("A bound that sets no limit is refused")
    func emptyBound() throws {
        let error = try #require(#expect(throws: DecodingError.self) {
            try WireJSON.decoder().decode(RuleCondition.self, from: Data(#"{"spo2Percent": {}}"#.utf8))
        })
        #expect(String(describing: error).contains("a bound that sets no limit would match every value"))
    }

    @Test("A misspelt bound in the profile does not load")
    func misspeltBoundInProfile() throws {
        let shipped = try String(contentsOf: ProfileFixture.lidocainePath, encoding: .utf8)
        let broken = shipped.replacingOccurrences(of: "- heartRateBpm: {atMost: 40}", with: "- heartRateBpm: {atmost: 40}")
        #expect(broken != shipped)
        #expect(throws: DecodingError.self) { try ProfileFixture.decode(broken) }
    }

    @Test("Bounds round-trip")
    func roundTrip() throws {
        let bounds = Bounds(above: 40, atLeast: 41, below: 60, atMost: 50, equals: 45)
        #expect(try WireJSON.decoder().decode(Bounds.self, from: WireJSON.encode(bounds)) == bounds)
    }
}
