import Foundation
import HTTPTypes
import Hummingbird
import Logging
import InfusionCore
import InfusionStore
import NIOCore
import NIOHTTP1

extension Problem {
    /// The problem as an `application/problem+json` response.
    func httpResponse() -> Response {
        let data = (try? WireJSON.encode(self)) ?? Data("{}".utf8)
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: [.contentType: "application/problem+json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Problem {
    /// The problem for a refusal of the core or the store: its kind decides the status.
    init(_ refusal: DomainError) {
        let status = switch refusal.kind {
        case .invalid: 422
        case .conflict: 409
        case .notFound: 404
        case .unavailable: 503
        }
        self.init(status: status, code: refusal.code, title: refusal.title, detail: refusal.detail, field: refusal.field,
                  limits: refusal.limits)
    }
}

extension Problem {
    /// A problem for any error a route can throw: problems pass through; body, JSON and framework errors become
    /// clear 4xx problems; anything else is a 500 that says the request was not stored.
    static func from(_ error: any Error) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let refused as WritesRefused:
            return refused.problem
        case let refusal as DomainError:
            return Problem(refusal)
        case let early as RequestValidation.ObservationBeforeStart:
            return Problem(status: 422, code: "observation.beforeStart", title: "Observation before the session started",
                           detail: "observedAt \(WireJSON.formatTimestamp(early.observedAt)) is before the session started (\(WireJSON.formatTimestamp(early.startedAt))); an observation from before the start belongs in the start's baseline. Check the station's clock.",
                           field: "observedAt",
                           limits: ["sessionStartedAt": .string(WireJSON.formatTimestamp(early.startedAt))])
        case let error as HTTPParserError:
            // A chunked body with a bad chunk size or framing, or a body that ended before its length: the client's
            // fault, and nothing was read that could be stored.
            return Problem(status: 400, code: "request.malformedBody", title: "Malformed request body",
                           detail: "The request body could not be read (\(error.malformedBodyReason)); send the whole body, with a correct Content-Length or valid chunked encoding.")
        case is NIOTooManyBytesError:
            return Problem(status: 413, code: "request.tooLarge", title: "Request body too large",
                           detail: "The body is over the daemon's limit (64 KiB by default); send a smaller request.")
        case let error as DecodingError:
            return decodingProblem(error)
        case let error as HTTPError:
            let code = error.status.code
            if code == 404 {
                return Problem(status: 404, code: "route.notFound", title: "No such route",
                               detail: "There is no such route; see docs/openapi.yaml for the API.")
            }
            if code == 413 {
                return Problem(status: 413, code: "request.tooLarge", title: "Request body too large",
                               detail: "The body is over the daemon's limit (64 KiB by default); send a smaller request.")
            }
            return Problem(status: code, code: code < 500 ? "request.invalid" : "server.error",
                           title: error.status.reasonPhrase, detail: error.body ?? error.status.reasonPhrase)
        default:
            return Problem(status: 500, code: "server.error", title: "Internal error",
                           detail: "The daemon could not complete the request and stored nothing: \(error). Retry; if it persists, tell the operator.")
        }
    }

    private static func decodingProblem(_ error: DecodingError) -> Problem {
        func field(_ path: [any CodingKey], _ extra: (any CodingKey)? = nil) -> String {
            (path + (extra.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let name = field(context.codingPath, key)
            return Problem(status: 422, code: "request.missingField", title: "Required field missing",
                           detail: "The field '\(name)' is required.", field: name)
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            return Problem(status: 400, code: "request.malformedJSON", title: "Body is not a JSON object",
                           detail: "The body must be a JSON object; see docs/openapi.yaml for its fields.")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let name = field(context.codingPath)
            return Problem(status: 422, code: "request.invalidField", title: "Field has the wrong type",
                           detail: "The field '\(name)' has the wrong type: \(context.debugDescription)", field: name)
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return Problem(status: 400, code: "request.malformedJSON", title: "Malformed JSON",
                               detail: "The body is not valid JSON; send a JSON object with Content-Type: application/json.")
            }
            let name = field(context.codingPath)
            if context.underlyingError is WireJSON.TimestampError {
                return Problem(status: 422, code: "request.timestamp", title: "Invalid time",
                               detail: "The field '\(name)': \(context.debugDescription)", field: name)
            }
            return Problem(status: 422, code: "request.invalidField", title: "Invalid value",
                           detail: "The field '\(name)' has an invalid value: \(context.debugDescription)", field: name)
        @unknown default:
            return Problem(status: 400, code: "request.malformedJSON", title: "Malformed request", detail: "\(error)")
        }
    }
}

extension HTTPParserError {
    /// What went wrong, in words for the problem's detail.
    var malformedBodyReason: String {
        switch self {
        case .invalidEOFState: "it ended before it was complete"
        case .invalidChunkSize: "a chunk size is not a hexadecimal number"
        case .invalidContentLength: "its Content-Length is not valid"
        default: "\(self)"
        }
    }
}
