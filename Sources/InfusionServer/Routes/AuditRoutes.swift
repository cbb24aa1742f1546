import Foundation
import HTTPTypes
import Hummingbird
import InfusionCore
import InfusionStore
import Logging
import NIOCore

/// The audit trail: records, verification, signed checkpoints, the public key, Merkle proofs and exports.
enum AuditRoutes {
    static func add(to router: Router<InfusionRequestContext>, state: ServerState) {
        router.get("/v1/audit") { request, context in
            let afterText = request.uri.queryParameters.get("after") ?? "0"
            guard let after = Int64(afterText), after >= 0 else { throw Problem.badQuery("after", afterText, allowed: "a seq ≥ 0") }
            let limitText = request.uri.queryParameters.get("limit") ?? "100"
            guard let limit = Int(limitText), (1...1000).contains(limit) else {
                throw Problem.badQuery("limit", limitText, allowed: "1…1000")
            }
            let page = try await state.store.auditPage(after: after, limit: limit)
            try await ReadAudit.record("audit.read", request: request, context: context, state: state, entity: AuditEntity(type: "audit"), detail: [
                "after": .number(Double(after)), "records": .number(Double(page.records.count)),
                "firstSeq": page.records.first.map { .number(Double($0.record.seq)) } ?? .null,
                "lastSeq": page.records.last.map { .number(Double($0.record.seq)) } ?? .null,
            ])
            return try JSONResponse.make(page)
        }

        router.get("/v1/audit/verify") { _, _ in
            try JSONResponse.make(try await state.store.verifyAudit(trustedKey: state.auditSigner?.verifier))
        }

        router.get("/v1/audit/checkpoint") { _, _ in
            guard let checkpoint = try await state.store.latestCheckpoint() else {
                throw Problem(status: 404, code: "audit.noCheckpoint", title: "No checkpoint yet",
                              detail: "The daemon has not signed a checkpoint yet; it makes one at start, so try again in a moment.")
            }
            return try JSONResponse.make(checkpoint)
        }

        router.get("/v1/audit/public-key") { _, _ in
            let signer = try signer(state)
            return try JSONResponse.make(AuditPublicKey(verifierKey: signer.verifier.verifierKey, origin: signer.name))
        }

        router.get("/v1/audit/proof/consistency") { request, _ in
            let from = try seqParameter(request, "from")
            let to: Int64
            if request.uri.queryParameters.get("to") == nil {
                to = try await state.store.latestCheckpoint()?.treeSize ?? 0
            } else {
                to = try seqParameter(request, "to")
            }
            return try JSONResponse.make(try await state.store.consistencyProof(size1: from, size2: to))
        }

        router.get("/v1/audit/proof/inclusion") { request, _ in
            let seq = try seqParameter(request, "seq")
            let size = try seqParameter(request, "size")
            return try JSONResponse.make(try await state.store.inclusionProof(seq: seq, treeSize: size))
        }

        router.get("/v1/audit/export") { request, context in
            let signer = try signer(state)
            let formatText = request.uri.queryParameters.get("format") ?? "jsonl"
            guard let format = AuditExportFormat(rawValue: String(formatText)) else {
                throw Problem.badQuery("format", String(formatText), allowed: "jsonl, csv or fhir")
            }
            let from = try bound(request, "from")
            let to = try bound(request, "to")
            let now = state.clock()
            let actor = await context.actor(person: try ReadAudit.person(request))
            let plan = try await state.store.beginExport(format: format, from: from, to: to, actor: actor, signer: signer, now: now)
            context.logger.notice("audit export", metadata: [
                "infusion.audit.format": "\(format.rawValue)", "infusion.audit.from": "\(plan.fromSeq)", "infusion.audit.to": "\(plan.toSeq)",
            ])
            var headers: HTTPFields = [.contentType: format.contentType]
            headers[HTTPField.Name("Infusiond-Audit-From")!] = String(plan.fromSeq)
            headers[HTTPField.Name("Infusiond-Audit-To")!] = String(plan.toSeq)
            headers[HTTPField.Name("Infusiond-Audit-Count")!] = String(plan.count)
            headers[HTTPField.Name("Infusiond-Audit-Checkpoint")!] = Data(plan.checkpoint.note.utf8).base64EncodedString()
            if plan.fromSeq > 1 {
                headers[HTTPField.Name("Infusiond-Audit-Prefix")!] = Data(plan.prefixText.utf8).base64EncodedString()
            }
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                try await state.store.streamExport(plan, format: format, origin: signer.name, exportedAt: now) { chunk in
                    try await writer.write(ByteBuffer(bytes: chunk))
                }
                try await writer.finish(nil)
            })
        }
    }

    private static func signer(_ state: ServerState) throws -> NoteSigner {
        guard let signer = state.auditSigner else {
            throw Problem(status: 503, code: "audit.noSigningKey", title: "No checkpoint signing key",
                          detail: "This daemon was started without an audit signing key, so it cannot sign checkpoints; start infusiond normally (it creates the key in its state directory).")
        }
        return signer
    }

    private static func seqParameter(_ request: Request, _ name: String) throws -> Int64 {
        let text = request.uri.queryParameters.get(name) ?? ""
        guard let value = Int64(text), value >= 1 else { throw Problem.badQuery(name, text, allowed: "a seq or tree size ≥ 1") }
        return value
    }

    private static func bound(_ request: Request, _ name: String) throws -> AuditBound? {
        guard let text = request.uri.queryParameters.get(name), !text.isEmpty else { return nil }
        guard let bound = AuditBound(parsing: text) else {
            throw Problem.badQuery(name, text, allowed: "a seq (1, 2, …) or an RFC 3339 time such as 2026-11-24T08:00:00Z")
        }
        return bound
    }
}
