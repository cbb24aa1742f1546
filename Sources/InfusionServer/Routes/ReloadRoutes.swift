import Foundation
import HTTPTypes
import Hummingbird
import InfusionCore
import Logging

/// `POST /v1/admin/reload`: reloads the drug profiles, as SIGHUP does, and answers how it went.
enum ReloadRoutes {
    static func add(to router: Router<InfusionRequestContext>, state: ServerState) {
        router.post("/v1/admin/reload") { _, context in
            let result = await ProfileReloader.reload(
                state: state, directory: state.profilesDirectory, trigger: "request", actor: await context.actor(person: nil),
                logger: context.logger)
            return try JSONResponse.make(result)
        }
    }
}
