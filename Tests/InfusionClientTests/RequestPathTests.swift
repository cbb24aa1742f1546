import Testing

@testable import InfusionClient

@Suite("Request paths")
struct RequestPathTests {
    @Test func leavesOutMissingQueryItems() {
        #expect(InfusionClient.path("/v1/alerts", query: [("state", nil), ("session", nil)]) == "/v1/alerts")
        #expect(InfusionClient.path("/v1/alerts", query: [("state", "active"), ("session", nil)]) == "/v1/alerts?state=active")
        #expect(InfusionClient.path("/v1/audit", query: [("after", "10"), ("limit", "5")]) == "/v1/audit?after=10&limit=5")
    }

    @Test func percentEncodesValues() {
        #expect(InfusionClient.path("/v1/x", query: [("q", "a b&c=d")]) == "/v1/x?q=a%20b%26c%3Dd")
    }
}
