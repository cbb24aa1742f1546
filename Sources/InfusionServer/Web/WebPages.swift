import Foundation
import HTTPTypes
import Hummingbird
import InfusionCore
import NIOCore

/// The station's pages and their scripts and styles, embedded at build time from `web/` (no files are read at run
/// time). Each page is a static shell; its module fetches everything it shows from the `/v1` API.
enum WebPages {
    /// Page path → the embedded file served for it.
    static let pages: [(path: String, file: String)] = [
        ("/", "board.html"),
        ("/sessions/:id", "session.html"),
        ("/start", "start.html"),
        ("/alerts", "alerts.html"),
        ("/audit", "audit.html"),
    ]

    /// The embedded files by name.
    static let files: [String: String] = Dictionary(uniqueKeysWithValues: EmbeddedWebAssets.files.map { ($0.name, $0.contents) })

    /// The media type of an embedded file, by its extension; nil for a file that is not served.
    static func contentType(_ name: String) -> String? {
        switch (name as NSString).pathExtension {
        case "html": "text/html; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        default: nil
        }
    }

    static func add(to router: Router<InfusionRequestContext>) {
        for page in pages {
            router.get(RouterPath(page.path)) { _, _ in try serve(page.file) }
        }
        router.get("/assets/:name") { _, context in
            let name = context.parameters.get("name") ?? ""
            // Pages are served at their own paths only; assets are the scripts, styles and images.
            guard !name.hasSuffix(".html") else { throw notFound(name) }
            return try serve(name)
        }
    }

    static func serve(_ name: String) throws -> Response {
        guard let contents = files[name], let type = contentType(name) else { throw notFound(name) }
        return Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: contents)))
    }

    static func notFound(_ name: String) -> Problem {
        Problem(status: 404, code: "web.notFound", title: "No such page",
                detail: "There is no page or asset '\(RefusalAudit.bounded(name, limit: 64))'; the board is at /.")
    }
}
