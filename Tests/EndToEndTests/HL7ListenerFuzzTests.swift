import Foundation
import InfusionClient
import InfusionCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The MLLP listener itself under a seeded fuzz: bytes over real sockets (several TCP connections and the Unix
/// socket at once) to the real daemon. Valid ORU^R01 messages, mutations of them, random bytes and framing abuse
/// are mixed on every connection; every complete frame must get exactly one answer, in order, unless its MSH-15/16
/// asked for none, and broken framing on one connection must not disturb the others.
///
/// `INFUSION_HL7_FUZZ_SEED` chooses the seed and `INFUSION_HL7_FUZZ_UNITS` how many pieces each connection sends
/// (default 45); a failure names the seed so the same run can be repeated.
@Suite("HL7 listener fuzz: random, mutated and badly framed MLLP traffic over TCP and the Unix socket", .serialized)
struct HL7ListenerFuzzTests {
    /// The message limit the daemon is given, small so that oversize frames are cheap to send.
    static let limit = 8192
    static let tcpConnections = 4
    static let unixConnections = 2

    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["INFUSION_HL7_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x1C0D_2575
    }

    static var unitsPerConnection: Int {
        ProcessInfo.processInfo.environment["INFUSION_HL7_FUZZ_UNITS"].flatMap { Int($0) }.map { max(1, $0) } ?? 45
    }

    // MARK: Messages

    /// ORU^R01 messages from the allow-listed gateway, all with one time.
    struct Messages {
        let time: String

        /// A monitor's SpO2 reading; `ack` sets MSH-15/MSH-16, `characterSet` MSH-18.
        func oru(_ controlId: String, patient: String, value: String = "97", ack: (String, String)? = nil, characterSet: String? = nil,
                 name: [UInt8] = Array("DOE^JANE".utf8), extra: [String] = []) -> [UInt8] {
            var msh = "MSH|^~\\&|MONGW^0123456789ABCDEF^EUI-64|ICU|||\(time)||ORU^R01^ORU_R01|\(controlId)|P|2.6"
            if ack != nil || characterSet != nil {
                msh += "|||\(ack?.0 ?? "")|\(ack?.1 ?? "")"
                if let characterSet { msh += "||\(characterSet)" }
            }
            var bytes = Array((msh + "\r").utf8)
            bytes += Array("PID|||\(patient)^^^HOSP^MR||".utf8) + name + [0x0D]
            let rest = [
                "PV1||I|ICU^3^1",
                "OBR|1|||182777000^monitoring of patient^SCT|||\(time)",
                "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||0123456789ABCDEF^EUI-64",
                "OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.2.1|\(value)|262688^MDC_DIM_PERCENT^MDC|||||R",
            ] + extra
            bytes += Array(rest.map { $0 + "\r" }.joined().utf8)
            return bytes
        }
    }

    /// The patient every valid message is for; mutations go to another patient, at least two bytes away, so no
    /// mutation can ever land on this session.
    static let patient = "MRN-1001"
    static let fuzzPatient = "FZ-7777"

    // MARK: Scripts

    /// One piece of what a connection sends.
    struct Unit {
        var bytes: [UInt8]
        var label: String
        /// Sent in several writes with pauses, so the daemon reads it in pieces.
        var split = false
    }

    /// Units, then a valid sentinel frame whose answer tells the reader that everything before it was answered.
    struct Batch {
        var units: [Unit]
        var sentinelId: String
    }

    /// Everything one connection sends, and what the generator knows about the intact messages in it.
    struct Script {
        var name: String
        var unix: Bool
        var batches: [Batch] = []
        /// Sent after the last answer: a frame cut off by closing the connection.
        var tail: [UInt8] = []
    }

    /// Builds the scripts from the seed alone, so a seed always sends the same bytes.
    struct Generator {
        var random: HL7Fuzz.Random
        let messages: Messages
        let connection: Int
        var counter = 0
        /// What the answer to each intact message is (by its bytes between the framing).
        var known: [[UInt8]: HL7Fuzz.Expectation] = [:]
        var validIds: [String] = []
        var valid: [[UInt8]] = []

        init(seed: UInt64, connection: Int, messages: Messages) {
            random = HL7Fuzz.Random(state: seed &+ UInt64(connection) &* 0x5851_F42D_4C95_7F2D)
            self.messages = messages
            self.connection = connection
        }

        mutating func nextId(_ prefix: String) -> String {
            counter += 1
            return "\(prefix)-\(connection)-\(counter)"
        }

        /// A valid message for the started session, original mode: AA.
        mutating func validMessage(label: String = "valid ORU^R01", prefix: String = "VALID") -> [UInt8] {
            let id = nextId(prefix)
            let bytes = messages.oru(id, patient: HL7ListenerFuzzTests.patient)
            known[bytes] = HL7Fuzz.Expectation(presence: .one, controlId: id, codes: ["AA"], label: "\(label) \(id)")
            validIds.append(id)
            valid.append(bytes)
            return bytes
        }

        static let conditions = ["", "AL", "NE", "ER", "SU", "XY"]

        /// A valid message with a random MSH-15/MSH-16: the answer (or none) follows from table 0155.
        mutating func ackModeMessage() -> [UInt8] {
            let id = nextId("VALID")
            let ack = (Self.conditions.randomElement(using: &random)!, Self.conditions.randomElement(using: &random)!)
            let bytes = messages.oru(id, patient: HL7ListenerFuzzTests.patient, ack: ack)
            known[bytes] = HL7Fuzz.expectation(accept: ack.0, application: ack.1, dispositions: [.accepted], controlId: id,
                                               label: "valid ORU^R01 \(id) with MSH-15/16 '\(ack.0)'/'\(ack.1)'")
            validIds.append(id)
            valid.append(bytes)
            return bytes
        }

        /// A message for the fuzz patient, the base of every mutation.
        mutating func base(ack: (String, String)? = nil, characterSet: String? = nil, name: [UInt8] = Array("DOE^JANE".utf8),
                           extra: [String] = []) -> [UInt8] {
            let value = ["97", "88", "100", "-1", "abc", "9.75", ""].randomElement(using: &random)!
            return messages.oru(nextId("MUT"), patient: HL7ListenerFuzzTests.fuzzPatient, value: value, ack: ack,
                                characterSet: characterSet, name: name, extra: extra)
        }

        static let delimiters: [UInt8] = Array("|^~\\&\r".utf8)

        mutating func position(_ bytes: [UInt8]) -> Int { bytes.isEmpty ? 0 : random.int(0...(bytes.count - 1)) }

        /// One to four damaging edits of a fuzz-patient message.
        mutating func mutated() -> (bytes: [UInt8], label: String) {
            var bytes = base()
            var edits: [String] = []
            for _ in 0..<random.int(1...4) {
                switch random.int(0...9) {
                case 0:
                    guard !bytes.isEmpty else { continue }
                    bytes[position(bytes)] ^= UInt8(1 << random.int(0...7))
                    edits.append("bit flip")
                case 1:
                    guard !bytes.isEmpty else { continue }
                    bytes[position(bytes)] = UInt8.random(in: 0...255, using: &random)
                    edits.append("random byte")
                case 2:
                    bytes = Array(bytes.prefix(position(bytes)))
                    edits.append("truncated")
                case 3, 4:
                    let places = bytes.indices.filter { Self.delimiters.contains(bytes[$0]) }
                    guard let place = places.randomElement(using: &random) else { continue }
                    if random.chance(0.5) {
                        bytes.insert(bytes[place], at: place)
                        edits.append("delimiter doubled")
                    } else {
                        bytes.remove(at: place)
                        edits.append("delimiter removed")
                    }
                case 5:
                    var segments = bytes.split(separator: HL7Fuzz.carriageReturn).map(Array.init)
                    segments.shuffle(using: &random)
                    bytes = Array(segments.joined(separator: [HL7Fuzz.carriageReturn])) + [HL7Fuzz.carriageReturn]
                    edits.append("segments shuffled")
                case 6:
                    let pick = ["", "AL", "NE", "ER", "SU", "XY", "al", "A^L", "N~E", "N\\E", "NENE"]
                    let ack = (pick.randomElement(using: &random)!, pick.randomElement(using: &random)!)
                    if let end = bytes.firstIndex(of: HL7Fuzz.carriageReturn) {
                        bytes.insert(contentsOf: Array("|||\(ack.0)|\(ack.1)".utf8), at: end)
                    }
                    edits.append("MSH-15/16 '\(ack.0)'/'\(ack.1)'")
                case 7:
                    bytes.insert(contentsOf: (0..<random.int(1...8)).map { _ in UInt8.random(in: 0...255, using: &random) }, at: position(bytes))
                    edits.append("random bytes inserted")
                case 8:
                    bytes = bytes.map { $0 == HL7Fuzz.carriageReturn ? 0x0A : $0 }
                    edits.append("bare LF line ends")
                default:
                    for _ in 0..<random.int(1...3) { bytes.insert(0x00, at: position(bytes)) }
                    edits.append("NUL bytes")
                }
            }
            return (bytes, "mutated (\(edits.joined(separator: ", ")))")
        }

        /// One unit of a random kind.
        mutating func unit() -> Unit {
            let roll = random.int(0...99)
            switch roll {
            case 0..<28:
                return Unit(bytes: HL7Fuzz.frame(validMessage()), label: "valid", split: random.chance(0.2))
            case 28..<36:
                return Unit(bytes: HL7Fuzz.frame(ackModeMessage()), label: "valid, random MSH-15/16")
            case 36..<41:
                guard let again = valid.randomElement(using: &random) else { return unit() }
                return Unit(bytes: HL7Fuzz.frame(again), label: "resend of a valid message")
            case 41..<66:
                let (bytes, label) = mutated()
                return Unit(bytes: HL7Fuzz.frame(bytes), label: label, split: random.chance(0.2))
            case 66..<70:
                let bytes = (0..<random.int(0...600)).map { _ in UInt8.random(in: 0...255, using: &random) }
                return Unit(bytes: HL7Fuzz.frame(bytes), label: "random bytes in a frame")
            case 70..<73:
                let stray = (0..<random.int(1...300)).map { _ in UInt8.random(in: 0...255, using: &random) }.filter { $0 != HL7Fuzz.startBlock }
                return Unit(bytes: stray + HL7Fuzz.frame(validMessage(label: "valid after stray bytes")), label: "stray bytes before 0x0B")
            case 73..<75:
                let cut = base()
                return Unit(bytes: [HL7Fuzz.startBlock] + cut.prefix(random.int(0...cut.count)), label: "frame with no end (the next 0x0B abandons it)")
            case 75..<77:
                let first = base()
                let second = validMessage(label: "valid after a 0x0B inside a frame")
                return Unit(bytes: [HL7Fuzz.startBlock] + first.prefix(random.int(1...first.count)) + HL7Fuzz.frame(second), label: "0x0B inside a frame")
            case 77..<79:
                return Unit(bytes: [HL7Fuzz.startBlock] + base() + [HL7Fuzz.endBlock, UInt8(ascii: "X")], label: "0x1C not followed by CR")
            case 79..<84:
                return oversize()
            case 84..<86:
                var huge = String(repeating: "|", count: random.int(2000...6000))
                huge = "OBX|3|ST|0^X^L|1|" + huge
                return Unit(bytes: HL7Fuzz.frame(base(extra: [huge])), label: "huge field count")
            case 86..<89:
                let piece = ["~", "^", "&", "~^&", "\\F\\", "\\R\\", "\\E\\", "\\X0D0A\\", "\\.br\\", "\\Zabc\\", "\\"].randomElement(using: &random)!
                let count = random.int(200...(6000 / piece.utf8.count))
                let value = String(repeating: piece, count: count) + (random.chance(0.3) ? "\\X" + String(repeating: "A", count: 501) : "")
                return Unit(bytes: HL7Fuzz.frame(base(extra: ["OBX|3|ST|0^X^L|1|\(value)||||||F"])),
                            label: "deep repetition/escape '\(piece)' x\(count)")
            case 89..<92:
                let name: [UInt8] = [0x44, 0xC3, 0x28, 0xFF, 0xFE, 0xED, 0xA0, 0x80, 0xF0, 0x9F, 0x5E, 0x41, 0xC0, 0xAF]
                return Unit(bytes: HL7Fuzz.frame(base(characterSet: "UNICODE UTF-8", name: name)), label: "invalid UTF-8 under MSH-18 UNICODE UTF-8")
            case 92..<94:
                var bytes = base()
                for _ in 0..<random.int(1...4) { bytes.insert(0x00, at: position(bytes)) }
                return Unit(bytes: HL7Fuzz.frame(bytes), label: "NUL bytes")
            case 94..<96:
                return Unit(bytes: HL7Fuzz.frame(base().map { $0 == HL7Fuzz.carriageReturn ? 0x0A : $0 }), label: "bare LF line ends")
            case 96..<98:
                return Unit(bytes: HL7Fuzz.frame([]), label: "empty frame")
            default:
                // Several frames in one write.
                let frames = (0..<random.int(2...4)).flatMap { _ in HL7Fuzz.frame(validMessage(label: "valid, several in one write")) }
                return Unit(bytes: frames, label: "several frames in one write")
            }
        }

        /// A frame at or past hl7.maxMessageBytes.
        mutating func oversize() -> Unit {
            let limit = HL7ListenerFuzzTests.limit
            let head = base()
            func padded(to total: Int) -> [UInt8] {
                let filler = "NTE|1||"
                let need = max(0, total - head.count - filler.utf8.count - 1)
                return head + Array(filler.utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: need) + [HL7Fuzz.carriageReturn]
            }
            switch random.int(0...4) {
            case 0: return Unit(bytes: HL7Fuzz.frame(padded(to: limit)), label: "exactly hl7.maxMessageBytes (taken)")
            case 1: return Unit(bytes: HL7Fuzz.frame(padded(to: limit + 1)), label: "one byte over hl7.maxMessageBytes")
            case 2: return Unit(bytes: HL7Fuzz.frame(padded(to: random.int((limit + 2)...(4 * limit)))), label: "oversize frame", split: random.chance(0.5))
            case 3:
                let garbage = (0..<random.int((limit + 1)...(2 * limit))).map { _ in UInt8.random(in: 0x20...0x7E, using: &random) }
                return Unit(bytes: HL7Fuzz.frame(garbage), label: "oversize frame without MSH")
            default:
                // Past the limit and never ended: the next frame's 0x0B abandons it, and it is refused.
                return Unit(bytes: [HL7Fuzz.startBlock] + padded(to: random.int((limit + 2)...(2 * limit))), label: "oversize frame with no end")
            }
        }

        mutating func script(name: String, unix: Bool, units: Int) -> Script {
            var script = Script(name: name, unix: unix)
            var remaining = units
            while remaining > 0 {
                let size = min(remaining, random.int(1...6))
                remaining -= size
                let batch = (0..<size).map { _ in unit() }
                let sentinel = nextId("VALID-S")
                let bytes = messages.oru(sentinel, patient: HL7ListenerFuzzTests.patient)
                known[bytes] = HL7Fuzz.Expectation(presence: .one, controlId: sentinel, codes: ["AA"], label: "sentinel \(sentinel)")
                validIds.append(sentinel)
                script.batches.append(Batch(units: batch + [Unit(bytes: HL7Fuzz.frame(bytes), label: "sentinel")], sentinelId: sentinel))
            }
            let cut = base()
            script.tail = [HL7Fuzz.startBlock] + cut.prefix(random.int(0...cut.count))
            return script
        }
    }

    // MARK: Running a script

    /// What one connection saw.
    struct Outcome: Sendable {
        var name: String
        /// Everything sent before the tail, in order.
        var sent: [UInt8] = []
        /// Where each unit's bytes start in `sent`, with its label.
        var unitStarts: [(start: Int, label: String)] = []
        /// Where each batch ends in `sent`, and the answers read for it.
        var batches: [(end: Int, answers: [HL7Fuzz.Answer])] = []
        var failure: String?
    }

    /// Sends a script batch by batch on a thread of its own, reading after each batch until the sentinel's answer.
    static func run(_ script: Script, port: Int, path: String, seed: UInt64) async -> Outcome {
        await MLLPSocket.onThread {
            var outcome = Outcome(name: script.name)
            let socket: MLLPSocket
            do {
                socket = try script.unix ? MLLPSocket(path: path) : MLLPSocket(port: port)
            } catch {
                outcome.failure = "\(error)"
                return outcome
            }
            defer { socket.close() }
            var pending: [UInt8] = []
            var splitter = HL7Fuzz.Random(state: seed ^ 0xABCD)
            for (index, batch) in script.batches.enumerated() {
                for unit in batch.units {
                    outcome.unitStarts.append((outcome.sent.count, unit.label))
                    outcome.sent += unit.bytes
                    if unit.split {
                        var offset = 0
                        while offset < unit.bytes.count {
                            let piece = min(unit.bytes.count - offset, splitter.int(1...max(1, unit.bytes.count / 3)))
                            guard socket.send(Array(unit.bytes[offset..<(offset + piece)])) else { break }
                            offset += piece
                            usleep(UInt32(splitter.int(100...1500)))
                        }
                    } else if !socket.send(unit.bytes) {
                        outcome.failure = "the daemon closed the connection while batch \(index) was sent"
                        return outcome
                    }
                }
                var answers: [HL7Fuzz.Answer] = []
                while answers.last?.controlId != batch.sentinelId {
                    guard let bytes = socket.receive() else {
                        outcome.failure = "no answer to batch \(index)'s sentinel \(batch.sentinelId) within 10 s (answers so far \(answers)); the daemon hangs or lost a frame"
                        outcome.batches.append((outcome.sent.count, answers))
                        return outcome
                    }
                    if bytes.isEmpty {
                        outcome.failure = "the daemon closed the connection before answering batch \(index)'s sentinel (answers so far \(answers))"
                        outcome.batches.append((outcome.sent.count, answers))
                        return outcome
                    }
                    pending += bytes
                    let read = HL7Fuzz.answers(pending)
                    if let error = read.error {
                        outcome.failure = "batch \(index): \(error)"
                        return outcome
                    }
                    answers += read.answers
                    pending = read.rest
                }
                outcome.batches.append((outcome.sent.count, answers))
            }
            // A half-written frame, then the sender goes away.
            socket.send(script.tail)
            return outcome
        }
    }

    /// Checks one connection's answers against the frames the model finds in what it sent; returns the problems.
    static func check(_ outcome: Outcome, known: [[UInt8]: HL7Fuzz.Expectation]) -> (problems: [String], frames: Int, presence: [String: Int]) {
        var problems: [String] = []
        var presence: [String: Int] = [:]
        if let failure = outcome.failure { problems.append(failure) }
        let frames = HL7Fuzz.modelFrames(outcome.sent, limit: limit)
        var cursor = 0
        var batchStart = 0
        for (index, batch) in outcome.batches.enumerated() {
            var expected: [HL7Fuzz.Expectation] = []
            while cursor < frames.count && frames[cursor].end < batch.end {
                let frame = frames[cursor]
                let label = outcome.unitStarts.last(where: { $0.start <= frame.end })?.label ?? "?"
                if !frame.oversize, let intact = known[frame.content] {
                    expected.append(intact)
                } else {
                    expected.append(HL7Fuzz.generic(frame.content, oversize: frame.oversize, label: frame.oversize ? "\(label) [oversize]" : label))
                }
                presence[expected[expected.count - 1].presence.rawValue, default: 0] += 1
                cursor += 1
            }
            if !HL7Fuzz.fits(expected, batch.answers) {
                problems.append("""
                    \(outcome.name) batch \(index) (bytes \(batchStart)..<\(batch.end)): the answers do not fit the frames.
                      frames: \(expected.map(\.description).joined(separator: "\n          "))
                      answers: \(batch.answers)
                    """)
            }
            batchStart = batch.end
        }
        return (problems, frames.count, presence)
    }

    static func metricsTotal(_ text: String, type: String? = nil) -> Int {
        text.split(separator: "\n").filter { line in
            line.hasPrefix("infusiond_hl7_messages_total{") && (type.map { line.contains("type=\"\($0)\"") } ?? true)
        }.reduce(0) { $0 + (Int(Double($1.split(separator: " ").last ?? "") ?? 0)) }
    }

    // MARK: The run

    @Test("every complete frame over TCP and the Unix socket is answered once and in order (or not at all when MSH-15/16 ask for none); valid messages AA and stored once; the daemon survives and counts every frame")
    func listenerFuzz() async throws {
        let seed = Self.seed
        let units = Self.unitsPerConnection
        let repeatHint = "seed \(seed) (INFUSION_HL7_FUZZ_SEED=\(seed) INFUSION_HL7_FUZZ_UNITS=\(units) to repeat)"
        let port = try HL7FeedTests.freePort()
        let folder = "/tmp/iz-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = "\(folder)/hl7.sock"
        let daemon = try DaemonProcess(extraConfig: """
            hl7:
              listen: 127.0.0.1:\(port)
              socketPath: \(path)
              maxMessageBytes: \(Self.limit)
              maxConnectionsPerAddress: 32
              senders:
                - {application: MONGW, facility: ICU, from: [127.0.0.1, unix], station: icu-monitor-gw}

            """)
        try await daemon.start()
        defer { Task { [daemon] in await daemon.terminate() } }
        let session = try await daemon.client.startSession(Bedside.start(patient: Self.patient))
        _ = try await daemon.client.startSession(Bedside.start(patient: Self.fuzzPatient))

        let messages = Messages(time: HL7FeedTests.hl7Time(offset: true))
        var known: [[UInt8]: HL7Fuzz.Expectation] = [:]
        var validIds: [String] = []
        var scripts: [Script] = []
        var generators: [Generator] = []
        for index in 0..<(Self.tcpConnections + Self.unixConnections) {
            var generator = Generator(seed: seed, connection: index, messages: messages)
            let unix = index >= Self.tcpConnections
            scripts.append(generator.script(name: unix ? "unix#\(index)" : "tcp#\(index)", unix: unix, units: units))
            generators.append(generator)
        }
        // Each connection also resends a few of another connection's valid messages, which may race the first copy.
        var crossRandom = HL7Fuzz.Random(state: seed ^ 0x5EED)
        for index in scripts.indices {
            let other = generators[(index + 1) % generators.count]
            for _ in 0..<2 {
                guard let bytes = other.valid.randomElement(using: &crossRandom), !scripts[index].batches.isEmpty else { continue }
                let batch = crossRandom.int(0...(scripts[index].batches.count - 1))
                scripts[index].batches[batch].units.insert(Unit(bytes: HL7Fuzz.frame(bytes), label: "resend from another connection"), at: 0)
            }
        }
        for generator in generators {
            known.merge(generator.known) { first, _ in first }
            validIds += generator.validIds
        }

        // A sender that starts a frame and stays silent through the whole run, then finishes it.
        let lingeringId = "VALID-LINGER"
        let lingeringMessage = messages.oru(lingeringId, patient: Self.patient)
        let lingering = try await MLLPSocket.onThread { Result { try MLLPSocket(port: port) } }.get()
        lingering.send([HL7Fuzz.startBlock] + lingeringMessage.prefix(40))

        // Senders that write half a frame and hang up, again and again, while the others work.
        let hangUps = Task {
            await MLLPSocket.onThread {
                for index in 0..<12 {
                    guard let socket = try? (index.isMultiple(of: 3) ? MLLPSocket(path: path) : MLLPSocket(port: port)) else { continue }
                    socket.send([HL7Fuzz.startBlock] + Array("MSH|^~\\&|MONGW|ICU|||".utf8) + [UInt8](repeating: 0x41, count: index * 700))
                    socket.close()
                    usleep(20_000)
                }
            }
        }

        let started = Date()
        let outcomes = await withTaskGroup(of: Outcome.self) { group in
            for script in scripts {
                group.addTask { await Self.run(script, port: port, path: path, seed: seed) }
            }
            var all: [Outcome] = []
            for await outcome in group { all.append(outcome) }
            return all.sorted { $0.name < $1.name }
        }
        await hangUps.value
        let elapsed = Date().timeIntervalSince(started)

        var problems: [String] = []
        var frameCount = 0
        var oversizeCount = 0
        var presence: [String: Int] = [:]
        for outcome in outcomes {
            let (found, frames, kinds) = Self.check(outcome, known: known)
            problems += found
            presence.merge(kinds, uniquingKeysWith: +)
            frameCount += frames
            oversizeCount += HL7Fuzz.modelFrames(outcome.sent, limit: Self.limit).filter(\.oversize).count
        }
        #expect(problems.isEmpty, "\(repeatHint):\n\(problems.prefix(5).joined(separator: "\n"))")

        // The silent sender finishes its frame: still answered.
        let lingeringAnswer = await MLLPSocket.onThread { () -> [HL7Fuzz.Answer] in
            guard !lingering.peerClosed, lingering.send(Array(lingeringMessage.dropFirst(40)) + [HL7Fuzz.endBlock, HL7Fuzz.carriageReturn]) else { return [] }
            var pending: [UInt8] = []
            while let bytes = lingering.receive(), !bytes.isEmpty {
                pending += bytes
                let read = HL7Fuzz.answers(pending)
                if !read.answers.isEmpty || read.error != nil { return read.answers }
            }
            return []
        }
        lingering.close()
        #expect(lingeringAnswer.map(\.description) == ["AA '\(lingeringId)'"], "\(repeatHint): the frame started before the run and finished after it")

        // A fresh sender afterwards is answered as ever.
        let finalId = "VALID-FINAL"
        let finalAnswer = await MLLPSocket.onThread { () -> [HL7Fuzz.Answer] in
            guard let socket = try? MLLPSocket(port: port), socket.send(HL7Fuzz.frame(messages.oru(finalId, patient: Self.patient))) else { return [] }
            var pending: [UInt8] = []
            while let bytes = socket.receive(), !bytes.isEmpty {
                pending += bytes
                let read = HL7Fuzz.answers(pending)
                if !read.answers.isEmpty || read.error != nil { return read.answers }
            }
            return []
        }
        #expect(finalAnswer.map(\.description) == ["AA '\(finalId)'"], "\(repeatHint)")

        // Alive, healthy, and no fatal error.
        #expect(daemon.process?.isRunning == true, "\(repeatHint): infusiond exited:\n\(daemon.log.suffix(3000))")
        _ = try await daemon.client.health()
        let log = daemon.log
        for fatal in ["Fatal error", "fatal error", "Swift runtime failure", "Segmentation fault", "critical"] {
            #expect(!log.contains(fatal), "\(repeatHint): the daemon's log has '\(fatal)':\n\(log.suffix(3000))")
        }

        // Every complete frame counted once: the run's, the silent sender's and the final one.
        let metrics = try await daemon.client.send(method: "GET", path: "/metrics").bodyText
        let expectedTotal = frameCount + 2
        #expect(Self.metricsTotal(metrics) == expectedTotal,
                "\(repeatHint): infusiond_hl7_messages_total sums to \(Self.metricsTotal(metrics)), frames sent \(expectedTotal)")
        #expect(Self.metricsTotal(metrics, type: "oversize") == oversizeCount, "\(repeatHint)")
        let audited = try await daemon.client.auditTail(count: 1_000_000).filter { $0.record.action.hasPrefix("hl7.") }.count
        #expect(audited == expectedTotal, "\(repeatHint): \(audited) hl7.* audit records for \(expectedTotal) frames")

        // Every valid message stored exactly once on its session, and nothing else there.
        var stored: [String: Int] = [:]
        for event in try await HL7FeedTests.deviceEvents(daemon, session: session.id) {
            stored[HL7FeedTests.field(event.body, "device", "messageControlId") ?? "?", default: 0] += 1
        }
        let wanted = Set(validIds + [lingeringId, finalId])
        let wrong = stored.filter { !wanted.contains($0.key) || $0.value != 1 }
        let missing = wanted.filter { stored[$0] == nil }
        #expect(wrong.isEmpty && missing.isEmpty,
                "\(repeatHint): stored more than once or not sent: \(wrong.sorted { $0.key < $1.key }.prefix(10)); not stored: \(missing.sorted().prefix(10))")
        print("HL7 listener fuzz \(repeatHint): \(frameCount + 2) complete frames (\(oversizeCount) oversize; answers due \(presence["one", default: 0]), none due \(presence["none", default: 0]), either \(presence["maybe", default: 0])), \(wanted.count) valid messages, \(outcomes.count) connections in \(String(format: "%.1f", elapsed)) s")
    }
}

