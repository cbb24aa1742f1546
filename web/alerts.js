// All alerts with filters (state, session) and Acknowledge; live from the alert stream.
import { alertItem, api, el, fill, followAlerts, header, tone } from "./common.js";

const main = document.getElementById("main");
let facts;
const state = el("select", { id: "f-state", name: "state" }, ["", "active", "acknowledged", "resolved"].map((s) => el("option", { value: s }, s || "open (active and acknowledged)")));
const session = el("input", { id: "f-session", name: "session", type: "text", placeholder: "session id" });
const list = el("section", { "aria-label": "Alerts" });

async function load() {
  const query = new URLSearchParams();
  if (state.value) query.set("state", state.value);
  if (session.value.trim()) query.set("session", session.value.trim());
  try {
    // Listed in the daemon's order (highest priority first, then newest): the page never reorders.
    const { alerts } = await api(`/v1/alerts${query.size ? `?${query}` : ""}`);
    fill(list, alerts.length
      ? el("ul", { class: "alerts wide" }, alerts.map((a) => alertItem(a, facts, { onAcknowledged: load,
        showSession: el("a", { href: `/sessions/${a.sessionId}` }, "session") })))
      : el("p", { class: "quiet" }, "No alerts match."));
  } catch (error) {
    fill(list, el("p", { class: "refused", role: "alert" }, error.message));
  }
}

async function run() {
  facts = await header("alerts");
  state.addEventListener("change", load);
  session.addEventListener("change", load);
  fill(main, el("h1", {}, "Alerts"),
    el("form", { class: "filters", "aria-label": "Filters" },
      el("label", { for: "f-state" }, "State "), state, " ", el("label", { for: "f-session" }, "Session "), session),
    list);
  await load();
  followAlerts({
    heartbeatSeconds: facts.heartbeatSeconds,
    onEvent: (kind, data) => {
      if (kind === "alert.raised" || kind === "alert.escalated") tone(data?.alert?.priority);
      load();
    },
  });
}

run().catch((error) => fill(main, el("p", { class: "refused", role: "alert" }, error.message)));
