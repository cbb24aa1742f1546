import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InfusionCore
import InfusionServer
import InfusionStore
import NIOCore

/// Builds the real router over an in-memory database and the shipped profiles, and drives it without a socket.
struct RouterHarness {
    let state: ServerState

    /// - Parameter roles: what every request gets; router tests have no socket and so no peer credentials.
    init(roles: Set<Role> = [.admin]) throws {
        let ruleSet = try ProfileLoader.load(directory: nil)
        state = ServerState(store: ClinicalStore(database: try ClinicalDatabase()), ruleSet: ruleSet, version: "test",
                            access: .inProcessTests(as: roles))
    }

    /// A response's status and body.
    struct Reply {
        var status: Int
        var body: Data
        var headers: HTTPFields

        func decode<T: Decodable>(_ type: T.Type) throws -> T { try WireJSON.decoder().decode(type, from: body) }
        var problem: Problem? { try? decode(Problem.self) }
    }

    /// Sends requests to the router and returns what came back.
    func run(_ body: @Sendable (Client) async throws -> Void) async throws {
        let app = Application(router: InfusionDaemon.buildRouter(state: state))
        try await app.test(.router) { client in try await body(Client(client: client)) }
    }

    struct Client: Sendable {
        let client: any TestClientProtocol

        func send(_ method: HTTPRequest.Method, _ uri: String, raw: Data? = nil, contentType: String? = "application/json",
                  headers extra: HTTPFields = [:]) async throws -> Reply {
            var headers = extra
            if let contentType, raw != nil { headers[.contentType] = contentType }
            let response = try await client.execute(uri: uri, method: method, headers: headers, body: raw.map { ByteBuffer(bytes: $0) })
            return Reply(status: Int(response.status.code), body: Data(response.body.readableBytesView), headers: response.headers)
        }

        func send(_ method: HTTPRequest.Method, _ uri: String, json: some Encodable) async throws -> Reply {
            try await send(method, uri, raw: try WireJSON.encode(json))
        }

        func get(_ uri: String) async throws -> Reply { try await send(.get, uri) }
    }

    static let baseline = Vitals(heartRateBpm: 72, systolicMmHg: 128, diastolicMmHg: 78, spo2Percent: 98,
                                 respiratoryRatePerMin: 14, qrsMs: 90, prMs: 160, rhythm: .sinus)

    static func startRequest(weightKg: Double = 70, rate: Double = 1.0, bolus: Double = 1.5, override: Override? = nil) -> StartSessionRequest {
        StartSessionRequest(
            patientId: "MRN-1001", drug: .lidocaine, weightKg: weightKg, heightCm: 175, sex: .male, dosingWeight: .actual,
            bolus: BolusOrder(doseMgPerKg: bolus, durationMin: 20), infusion: InfusionOrder(rateMgPerKgPerHour: rate),
            prescriber: "clin-017", recordedBy: "nurse-042", baseline: baseline, override: override)
    }
}
