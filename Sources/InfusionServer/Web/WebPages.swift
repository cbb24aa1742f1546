import Foundation
import HTTPTypes
import Hummingbird
import InfusionCore
import NIOCore

/// The station's pages and their scripts and styles, embedded at build time from `web/` (no files are read at run
/// time). Every page is the one shell `page.html` with its title and module put in once, at start; its module
/// fetches everything it shows from the `/v1` API.
enum WebPages {
    /// Page path → the page's module (`<name>.js`) and title.
    static let pages: [(path: String, name: String, title: String)] = [
        ("/", "board", "Ward board"),
        ("/sessions/:id", "session", "Session"),
        ("/start", "start", "Start session"),
        ("/alerts", "alerts", "Alerts"),
        ("/audit", "audit", "Audit"),
    ]

    /// Each page's HTML by name: the shell with its `{{page}}` and `{{title}}` filled in (constants, no user text).
    static let rendered: [String: String] = Dictionary(uniqueKeysWithValues: pages.map { page in
        (page.name, (files["page.html"] ?? "").replacingOccurrences(of: "{{page}}", with: page.name)
            .replacingOccurrences(of: "{{title}}", with: page.title))
    })

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
            let html = rendered[page.name] ?? ""
            router.get(RouterPath(page.path)) { _, _ in
                Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
            }
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
