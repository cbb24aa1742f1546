// For auditors: the verification state of the audit trail (chain and latest checkpoint), the most recent records
// with the person, role and route of each, and downloads of the exports.
import { api, el, fill, header, when } from "./common.js";

const main = document.getElementById("main");

async function run() {
  await header("audit");
  const [verification, checkpoint] = await Promise.all([
    api("/v1/audit/verify"), api("/v1/audit/checkpoint").catch((error) => ({ missing: error.message })),
  ]);
  const after = Math.max(0, verification.lastSeq - 100);
  const page = await api(`/v1/audit?after=${after}&limit=100`);
  const records = [...page.records].reverse();
  fill(main,
    el("h1", {}, "Audit"),
    el("section", { "aria-label": "Verification" },
      el("h2", {}, "Verification"),
      el("p", { class: verification.ok ? "accepted" : "refused", "data-verified": String(verification.ok) },
        verification.ok ? `Chain verified: ${verification.recordsChecked} records, last seq ${verification.lastSeq}.`
          : `Chain BROKEN at seq ${verification.firstBadSeq}: ${verification.problem}`),
      el("p", {}, checkpoint.missing ? `No checkpoint: ${checkpoint.missing}`
        : `Latest checkpoint: tree size ${checkpoint.treeSize}, root ${String(checkpoint.rootHash).slice(0, 16)}…, ${checkpoint.reason}, at ${when(checkpoint.createdAt)}.`)),
    el("section", { "aria-label": "Exports" },
      el("h2", {}, "Export"),
      el("p", {}, ["jsonl", "csv", "fhir"].map((format) => [el("a", { class: "button", href: `/v1/audit/export?format=${format}`, download: `audit.${format === "fhir" ? "json" : format}` }, `Download ${format.toUpperCase()}`), " "]))),
    el("section", { "aria-label": "Recent records" },
      el("h2", {}, "Recent records"),
      el("table", { class: "records" },
        el("thead", {}, el("tr", {}, ["Seq", "Time", "Action", "Outcome", "Person", "Role", "Via", "Entity"].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, records.map(({ record: r }) => el("tr", { "data-seq": r.seq, "data-action": r.action },
          el("td", {}, r.seq), el("td", {}, when(r.time)), el("td", {}, r.action), el("td", {}, r.outcome),
          el("td", { class: "person" }, r.actor.person || "–"), el("td", {}, r.actor.role || "–"), el("td", {}, r.actor.via || "socket"),
          el("td", {}, r.entity ? `${r.entity.type}${r.entity.id ? ` ${r.entity.id.slice(0, 8)}` : ""}` : "–")))))));
}

run().catch((error) => fill(main, el("p", { class: "refused", role: "alert" }, `The audit page could not load: ${error.message}`)));