extension HL7ListenerFuzzTests {
    /// A sender that writes its frame and then half-closes (shutdown(SHUT_WR), as `nc -N` or a script that is done
    /// sending does) is still owed its answer. Today the listener closes the whole connection at the end of input
    /// (NIO's default without `allowRemoteHalfClosure`): the message is processed, audited and counted as answered,
    /// but the ACK is never written. The fix belongs in HL7Listener.swift (both ServerBootstraps:
    /// `.childChannelOption(.allowRemoteHalfClosure, value: true)`); once it is in, this known issue stops being
    /// recorded and the wrapper must go.
    @Test("a sender that half-closes after its frame still gets its answer")
    func halfClosedSender() async throws {
        let port = try HL7FeedTests.freePort()
        let daemon = try DaemonProcess(extraConfig: """
            hl7:
              listen: 127.0.0.1:\(port)
              senders:
                - {application: MONGW, facility: ICU, from: [127.0.0.1], station: icu-monitor-gw}

            """)
        try await daemon.start()
        defer { Task { [daemon] in await daemon.terminate() } }
        _ = try await daemon.client.startSession(Bedside.start(patient: Self.patient))
        let message = Messages(time: HL7FeedTests.hl7Time(offset: true)).oru("HALF0001", patient: Self.patient)
        let answers = await MLLPSocket.onThread { () -> [String] in
            guard let socket = try? MLLPSocket(port: port), socket.send(HL7Fuzz.frame(message)) else { return ["cannot send"] }
            socket.finishSending()
            var pending: [UInt8] = []
            while let bytes = socket.receive(), !bytes.isEmpty { pending += bytes }
            return HL7Fuzz.answers(pending).answers.map(\.description)
        }
        #expect(answers == ["AA 'HALF0001'"])
    }
}

