// The ward board: one tile per open session in the daemon's order (GET /v1/board, worst first), live from the
// alert stream. Every figure, limit and the order are the daemon's; this page only lays them out.
import { alertItem, api, duration, el, fill, followAlerts, header, marker, priorityBadge, qty, svg, tone, when } from "./common.js";

const main = document.getElementById("main");
let facts;
let board = null;
let fetchedAt = 0;
let reloading = null;
let again = false;

async function load() {
  // One fetch at a time; events during it ask for one more.
  if (reloading) { again = true; return reloading; }
  reloading = (async () => {
    do {
      again = false;
      try {
        board = await api("/v1/board");
        fetchedAt = Date.now();
        render();
      } catch (error) {
        fill(main, el("p", { class: "refused", role: "alert" }, `The board could not be read: ${error.message}`));
      }
    } while (again);
    reloading = null;
  })();
  return reloading;
}

/** The server's time now: its `asOf` plus the time since it was fetched (countdowns run from the daemon's clock). */
function serverNow() {
  return new Date(board.asOf).getTime() + (Date.now() - fetchedAt);
}

function counts() {
  const active = board.activeByPriority;
  return el("section", { class: "counts", "aria-label": "Active alerts by priority" },
    ["high", "medium", "low"].map((p) => el("span", { class: `count p-${p}`, "data-priority": p, "data-count": active[p] || 0 },
      `${marker(p)} ${p.toUpperCase()} ${active[p] || 0}`)),
    el("span", { class: "count acked", "data-count": board.acknowledged }, `Acknowledged ${board.acknowledged}`),
    el("span", { class: "count" }, `Open sessions ${board.tiles.length}`));
}

/** A horizontal bar of `value` against `limit` drawn in SVG (no inline styles). */
function bar(value, limit, label) {
  const width = 200;
  const fraction = limit ? Math.min(1, Math.max(0, value / limit)) : 0;
  return svg("svg", { class: "bar", viewBox: `0 0 ${width} 10`, width: "100%", height: "10", role: "img", "aria-label": label },
    svg("rect", { x: 0, y: 0, width, height: 10, class: "bar-track" }),
    svg("rect", { x: 0, y: 0, width: Math.round(width * fraction), height: 10, class: "bar-fill" }));
}

function due(detail) {
  const schedule = detail.schedule;
  if (!schedule?.nextDueAt) return el("span", { class: "due none" }, "no further observation due");
  const seconds = (new Date(schedule.nextDueAt).getTime() - serverNow()) / 1000;
  const overdue = seconds < 0;
  return el("span", { class: `due${overdue ? " overdue" : ""}`, "data-due": schedule.nextDueAt },
    overdue ? `OVERDUE by ${duration(-seconds)}` : `due in ${duration(seconds)}`);
}

function tile(t) {
  const d = t.detail;
  const s = d.session;
  const cap = t.limits.doseCapMg;
  const p = d.prediction;
  const levels = t.limits.predictedLevel || [];
  const firstLine = levels[0];
  return el("article", {
    class: `tile${t.worstPriority ? ` p-${t.worstPriority}` : ""}${t.overdue ? " is-overdue" : ""}`,
    "data-session-id": s.id, "data-priority": t.worstPriority || "none", "data-state": s.state,
  },
  el("h2", {}, el("a", { href: `/sessions/${s.id}` }, t.patientLabel), " ",
    el("span", { class: "drug" }, s.drug), " ", el("span", { class: `state st-${s.state}` }, s.state.toUpperCase())),
  el("dl", { class: "figures" },
    el("dt", {}, "Rate"),
    el("dd", {}, s.infusion ? `${qty(s.infusion.rateMgPerKgPerHour, "mg/kg/h")} = ${qty(s.doses.infusionMgPerHour, "mg/h")}` : "no infusion",
      d.delivered ? el("span", { class: "sub" }, ` now ${qty(d.delivered.currentRateMgPerHour, "mg/h")}`) : null),
    el("dt", {}, "Dose so far"),
    el("dd", {}, d.delivered ? `${qty(d.delivered.mg, "mg")} (${qty(d.delivered.mgPerKg, "mg/kg")})` : "–",
      cap ? ` of ${qty(cap.value, "mg")} cap (${cap.ruleId} ${cap.action})` : "",
      cap && d.delivered ? bar(d.delivered.mg, cap.value, `dose ${d.delivered.mg} of ${cap.value} mg`) : null),
    el("dt", {}, "Predicted level"),
    el("dd", {}, p ? `${qty(p.concentrationUgPerMl, "µg/mL", 3)} (×${p.bandFactor} band ${qty(p.upperBandUgPerMl, "µg/mL", 3)})` : "–",
      firstLine ? ` vs ${levels.map((l) => `${qty(l.value, "µg/mL")} ${l.ruleId} ${l.action}`).join(", ")}` : "",
      p && firstLine ? bar(p.upperBandUgPerMl, levels[levels.length - 1].value, `predicted upper band ${p.upperBandUgPerMl} against ${levels[levels.length - 1].value} µg/mL`) : null),
    el("dt", {}, "Next observation"),
    el("dd", {}, due(d)),
    el("dt", {}, "Last observation"),
    el("dd", {}, d.lastObservation ? `${when(d.lastObservation.occurredAt)} by ${d.lastObservation.recordedBy}` : "none yet"),
    s.pumpConfirmedStoppedAt ? [el("dt", {}, "Pump"), el("dd", {}, `stopped, confirmed ${when(s.pumpConfirmedStoppedAt)}`)] : null),
  d.openAlerts.length
    ? el("ul", { class: "alerts", "aria-label": "Alerts" }, d.openAlerts.map((a) => alertItem(a, facts, { onAcknowledged: load })))
    : el("p", { class: "quiet" }, "No open alerts"),
  el("p", { class: "links" }, el("a", { href: `/sessions/${s.id}#observe` }, "Record observation")));
}

function render() {
  // Keep what the person is typing: a re-render during an ack note would lose it.
  const active = document.activeElement;
  if (active && active.name === "note" && active.value && main.contains(active)) { again = false; return; }
  fill(main,
    el("h1", {}, "Ward board"),
    counts(),
    board.tiles.length
      ? el("section", { class: "tiles", "aria-label": "Open sessions, worst first" }, board.tiles.map(tile))
      : el("p", { class: "quiet" }, "No open sessions."));
}

async function main_() {
  facts = await header("board");
  await load();
  followAlerts({
    heartbeatSeconds: facts.heartbeatSeconds,
    onEvent: (kind, data) => {
      if (kind === "alert.raised" || kind === "alert.escalated") tone(data?.alert?.priority);
      if (kind === "system") tone("high");
      load();
    },
    onState: (state) => { if (state === "live") load(); },
  });
  // Countdowns move between events; the figures themselves are re-read from the daemon every 30 s.
  setInterval(() => { if (board) for (const node of main.querySelectorAll(".due[data-due]")) refreshDue(node); }, 1000);
  setInterval(load, 30000);
}

function refreshDue(node) {
  const seconds = (new Date(node.dataset.due).getTime() - serverNow()) / 1000;
  node.textContent = seconds < 0 ? `OVERDUE by ${duration(-seconds)}` : `due in ${duration(seconds)}`;
  node.classList.toggle("overdue", seconds < 0);
}

main_().catch((error) => fill(main, el("p", { class: "refused", role: "alert" }, `The station could not start: ${error.message}`)));
