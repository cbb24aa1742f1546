import Foundation
import Hummingbird
import InfusionCore

/// `POST /v1/sessions/preview`: the start checks of `POST /v1/sessions` on the same body, with nothing stored.
enum StartPreviewRoutes {
    static func add(to router: Router<InfusionRequestContext>, state: ServerState) {
        router.post("/v1/sessions/preview") { request, context in
            let body = try await request.decodeJSON(StartSessionRequest.self, limit: state.maxBodyBytes)
            // Text that may not be stored is refused as the start refuses it (422): there is nothing to preview.
            try RequestText.check(body)
            let ruleSet = state.ruleSet
            let preview = StartPreview.run(body, profile: ruleSet.profiles[body.drug], ruleSetHash: ruleSet.hash,
                                           actor: await context.actor(person: body.recordedBy), now: state.clock())
            return try JSONResponse.make(preview)
        }
    }
}
