import Foundation
import HTTPTypes
import Hummingbird
import Logging
import InfusionCore
import NIOCore

extension Request {
    /// Collects the body (refusing more than the limit) and decodes it as JSON with the API's conventions.
    func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int) async throws -> T {
        if let contentType = headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw Problem(status: 415, code: "request.unsupportedMediaType", title: "Unsupported content type",
                          detail: "Send the body as JSON with Content-Type: application/json (got \(contentType)).")
        }
        let buffer = try await body.collect(upTo: limit)
        return try WireJSON.decoder().decode(T.self, from: Data(buffer.readableBytesView))
    }
}

extension InfusionRequestContext {
    /// A UUID path parameter, or a 404 problem naming what was not found.
    func uuidParameter(_ name: String, notFound: (String) -> Problem) throws -> UUID {
        let text = parameters.get(name) ?? ""
        guard let id = UUID(uuidString: text) else { throw notFound(text) }
        return id
    }
}

/// JSON responses with the API's conventions.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try WireJSON.encode(value))))
    }

    /// A response of JSON text that is already encoded (an answer as stored for idempotent retries).
    static func make(json: String, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}

extension Problem {
    static func sessionNotFound(_ id: String) -> Problem {
        Problem(status: 404, code: "session.notFound", title: "No such session",
                detail: "There is no session '\(id)'; list sessions with GET /v1/sessions?state=all.")
    }

    static func alertNotFound(_ id: String) -> Problem {
        Problem(status: 404, code: "alert.notFound", title: "No such alert",
                detail: "There is no alert '\(id)'; list alerts with GET /v1/alerts.")
    }

    static func badQuery(_ name: String, _ value: String, allowed: String) -> Problem {
        Problem(status: 400, code: "request.badQuery", title: "Bad query parameter",
                detail: "\(name)=\(value) is not allowed; use \(allowed).", field: name)
    }
}
