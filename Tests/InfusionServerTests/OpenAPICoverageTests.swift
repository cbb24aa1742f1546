import Foundation
import HTTPTypes
import Hummingbird
import InfusionCore
import InfusionServer
import InfusionStore
import Testing
import Yams

/// Keeps docs/openapi.yaml true (SPEC §4): every route the real router serves is documented with the same
/// method, and every documented route is served.
@Suite("OpenAPI coverage")
struct OpenAPICoverageTests {
    /// The HTTP methods an OpenAPI path item can hold.
    static let operationKeys: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// `docs/openapi.yaml`, found from this file: Tests/InfusionServerTests/ → package root.
    static var documentURL: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("docs/openapi.yaml")
    }

    /// One operation, as `METHOD /path` with path parameters written `{name}`.
    struct Route: Hashable, CustomStringConvertible, Comparable {
        var method: String
        var path: String

        init(method: String, path: String) {
            self.method = method.uppercased()
            self.path = Route.normalise(path)
        }

        /// `/v1/sessions/:id` and `/v1/sessions/{id}` both become `/v1/sessions/{id}`; trailing slashes go.
        static func normalise(_ path: String) -> String {
            let components = path.split(separator: "/", omittingEmptySubsequences: true).map { component -> String in
                component.hasPrefix(":") ? "{\(component.dropFirst())}" : String(component)
            }
            return "/" + components.joined(separator: "/")
        }

        var description: String { "\(method) \(path)" }

        static func < (lhs: Route, rhs: Route) -> Bool { (lhs.path, lhs.method) < (rhs.path, rhs.method) }
    }

    /// The routes the daemon's real routers serve: every route of its own socket, and the JSON routes (`/v1/…`)
    /// of the web socket (its HTML pages and assets are the browser station's, not the API's).
    static func servedRoutes() throws -> Set<Route> {
        let state = ServerState(
            store: ClinicalStore(database: try ClinicalDatabase()), ruleSet: try ProfileLoader.load(directory: nil),
            version: "test")
        let router = InfusionDaemon.buildRouter(state: state)
        let web = InfusionDaemon.buildRouter(state: state, web: WebAccess(proxyUID: 4242, groupRoles: [:], publicOrigin: nil))
        return Set(router.routes.map { Route(method: $0.method.rawValue, path: $0.path.description) })
            .union(web.routes.map { Route(method: $0.method.rawValue, path: $0.path.description) }.filter { $0.path.hasPrefix("/v1/") })
    }

    /// The parsed OpenAPI document.
    static func document() throws -> [String: Any] {
        let text = try String(contentsOf: documentURL, encoding: .utf8)
        let parsed = try Yams.load(yaml: text)
        return try #require(parsed as? [String: Any], "docs/openapi.yaml is not a YAML mapping")
    }

    /// Every documented operation with its OpenAPI operation object.
    static func documentedOperations(_ document: [String: Any]) throws -> [Route: [String: Any]] {
        let paths = try #require(document["paths"] as? [String: Any], "docs/openapi.yaml has no paths")
        var operations: [Route: [String: Any]] = [:]
        for (path, item) in paths {
            let item = try #require(item as? [String: Any], "path item \(path) is not a mapping")
            for (key, operation) in item where operationKeys.contains(key.lowercased()) {
                operations[Route(method: key, path: path)] = try #require(operation as? [String: Any], "\(key) \(path) is not a mapping")
            }
        }
        return operations
    }

    @Test("the document parses and is OpenAPI 3.1")
    func documentIsOpenAPI31() throws {
        let document = try Self.document()
        let version = try #require(document["openapi"] as? String, "docs/openapi.yaml has no openapi version")
        #expect(version.hasPrefix("3.1"), "docs/openapi.yaml declares openapi \(version), expected 3.1.x")
    }

    @Test("every served route is documented with the same method, and every documented route is served")
    func routesMatchDocument() throws {
        let served = try Self.servedRoutes()
        let documented = Set(try Self.documentedOperations(try Self.document()).keys)
        #expect(!served.isEmpty, "the router reports no routes")

        for route in served.subtracting(documented).sorted() {
            Issue.record("\(route) is served but not described in docs/openapi.yaml")
        }
        for route in documented.subtracting(served).sorted() {
            Issue.record("\(route) is described in docs/openapi.yaml but the daemon does not serve it")
        }
        #expect(served == documented)
    }

    @Test("every documented operation has a unique operationId and a 2xx response")
    func operationsAreComplete() throws {
        let operations = try Self.documentedOperations(try Self.document())
        var seenIds: [String: Route] = [:]
        for (route, operation) in operations.sorted(by: { $0.key < $1.key }) {
            if let id = operation["operationId"] as? String, !id.isEmpty {
                if let other = seenIds[id] {
                    Issue.record("operationId '\(id)' is used by both \(other) and \(route)")
                }
                seenIds[id] = route
            } else {
                Issue.record("\(route) has no operationId")
            }
            let responses = operation["responses"] as? [AnyHashable: Any] ?? [:]
            let statuses = responses.keys.map { "\($0)" }
            #expect(statuses.contains { $0.hasPrefix("2") }, "\(route) documents no 2xx response (has \(statuses.sorted()))")
        }
    }

    @Test("every {parameter} in a documented path is declared as a path parameter")
    func pathParametersAreDeclared() throws {
        let document = try Self.document()
        let components = document["components"] as? [String: Any]
        let sharedParameters = components?["parameters"] as? [String: Any] ?? [:]
        let paths = try #require(document["paths"] as? [String: Any])

        func pathParameterNames(_ list: Any?) -> Set<String> {
            var names: Set<String> = []
            for entry in list as? [Any] ?? [] {
                guard var parameter = entry as? [String: Any] else { continue }
                if let reference = parameter["$ref"] as? String {
                    let name = String(reference.split(separator: "/").last ?? "")
                    parameter = sharedParameters[name] as? [String: Any] ?? [:]
                }
                if parameter["in"] as? String == "path", let name = parameter["name"] as? String { names.insert(name) }
            }
            return names
        }

        for (path, item) in paths {
            guard let item = item as? [String: Any] else { continue }
            let placeholders = Set(Route.normalise(path).split(separator: "/").compactMap { component -> String? in
                component.hasPrefix("{") && component.hasSuffix("}") ? String(component.dropFirst().dropLast()) : nil
            })
            let common = pathParameterNames(item["parameters"])
            for (key, operation) in item where Self.operationKeys.contains(key.lowercased()) {
                let declared = common.union(pathParameterNames((operation as? [String: Any])?["parameters"]))
                #expect(declared == placeholders, "\(key.uppercased()) \(path) declares path parameters \(declared.sorted()), expected \(placeholders.sorted())")
            }
        }
    }
}
