import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /metrics`: the Prometheus text exposition format.
enum MetricsRoutes {
    static func add(to router: Router<InfusionRequestContext>, state: ServerState) {
        router.get("/metrics") { _, _ in
            let text = await state.metrics.render(store: state.store)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
