/// Lower-case hexadecimal text for bytes such as a digest; written out by hand because `String(format:)` per byte
/// costs more than the SHA-256 it prints, and audit hashing is on every request's path.
extension Sequence where Element == UInt8 {
    /// The bytes as lower-case hexadecimal, two digits each.
    public var lowercaseHex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
