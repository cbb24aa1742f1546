import Foundation
import InfusionCore

/// A session's monitor binding and every device it has heard from, as `infusionctl sessions devices` shows them:
/// read from the session and its events, so it says what was stored, not what a device claims now.
public struct SessionDevices: Codable, Sendable, Hashable {
    /// One device that sent readings to the session.
    public struct Heard: Codable, Sendable, Hashable {
        /// The device id its readings carry (an EUI-64 or the gateway's id).
        public var deviceId: String
        /// Whether the session is bound to it.
        public var bound: Bool
        /// How many readings it sent.
        public var readings: Int
        /// The device time of its latest reading.
        public var lastObservedAt: Date
        /// When the daemon received that reading.
        public var lastReceivedAt: Date
        /// The sender (MSH-3|MSH-4) and station of its latest reading.
        public var sender: String?
        public var station: String?
    }

    public var sessionId: UUID
    /// The bed (PV1-3) the session is bound to, if any.
    public var bed: String?
    /// The devices the session is bound to, in the order given.
    public var boundDevices: [String]
    /// Every device heard from, bound or not, in order of first reading; bound devices never heard are not here
    /// (``silentBoundDevices``).
    public var heard: [Heard]

    /// Bound devices no reading has come from.
    public var silentBoundDevices: [String] { boundDevices.filter { id in !heard.contains { $0.deviceId == id } } }

    /// Folds the session's stored device readings.
    public init(session: Session, events: [ClinicalEvent]) {
        sessionId = session.id
        bed = session.binding?.bed
        boundDevices = session.binding?.deviceIds ?? []
        var heard: [Heard] = []
        for event in events where event.kind == .observation {
            guard let reading = event.decodedBody(ObservationRequest.self), let device = reading.device else { continue }
            // A message from a bound device counts for it even when its rows name another feed (a gateway's).
            var ids = [DeviceBinding.canonicalDevice(device.deviceId)]
            for named in device.devices ?? [] where boundDevices.contains(named) && !ids.contains(named) { ids.append(named) }
            for id in ids {
                if let index = heard.firstIndex(where: { $0.deviceId == id }) {
                    heard[index].readings += 1
                    if reading.observedAt >= heard[index].lastObservedAt {
                        heard[index].lastObservedAt = reading.observedAt
                        heard[index].lastReceivedAt = device.receivedAt
                        heard[index].sender = device.sender
                        heard[index].station = device.station
                    }
                } else {
                    heard.append(Heard(deviceId: id, bound: boundDevices.contains(id), readings: 1, lastObservedAt: reading.observedAt,
                                       lastReceivedAt: device.receivedAt, sender: device.sender, station: device.station))
                }
            }
        }
        self.heard = heard
    }
}
