import Foundation

/// Where a monitor or device reading came from, as the daemon's device listener received it. Only a device
/// listener sets it: a station's observation that carries it is refused, so a hand-entered value can never pass
/// as a device's.
public struct DeviceProvenance: Codable, Sendable, Hashable {
    /// The device's identifier (an EUI-64 from OBX-18, or the gateway's feed id).
    public var deviceId: String
    /// When the daemon received the message (the observation's `observedAt` is the device's own time).
    public var receivedAt: Date
    /// The device marked the value questionable: it may raise an alert but never proves one clear.
    public var questionable: Bool?
    /// What carried it, e.g. `hl7 ORU^R01` with the sender's message control id.
    public var message: String?
    /// The sender as allow-listed: MSH-3 and MSH-4 of the message (absent on readings stored before it was kept).
    public var sender: String?
    /// The sender's MSH-10, which with `sender` identifies the message in the received-message table.
    public var messageControlId: String?
    /// The station identity the sender maps to in `hl7.senders`.
    public var station: String?
    /// Every device the message named (MSH-3, OBR-3, OBX-18), as ``DeviceBinding/canonicalDevice(_:)`` writes
    /// them: a bound device among them counts as heard (L21).
    public var devices: [String]?

    public init(deviceId: String, receivedAt: Date, questionable: Bool? = nil, message: String? = nil,
                sender: String? = nil, messageControlId: String? = nil, station: String? = nil) {
        self.deviceId = deviceId
        self.receivedAt = receivedAt
        self.questionable = questionable
        self.message = message
        self.sender = sender
        self.messageControlId = messageControlId
        self.station = station
    }

    /// Whether the reading may resolve alerts it shows clear.
    public var mayClear: Bool { questionable != true }
}
