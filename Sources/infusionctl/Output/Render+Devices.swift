import Foundation
import InfusionClient
import InfusionCore

extension Render {
    /// `Monitor` in `sessions show`: the bed and devices bound, or how readings bind without them.
    static func binding(_ session: Session) -> String {
        guard let binding = session.binding else { return "not bound (monitor messages bind by patient id)" }
        return [binding.bed.map { "bed \($0)" }, binding.deviceIds.isEmpty ? nil : "devices " + binding.deviceIds.joined(separator: ", ")]
            .compactMap { $0 }.joined(separator: "; ")
    }

    /// `sessions devices`: the binding, the devices heard and the bound ones never heard.
    static func sessionDevices(_ devices: SessionDevices) -> String {
        var table = TextTable(columns: [
            .init("DEVICE"), .init("BOUND"), .init("READINGS"), .init("LAST READING"), .init("RECEIVED"), .init("SENDER"), .init("STATION"),
        ], indent: 2)
        for device in devices.heard {
            table.append([device.deviceId, device.bound ? "yes" : "no", "\(device.readings)", time(device.lastObservedAt),
                          time(device.lastReceivedAt), device.sender ?? "-", device.station ?? "-"])
        }
        let silent = devices.silentBoundDevices
        return [
            "Session \(devices.sessionId.uuidString.lowercased())",
            fields([
                ("Bed", devices.bed ?? "not bound"),
                ("Devices", devices.boundDevices.isEmpty ? "none bound" : devices.boundDevices.joined(separator: ", ")),
            ]),
            "",
            section("Devices heard", table, empty: "no monitor reading stored yet"),
            silent.isEmpty ? nil : "\nBound but never heard: \(silent.joined(separator: ", ")) (L21 raises a stale-feed alert 5 min after binding by default)",
        ].compactMap { $0 }.joined(separator: "\n")
    }
}