/// The fuzz's own model and matcher, at their edges: a test that passes whatever the daemon answers proves nothing.
@Suite("HL7 listener fuzz model: MLLP framing and answer matching")
struct HL7FuzzModelTests {
    static let limit = 16

    static func frames(_ stream: [UInt8]) -> [String] {
        HL7Fuzz.modelFrames(stream, limit: limit).map { ($0.oversize ? "over:" : "") + String(decoding: $0.content, as: UTF8.self) }
    }

    @Test("framing model", arguments: [
        ([0x0B] + Array("abc".utf8) + [0x1C, 0x0D], ["abc"]),
        (Array("junk".utf8) + [0x0B] + Array("abc".utf8) + [0x1C, 0x0D], ["abc"]),
        ([0x0B] + Array("ab".utf8) + [0x0B] + Array("cd".utf8) + [0x1C, 0x0D], ["cd"]),
        ([0x0B] + Array("ab".utf8) + [0x1C, 0x58] + [0x0B, 0x63, 0x1C, 0x0D], ["c"]),
        ([0x0B] + Array("abc".utf8), []),
        ([0x0B, 0x1C, 0x0D], [""]),
        ([0x0B] + [UInt8](repeating: 0x61, count: 16) + [0x1C, 0x0D], [String(repeating: "a", count: 16)]),
        ([0x0B] + [UInt8](repeating: 0x61, count: 17) + [0x1C, 0x0D], ["over:" + String(repeating: "a", count: 16)]),
        ([0x0B] + [UInt8](repeating: 0x61, count: 20) + [0x1C, 0x58, 0x1C, 0x0D], ["over:" + String(repeating: "a", count: 16)]),
        ([0x0B] + [UInt8](repeating: 0x61, count: 20) + [0x0B, 0x62, 0x1C, 0x0D], ["over:" + String(repeating: "a", count: 16), "b"]),
        ([0x0B] + [UInt8](repeating: 0x61, count: 20), []),
    ] as [([UInt8], [String])])
    func framing(stream: [UInt8], expected: [String]) {
        #expect(Self.frames(stream) == expected)
    }

