import InfusionCore
import Testing

@Suite("Hexadecimal text for digests")
struct HexEncodingTests {
    static let allBytes: [UInt8] = Array(0...255)
    static let allBytesHex: String = (0...255).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()

    @Test("each byte is two lower-case digits, leading zeros kept", arguments: [
        ([UInt8](), ""),
        ([0x00], "00"),
        ([0x0f, 0xf0], "0ff0"),
        ([0xde, 0xad, 0xbe, 0xef, 0x01], "deadbeef01"),
        (allBytes, allBytesHex),
    ] as [([UInt8], String)])
    func hex(bytes: [UInt8], expected: String) {
        #expect(bytes.lowercaseHex == expected)
    }
}
