import Foundation
import Testing
@testable import InfusionHL7

/// Random and mutated messages through the parser, the mapping and the acknowledgement: nothing may crash, and
/// every input ends either parsed and mapped or refused with a typed error, with an acknowledgement that itself
/// parses and names the message (or, for an unreadable MSH, names nothing and rejects).
@Suite struct FuzzTests {
    /// SplitMix64: small, seeded, the same sequence on every platform.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let alphabet = Array("|^~\\&#\r\nMSHPIDOBXR0123456789.+-ABCDEFXZ_ \"".utf8) + [0x0B, 0x1C, 0x00, 0xC3, 0xA9, 0xE9, 0xFF]

    static func mutate(_ input: [UInt8], using random: inout Generator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...6, using: &random) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<7, using: &random) {
            case 0 where !bytes.isEmpty: bytes[position] = alphabet.randomElement(using: &random)!
            case 1: bytes.insert(alphabet.randomElement(using: &random)!, at: position)
            case 2 where !bytes.isEmpty: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...20, using: &random)))
            case 3:
                // Repeat a stretch (duplicate fields or segments).
                let end = min(bytes.count, position + Int.random(in: 1...60, using: &random))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            case 4: bytes = Array(bytes.prefix(position))
            case 5 where !bytes.isEmpty: bytes[position] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
            default: bytes.insert(contentsOf: (0..<Int.random(in: 1...8, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }, at: position)
            }
        }
        return bytes
    }

    static func samples() throws -> [[UInt8]] {
        try ["ge-b40-oru-r01", "ihe-pcd01-oru-r01", "pcd04-vt-alarm"].map(fixture) + [
            hl7(msh(accept: "AL", application: "AL", charset: "8859/1"), "PID|||A^^^B&C&ISO~D", "PV1||I|W^1^2",
                "OBR|1|||x|||20240301101500+0000",
                obx(1, code: "150021^MDC_PRESS_BLD_NONINV_SYS^MDC", value: "16", unit: "kPa", flags: "EARLY~QUES", time: "20240301101400+0100"),
                obx(2, type: "CWE", code: "184327^MDC_ECG_STAT_RHY^MDC", value: "147482^MDC_ECG_V_TACHY_RHY^MDC", unit: "", status: "C"),
                "NTE|1||a\\F\\b\\X0D\\c\\.br\\"),
            hl7(msh(version: "2.4"), "PID|||P1", "OBR|1|||x|||202403011015", obx(value: "1,5")),
        ]
    }

    @Test func randomAndMutatedMessages() throws {
        var random = Generator(state: 0x5EED_0013)
        let samples = try Self.samples()
        let responder = HL7Responder(application: "INFUSIOND", facility: "F")
        let now = Date(timeIntervalSince1970: 1_709_288_160)
        let options = PCDReader.Options(timeZone: TimeZone(identifier: "Europe/Zurich"), receivedAt: now)
        let start = Date()
        var counts = (read: 0, refused: 0, unanswered: 0)
        var iterations = 0
        // A few thousand inputs, stopped early (but never below 1,000) if a slow machine would take too long.
        while iterations < 4000, iterations < 1000 || Date().timeIntervalSince(start) < 30 {
            iterations += 1
            let input: [UInt8] = if iterations % 5 == 0 {
                (0..<Int.random(in: 0...300, using: &random)).map { _ in Self.alphabet.randomElement(using: &random)! }
            } else {
                Self.mutate(samples[iterations % samples.count], using: &random)
            }
            let result = PCDIntake.read(input, options: options)
            let reply = result.acknowledgement(responder: responder, controlId: "F\(iterations)", at: now)
            switch result {
            case .read(let message, let report):
                counts.read += 1
                _ = report.observationSets.map(\.vitals)
                guard let reply else {
                    // Only a sender that asked for no acknowledgement in this case goes unanswered.
                    #expect(HL7AcknowledgementMode(header: message.header) != .original, "input \(input)")
                    counts.unanswered += 1
                    continue
                }
                guard let ack = readBack(reply, input: input) else { continue }
                #expect(ack.segment("MSA")?[field: 2].value == message.header.controlId, "input \(input)")
                #expect(ack.segments("ERR").count == report.problems.count)
            case .refused(let error):
                counts.refused += 1
                if error.header == nil {
                    #expect(reply?.code == "AR", "input \(input)")
                }
                guard let reply else {
                    #expect(HL7AcknowledgementMode(header: error.header) != .original, "input \(input)")
                    counts.unanswered += 1
                    continue
                }
                guard let ack = readBack(reply, input: input) else { continue }
                // A control id the reply's character set cannot carry (a message refused for its bytes) comes back
                // with '?' for what it cannot; everything else comes back exactly.
                let sent = error.header?.controlId ?? ""
                #expect(ack.segment("MSA")?[field: 2].value == reply.characterSet.decode(reply.characterSet.encode(sent)), "input \(input)")
                #expect(ack.segment("ERR")?[field: 3][component: 1] == String(error.problem.code.rawValue))
            }
        }
        #expect(iterations >= 1000)
        // The mutations must exercise both paths, or the test proves little.
        #expect(counts.read > 100)
        #expect(counts.refused > 100)
    }

    /// The acknowledgement parsed by the same parser; a failure is recorded with both texts.
    func readBack(_ reply: HL7Acknowledgement, input: [UInt8]) -> HL7Message? {
        do {
            return try HL7Parser.parse(reply.bytes)
        } catch {
            Issue.record("acknowledgement \(reply.text.debugDescription) does not parse (\(error)) for input \(String(decoding: input, as: UTF8.self).debugDescription)")
            return nil
        }
    }

    @Test func framerSurvivesRandomStreams() {
        var random = Generator(state: 0xF4A3)
        for _ in 0..<500 {
            var framer = MLLPFramer(maxMessageBytes: 64)
            var stream: [UInt8] = []
            for _ in 0..<Int.random(in: 1...5, using: &random) {
                let body = (0..<Int.random(in: 0...100, using: &random)).map { _ in Self.alphabet.randomElement(using: &random)! }
                stream += Bool.random(using: &random) ? MLLPFramer.frame(body) : body
            }
            var events: [MLLPFramer.Event] = []
            var index = 0
            while index < stream.count {
                let step = Int.random(in: 1...20, using: &random)
                events += framer.feed(stream[index..<min(stream.count, index + step)])
                #expect(framer.bufferedByteCount <= 64)
                index += step
            }
            events += framer.finish()
            for case .message(let body) in events {
                #expect(body.count <= 64)
                #expect(!body.contains(MLLPFramer.startBlock))
            }
        }
    }
}
