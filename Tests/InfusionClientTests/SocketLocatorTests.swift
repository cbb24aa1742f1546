import Testing

@testable import InfusionClient

@Suite("SocketLocator")
struct SocketLocatorTests {
    @Test func explicitPathWins() {
        let path = SocketLocator.resolve(
            explicit: "/tmp/a.sock", environment: ["INFUSIOND_SOCKET": "/tmp/b.sock"], fileExists: { _ in true })
        #expect(path == "/tmp/a.sock")
    }

    @Test func environmentComesSecond() {
        let path = SocketLocator.resolve(
            explicit: nil, environment: ["INFUSIOND_SOCKET": "/tmp/b.sock"], fileExists: { _ in true })
        #expect(path == "/tmp/b.sock")
    }

    @Test func emptyValuesCountAsNotGiven() {
        let path = SocketLocator.resolve(explicit: "", environment: ["INFUSIOND_SOCKET": ""], fileExists: { _ in false })
        #expect(path == SocketLocator.developmentPath)
    }

    @Test func installedSocketWhenItExists() {
        let path = SocketLocator.resolve(explicit: nil, environment: [:]) { $0 == "/run/infusiond/infusiond.sock" }
        #expect(path == "/run/infusiond/infusiond.sock")
    }

    @Test func developmentSocketOtherwise() {
        let path = SocketLocator.resolve(explicit: nil, environment: [:], fileExists: { _ in false })
        #expect(path == "./.infusiond/infusiond.sock")
    }
}
