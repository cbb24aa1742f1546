/// The MSH fields that decide how a message is answered and who sent it.
public struct HL7Header: Sendable, Hashable {
    /// MSH-3, e.g. `VSP^080019FFFE134535^EUI-64`.
    public var sendingApplication: HL7Field
    /// MSH-4.
    public var sendingFacility: HL7Field
    /// MSH-5.
    public var receivingApplication: HL7Field
    /// MSH-6.
    public var receivingFacility: HL7Field
    /// MSH-7.1 as sent (the send time, not an observation time).
    public var dateTime: String
    /// MSH-9.1, e.g. `ORU`.
    public var messageType: String
    /// MSH-9.2, e.g. `R01`.
    public var triggerEvent: String
    /// MSH-9.3, e.g. `ORU_R01`.
    public var messageStructure: String
    /// MSH-10, the sender's message control id.
    public var controlId: String
    /// MSH-11.1, e.g. `P`.
    public var processingId: String
    /// MSH-12.1, e.g. `2.6`.
    public var version: String
    /// MSH-15 (accept acknowledgement type, table 0155); empty when not sent.
    public var acceptAcknowledgementType: String
    /// MSH-16 (application acknowledgement type, table 0155); empty when not sent.
    public var applicationAcknowledgementType: String
    /// MSH-18.1 as sent.
    public var characterSet: String

    /// Reads the header from a parsed MSH segment.
    public init(msh: HL7Segment) {
        sendingApplication = msh[field: 3]
        sendingFacility = msh[field: 4]
        receivingApplication = msh[field: 5]
        receivingFacility = msh[field: 6]
        dateTime = msh[field: 7].value
        messageType = msh[field: 9][component: 1]
        triggerEvent = msh[field: 9][component: 2]
        messageStructure = msh[field: 9][component: 3]
        controlId = msh[field: 10].value
        processingId = msh[field: 11].value
        version = msh[field: 12].value
        acceptAcknowledgementType = msh[field: 15].value
        applicationAcknowledgementType = msh[field: 16].value
        characterSet = msh[field: 18].value
    }

    /// The version as (major, minor), nil when MSH-12 is not `d.d` or `d.d.d`.
    public var versionNumber: (major: Int, minor: Int)? {
        let parts = version.split(separator: ".", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
        return (major, minor)
    }

    /// Whether MSH-12 is a version this parser reads, 2.3 to 2.8 including their point releases.
    public var isSupportedVersion: Bool {
        guard let number = versionNumber else { return false }
        return number.major == 2 && (3...8).contains(number.minor)
    }
}