    static func one(_ id: String) -> HL7Fuzz.Expectation { .init(presence: .one, controlId: id, codes: ["AA"], label: id) }
    static func answer(_ id: String, _ code: String = "AA") -> HL7Fuzz.Answer { .init(code: code, controlId: id, text: "") }

    @Test("matching", arguments: [
        ([one("A"), one("S")], [answer("A"), answer("S")], true),
        ([one("A"), one("S")], [answer("S")], false),                                   // a frame unanswered
        ([one("A"), one("S")], [answer("A"), answer("A"), answer("S")], false),         // answered twice
        ([one("A"), one("B"), one("S")], [answer("B"), answer("A"), answer("S")], false), // out of order
        ([one("A"), one("S")], [answer("A", "AE"), answer("S")], false),                // wrong MSA-1
        ([.init(presence: .none, controlId: "N", codes: [], label: "N"), one("S")], [answer("N", "AA"), answer("S")], false),
        ([.init(presence: .maybe, controlId: nil, codes: HL7Fuzz.allCodes, label: "M"), one("S")], [answer("S")], true),
        ([.init(presence: .maybe, controlId: nil, codes: HL7Fuzz.allCodes, label: "M"), one("S")], [answer("", "AR"), answer("S")], true),
    ] as [([HL7Fuzz.Expectation], [HL7Fuzz.Answer], Bool)])
    func matching(expected: [HL7Fuzz.Expectation], answers: [HL7Fuzz.Answer], fits: Bool) {
        #expect(HL7Fuzz.fits(expected, answers) == fits)
    }

    @Test("what a frame calls for under MSH-15/MSH-16", arguments: [
        ("", "", "one"), ("AL", "NE", "one"), ("NE", "AL", "one"), ("ER", "SU", "one"), ("XY", "", "one"),
        ("NE", "NE", "none"), ("", "NE", "none"), ("ER", "NE", "maybe"), ("SU", "SU", "maybe"),
    ])
    func presence(accept: String, application: String, expected: String) {
        let content = Array("MSH|^~\\&|A|B|||1||ORU^R01|ID1|P|2.6|||\(accept)|\(application)\rPID|x\r".utf8)
        let expectation = HL7Fuzz.generic(content, oversize: false, label: "t")
        #expect(expectation.presence.rawValue == expected)
        #expect(expectation.controlId == "ID1")
    }
}
