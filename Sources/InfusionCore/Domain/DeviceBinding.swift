import Foundation

/// The bed and devices whose monitor messages belong to a session even when the message's patient identifier
/// (HL7 PID-3) does not name the session's patient: a gateway that sends a placeholder or no PID, a monitor
/// admitted under another number. Set at start or later with the `bind` action; a closed session binds nothing.
public struct DeviceBinding: Codable, Sendable, Hashable {
    /// The bed as the monitors send it in PV1-3 (assigned patient location), e.g. `ICU^^12`: compared with the
    /// whole field as sent.
    public var bed: String?
    /// Device identifiers as the monitors send them in OBX-18, OBR-3 or MSH-3: an EUI-64 (16 hex digits, any case)
    /// or the entity id of a device that has none.
    public var devices: [String]?

    /// At most this many devices per session.
    public static let maxDevices = 16

    public init(bed: String? = nil, devices: [String]? = nil) {
        self.bed = bed
        self.devices = devices
    }

    /// Whether it binds nothing.
    public var isEmpty: Bool { (bed ?? "").isEmpty && (devices ?? []).isEmpty }

    /// The devices in the form messages are compared in: an EUI-64 upper-cased, in the order given, once each.
    public var deviceIds: [String] {
        var seen: Set<String> = []
        return (devices ?? []).map(Self.canonicalDevice).filter { seen.insert($0).inserted }
    }

    /// The binding as it is kept on the session: devices canonical, empty parts absent; nil when it binds nothing.
    public var normalized: DeviceBinding? {
        let ids = deviceIds
        let kept = DeviceBinding(bed: (bed ?? "").isEmpty ? nil : bed, devices: ids.isEmpty ? nil : ids)
        return kept.isEmpty ? nil : kept
    }

    /// A device identifier as compared: an EUI-64 upper-cased, anything else as sent.
    public static func canonicalDevice(_ id: String) -> String {
        id.count == 16 && id.allSatisfy(\.isHexDigit) ? id.uppercased() : id
    }

    /// Refuses a binding a message could never match or that could bind by accident: an empty device id, a
    /// bed or device with leading or trailing spaces, more than ``maxDevices`` devices.
    public func validate(field: String) throws(DomainError) {
        if let bed, bed.trimmingCharacters(in: .whitespaces) != bed || bed.isEmpty {
            throw DomainError(.invalid, code: "binding.invalid", title: "Bed not usable",
                              detail: "\(field).bed must be PV1-3 exactly as the monitors send it (e.g. ICU^^12), with no leading or trailing spaces.",
                              field: "\(field).bed")
        }
        let devices = devices ?? []
        if devices.count > Self.maxDevices {
            throw DomainError(.invalid, code: "binding.invalid", title: "Too many devices",
                              detail: "\(field).devices lists \(devices.count) devices; a session binds at most \(Self.maxDevices).",
                              field: "\(field).devices", limits: ["maxDevices": .number(Double(Self.maxDevices))])
        }
        for (index, device) in devices.enumerated() where device.isEmpty || device.trimmingCharacters(in: .whitespaces) != device {
            throw DomainError(.invalid, code: "binding.invalid", title: "Device id not usable",
                              detail: "\(field).devices[\(index)] must be the device's identifier as sent in OBX-18 (an EUI-64 such as 0012C9FFFE0B4020, or its entity id), with no spaces around it.",
                              field: "\(field).devices")
        }
    }
}
