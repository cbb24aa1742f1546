import Foundation
import Testing
import InfusionCore
@testable import InfusionClient

@Suite struct ZZTempFakeServerTests {
    let path = "/tmp/fakeinf/s.sock"
    @Test(arguments: [70_000, 1_000_000, 10_000_000]) func tooLarge(size: Int) async throws {
        let client = InfusionClient(socketPath: path, timeout: .seconds(5))
        let response = try await client.send(method: "POST", path: "/v1/big", body: Data(repeating: 0x20, count: size))
        #expect(response.status == 413)
        #expect(response.problem?.code == "request.tooLarge")
    }
}
