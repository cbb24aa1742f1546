// A session's page: what `infusionctl sessions show` shows, trend charts (the recorded vitals, and the daemon's
// predicted plasma level with its band and limit lines and delivered dose against the cap), the event and
// decision timeline, its alerts with Acknowledge, the observation form (station) and the session actions
// (clinician; pumpStopped also for stations). The page sends what the person entered; the daemon decides.
import { alertItem, api, el, fill, followAlerts, header, holds, outcome, priorityBadge, qty, svg, tone, when } from "./common.js";

const main = document.getElementById("main");
const sessionId = decodeURIComponent(location.pathname.split("/")[2] || "");
let facts;

const vitalFields = [
  ["heartRateBpm", "Heart rate", "bpm", 20, 250],
  ["systolicMmHg", "Systolic BP", "mmHg", 40, 300],
  ["diastolicMmHg", "Diastolic BP", "mmHg", 20, 200],
  ["spo2Percent", "SpO2", "%", 50, 100],
  ["respiratoryRatePerMin", "Respiratory rate", "/min", 0, 80],
  ["qrsMs", "QRS", "ms", 40, 400],
  ["prMs", "PR", "ms", 40, 600],
];
const rhythms = ["sinus", "sinusBradycardia", "sinusTachycardia", "atrialFibrillation", "avBlock1", "avBlock2", "avBlock3",
  "ventricularEctopy", "ventricularTachycardia", "ventricularFibrillation", "asystole", "pea"];

function summary(detail) {
  const s = detail.session;
  const rows = [
    ["Patient", s.patientId], ["Drug", s.drug], ["State", s.state.toUpperCase()],
    ["Weight", [qty(s.weightKg, "kg"), s.heightCm ? qty(s.heightCm, "cm") : null, s.sex].filter(Boolean).join(", ")],
    ["Dosing weight", `${s.dosingWeight}, ${qty(s.dosingWeightKg, "kg")}`],
    ["Bolus", s.bolus ? `${qty(s.bolus.doseMgPerKg, "mg/kg")} over ${qty(s.bolus.durationMin, "min")} = ${qty(s.doses.bolusMg, "mg")}` : "none"],
    ["Infusion", s.infusion ? `${qty(s.infusion.rateMgPerKgPerHour, "mg/kg/h")} = ${qty(s.doses.infusionMgPerHour, "mg/h")}` : "none"],
    ["Prescriber", s.prescriber], ["Started", `by ${s.startedBy} at ${when(s.startedAt)}`],
    ["Pump stopped", s.pumpConfirmedStoppedAt ? `confirmed at ${when(s.pumpConfirmedStoppedAt)}` : "not confirmed"],
    ["Last observation", detail.lastObservation ? `${when(detail.lastObservation.occurredAt)} by ${detail.lastObservation.recordedBy}` : "none yet"],
  ];
  rows.push(["Monitor", monitorText(s.binding)]);
  if (s.override) rows.push(["Override", `by ${s.override.by}: ${s.override.reason}`]);
  if (s.endedAt) rows.push(["Ended", when(s.endedAt)]);
  if (s.closedAt) rows.push(["Closed", when(s.closedAt)]);
  const sc = detail.schedule;
  if (sc) rows.push(["Next observation", sc.nextDueAt ? `${when(sc.nextDueAt)} (${sc.phase}${sc.overdueSeconds ? `, OVERDUE ${Math.round(sc.overdueSeconds / 60)} min` : ""})` : `none due (${sc.phase})`]);
  const d = detail.delivered;
  if (d) rows.push(["Dose so far", `${qty(d.mg, "mg")} (${qty(d.mgPerKg, "mg/kg")}), now ${qty(d.currentRateMgPerHour, "mg/h")}`]);
  const p = detail.prediction;
  if (p) rows.push(["Predicted level", `${qty(p.concentrationUgPerMl, "µg/mL", 3)}, upper band ×${p.bandFactor} ${qty(p.upperBandUgPerMl, "µg/mL", 3)}${p.steadyStateUgPerMl != null ? `; steady state ${qty(p.steadyStateUgPerMl, "µg/mL", 3)} (band ${qty(p.steadyStateUpperBandUgPerMl, "µg/mL", 3)})` : ""} — ${p.model}`]);
  return el("dl", { class: "summary" }, rows.map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
}

/** The trend of the recorded vitals over the session, one polyline per series, drawn here from the events. */
function chart(events) {
  const series = [
    ["heartRateBpm", "Heart rate (bpm)", "#d62728"], ["systolicMmHg", "Systolic (mmHg)", "#1f77b4"],
    ["diastolicMmHg", "Diastolic (mmHg)", "#6baed6"], ["spo2Percent", "SpO2 (%)", "#2ca02c"],
    ["respiratoryRatePerMin", "Resp. rate (/min)", "#9467bd"],
  ];
  const points = [];
  for (const e of events) {
    const vitals = e.kind === "start" ? e.body?.baseline : e.kind === "observation" ? e.body?.vitals : null;
    if (vitals) points.push([new Date(e.occurredAt).getTime(), vitals]);
  }
  if (points.length === 0) return el("p", { class: "quiet" }, "No vitals recorded yet.");
  const W = 720, H = 220, L = 40, R = 10, T = 10, B = 24;
  const t0 = points[0][0], t1 = Math.max(points[points.length - 1][0], t0 + 60000);
  const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const y = (v) => T + (1 - v / 200) * (H - T - B);
  const grid = [0, 50, 100, 150, 200].map((v) => [
    svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#ccc", "stroke-width": 1 }),
    svg("text", { x: L - 4, y: y(v) + 4, "text-anchor": "end", "font-size": 10, fill: "#555", text: v }),
  ]);
  const lines = series.map(([key, , colour]) => {
    const pts = points.filter(([, v]) => typeof v[key] === "number").map(([t, v]) => `${x(t).toFixed(1)},${y(Math.min(200, v[key])).toFixed(1)}`);
    return pts.length ? svg("polyline", { points: pts.join(" "), fill: "none", stroke: colour, "stroke-width": 2 }) : null;
  });
  const dots = series.map(([key, , colour]) => points.filter(([, v]) => typeof v[key] === "number")
    .map(([t, v]) => svg("circle", { cx: x(t).toFixed(1), cy: y(Math.min(200, v[key])).toFixed(1), r: 3, fill: colour })));
  const axis = [t0, t1].map((t, i) => svg("text", { x: x(t), y: H - 6, "font-size": 10, fill: "#555", "text-anchor": i ? "end" : "start", text: new Date(t).toLocaleTimeString() }));
  return el("figure", { class: "chart" },
    svg("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img", "aria-label": "Trend of recorded vital signs" }, grid, lines, dots, axis),
    el("figcaption", {}, series.map(([, label, colour]) => el("span", { class: "legend" },
      svg("svg", { width: 12, height: 12, "aria-hidden": "true" }, svg("rect", { width: 12, height: 12, fill: colour })), ` ${label} `))));
}

/** A time axis and value axis for one figure: `x(t)` and `y(v)` map onto the drawing area. */
function frame(t0, t1, top, W = 720, H = 180, L = 48, R = 10, T = 10, B = 24) {
  const span = Math.max(t1 - t0, 60000);
  const x = (t) => L + ((t - t0) / span) * (W - L - R);
  const y = (v) => T + (1 - v / top) * (H - T - B);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => top * f);
  const grid = ticks.map((v) => [
    svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#e3e3e3", "stroke-width": 1 }),
    svg("text", { x: L - 4, y: y(v) + 4, "text-anchor": "end", "font-size": 10, fill: "#555", text: qty(v, null, top < 10 ? 2 : 1) }),
  ]);
  const axis = [t0, t0 + span].map((t, i) => svg("text", { x: x(t), y: H - 6, "font-size": 10, fill: "#555", "text-anchor": i ? "end" : "start", text: new Date(t).toLocaleTimeString() }));
  return { x, y, W, H, L, R, grid, axis };
}

/** A polyline through [time, value] pairs. */
function polyline(f, pairs, attrs) {
  return pairs.length ? svg("polyline", { points: pairs.map(([t, v]) => `${f.x(t).toFixed(1)},${f.y(v).toFixed(1)}`).join(" "), fill: "none", ...attrs }) : null;
}

/** A horizontal limit line from the daemon (value, rule, action) with its words beside it. */
function limitLine(f, line, unit, colour) {
  const y = f.y(line.value);
  return svg("g", { "data-limit-line": line.value, "data-rule": line.ruleId, "data-action": line.action },
    svg("line", { x1: f.L, x2: f.W - f.R, y1: y, y2: y, stroke: colour, "stroke-width": 1.5, "stroke-dasharray": "6 4" }),
    svg("text", { x: f.W - f.R - 2, y: y - 3, "text-anchor": "end", "font-size": 10, fill: colour, text: `${qty(line.value, unit)} ${line.ruleId} → ${line.action}` }));
}

function legend(entries) {
  return el("figcaption", {}, entries.map(([label, colour]) => el("span", { class: "legend" },
    svg("svg", { width: 12, height: 12, "aria-hidden": "true" }, svg("rect", { width: 12, height: 12, fill: colour })), ` ${label} `)));
}

/**
 * The predicted plasma level with its band (prediction to prediction × band factor) and the profile's level lines,
 * and the delivered dose with the session's cap: every figure and line from GET /v1/sessions/{id}/series. The scale
 * reaches the lowest line so that the nearest limit is always in view; lines beyond the scale are named below.
 */
function seriesCharts(trend) {
  const { series, limits } = trend;
  const points = series.points.map((p) => ({ ...p, t: new Date(p.at).getTime() }));
  const t0 = new Date(series.from).getTime(), t1 = new Date(series.to).getTime();
  const figures = [];

  const predicted = points.filter((p) => typeof p.predictedUgPerMl === "number");
  if (predicted.length) {
    const lines = limits.predictedLevel;
    const top = Math.max(...predicted.map((p) => p.upperBandUgPerMl), lines.length ? lines[0].value : 0) * 1.15 || 1;
    const f = frame(t0, t1, top);
    // The band's outline: along the upper band, then back along the prediction.
    const band = svg("polygon", {
      "data-series": "band", fill: "#c6dbef", stroke: "none",
      points: [...predicted.map((p) => [p.t, p.upperBandUgPerMl]), ...predicted.map((_, i) => predicted[predicted.length - 1 - i]).map((p) => [p.t, p.predictedUgPerMl])]
        .map(([t, v]) => `${f.x(t).toFixed(1)},${f.y(v).toFixed(1)}`).join(" "),
    });
    const shown = lines.filter((l) => l.value <= top);
    const beyond = lines.filter((l) => l.value > top);
    figures.push(el("figure", { class: "chart", "data-chart": "level" },
      svg("svg", { viewBox: `0 0 ${f.W} ${f.H}`, width: "100%", role: "img", "aria-label": `Predicted plasma level with its ×${series.bandFactor} band and the limit lines` },
        f.grid, band,
        polyline(f, predicted.map((p) => [p.t, p.upperBandUgPerMl]), { "data-series": "upperBand", stroke: "#6baed6", "stroke-width": 1.5 }),
        polyline(f, predicted.map((p) => [p.t, p.predictedUgPerMl]), { "data-series": "predicted", stroke: "#08519c", "stroke-width": 2 }),
        shown.map((l) => limitLine(f, l, "µg/mL", l.priority === "high" ? "#b10000" : "#b36b00")), f.axis),
      legend([["Predicted level (µg/mL)", "#08519c"], [`Upper band ×${series.bandFactor}`, "#6baed6"], ["Limit lines (profile)", "#b36b00"]]),
      el("p", { class: "quiet" }, `${series.model || ""}${beyond.length ? ` — also ${beyond.map((l) => `${qty(l.value, "µg/mL")} ${l.ruleId} → ${l.action}`).join(", ")} (above the scale)` : ""}`)));
  }

  if (points.length) {
    const cap = limits.doseCapMg;
    const top = Math.max(...points.map((p) => p.deliveredMg), 1) * 1.15;
    const f = frame(t0, t1, cap && cap.value <= top * 1.5 ? Math.max(top, cap.value * 1.05) : top);
    figures.push(el("figure", { class: "chart", "data-chart": "dose" },
      svg("svg", { viewBox: `0 0 ${f.W} ${f.H}`, width: "100%", role: "img", "aria-label": "Delivered dose over time against the session's cap" },
        f.grid,
        polyline(f, points.map((p) => [p.t, p.deliveredMg]), { "data-series": "delivered", stroke: "#2ca02c", "stroke-width": 2 }),
        cap && f.y(cap.value) >= 0 ? limitLine(f, cap, "mg", "#b10000") : null, f.axis),
      legend([["Delivered (mg)", "#2ca02c"]]),
      el("p", { class: "quiet", "data-dose-cap": cap ? cap.value : "" },
        `${qty(points[points.length - 1].deliveredMg, "mg")} delivered, now ${qty(points[points.length - 1].rateMgPerHour, "mg/h")}`,
        cap ? ` — cap ${qty(cap.value, "mg")} (${cap.ruleId} → ${cap.action})` : " — no cap in the profile")));
  }
  return figures;
}

function timeline(events) {
  const byEvent = new Map();
  for (const d of events.decisions) {
    if (!byEvent.has(d.eventId)) byEvent.set(d.eventId, []);
    byEvent.get(d.eventId).push(d);
  }
  // In the daemon's order (the event log, oldest first).
  return el("ol", { class: "timeline" },
    events.events.map((e) => el("li", { "data-event-id": e.id, "data-kind": e.kind },
      el("span", { class: "time" }, when(e.occurredAt)), " ", el("strong", {}, e.kind === "action" ? `action: ${e.body?.action}` : e.kind),
      ` by ${e.recordedBy}`, e.body?.reason ? ` — ${e.body.reason}` : "",
      e.body?.symptoms?.length ? ` — symptoms: ${e.body.symptoms.join(", ")}` : "",
      (byEvent.get(e.id) || []).length
        ? el("ul", { class: "decisions" }, byEvent.get(e.id).map((sd) => decisionItem(sd.decision)))
        : null)));
}

function decisionItem(decision) {
  return el("li", { class: `decision p-${decision.priority}`, "data-rule": decision.ruleId, "data-action": decision.action },
    priorityBadge(decision.priority), ` ${decision.ruleId} → ${decision.action}: ${decision.reason}`,
    // The daemon's guidance, e.g. the patient's lipid emulsion doses in mL and mL/min, shown as it computed them.
    decision.guidance ? el("p", { class: "guidance", "data-guidance": decision.ruleId }, el("strong", {}, "Guidance: "), decision.guidance) : null);
}

function labelled(name, text, input, unit) {
  const id = `f-${name.replace(/\W/g, "-")}`;
  input.id = id;
  return el("div", { class: "field" }, el("label", { for: id }, text), input, unit ? el("span", { class: "unit" }, unit) : null);
}

function observationForm(detail) {
  const form = el("form", { id: "observe", class: "observe", "aria-label": "Record observation", novalidate: true });
  const result = el("div", { class: "result", "aria-live": "polite" });
  const vitals = el("fieldset", {}, el("legend", {}, "Vital signs"),
    vitalFields.map(([name, text, unit, min, max]) => labelled(name, text,
      el("input", { type: "number", name, inputmode: "decimal", step: "any", min, max }), unit)),
    labelled("rhythm", "Rhythm", el("select", { name: "rhythm" }, el("option", { value: "" }, "—"), rhythms.map((r) => el("option", { value: r }, r)))));
  const symptoms = el("fieldset", { class: "symptoms" }, el("legend", {}, "Symptoms"),
    facts.symptomStages.map((stage) => el("fieldset", { class: "stage" }, el("legend", {}, stage.title),
      stage.symptoms.map((c) => el("label", { class: "check" }, el("input", { type: "checkbox", name: "symptoms", value: c.value }), ` ${c.label}`)))));
  const scale = el("select", { name: "sedation.scale" }, el("option", { value: "POSS" }, "POSS"), el("option", { value: "RASS" }, "RASS"));
  const value = el("select", { name: "sedation.value" });
  const fillValues = () => fill(value, el("option", { value: "" }, "— not assessed"), facts.sedation[scale.value].map((c) => el("option", { value: c.value }, c.label)));
  scale.addEventListener("change", fillValues);
  fillValues();
  const other = el("fieldset", {}, el("legend", {}, "Sedation, pain, serum level"),
    labelled("sedation.scale", "Sedation scale", scale), labelled("sedation.value", "Sedation score", value),
    labelled("painNrs", "Pain score (NRS 0–10)", el("input", { type: "number", name: "painNrs", min: 0, max: 10, step: 1 })),
    labelled("serumLevelUgPerMl", "Serum level (optional)", el("input", { type: "number", name: "serumLevelUgPerMl", step: "any", min: 0 }), "µg/mL"));
  // Made once per form, so that resending after a timeout is the same observation (the daemon answers it again).
  let eventId = crypto.randomUUID();
  const submit = el("button", { type: "submit" }, "Record observation");
  form.append(el("h2", {}, "Record observation"), vitals, symptoms, other, submit, result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { eventId, observedAt: new Date().toISOString() };
    const v = {};
    for (const [name] of vitalFields) if (data.get(name)) v[name] = Number(data.get(name));
    if (data.get("rhythm")) v.rhythm = data.get("rhythm");
    if (Object.keys(v).length) body.vitals = v;
    const chosen = data.getAll("symptoms");
    if (chosen.length) body.symptoms = chosen;
    if (data.get("sedation.value")) body.sedation = { scale: data.get("sedation.scale"), value: data.get("sedation.value") };
    if (data.get("painNrs")) body.painNrs = Number(data.get("painNrs"));
    if (data.get("serumLevelUgPerMl")) body.serumLevelUgPerMl = Number(data.get("serumLevelUgPerMl"));
    submit.disabled = true;
    try {
      const answer = await api(`/v1/sessions/${sessionId}/observations`, { method: "POST", body });
      eventId = crypto.randomUUID();
      form.reset();
      fillValues();
      fill(result, el("div", { class: "decided", role: "status", "data-state": answer.session.state },
        el("p", {}, el("strong", {}, "Recorded. "), `Session is ${answer.session.state.toUpperCase()}.`),
        answer.decisions.length
          ? el("ul", { class: "decisions" }, answer.decisions.map(decisionItem))
          : el("p", {}, "No rule fired: continue and observe as scheduled.")));
      refresh();
    } catch (error) {
      outcome(result, error);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

const actionLabels = { pause: "Pause", resume: "Resume", stop: "Stop", pumpStopped: "Pump stopped", rateChange: "Change rate", bolus: "Give bolus", end: "End", close: "Close" };

function actionsPanel(detail) {
  const allowed = Object.entries(facts.actions).filter(([, roles]) => holds(facts, ...roles)).map(([a]) => a);
  if (!allowed.length) return null;
  const result = el("div", { class: "result", "aria-live": "polite" });
  const reason = el("input", { type: "text", name: "reason", maxlength: 500 });
  const rate = el("input", { type: "number", name: "infusion.rateMgPerKgPerHour", step: "any", min: 0 });
  const bolusDose = el("input", { type: "number", name: "bolus.doseMgPerKg", step: "any", min: 0 });
  const bolusMin = el("input", { type: "number", name: "bolus.durationMin", step: "any", min: 0 });
  const overrideReason = el("input", { type: "text", name: "override.reason", maxlength: 500 });
  const order = ["pause", "resume", "stop", "pumpStopped", "rateChange", "bolus", "end", "close"].filter((a) => allowed.includes(a));
  const buttons = order.map((action) => {
    const button = el("button", { type: "button", "data-action": action }, actionLabels[action]);
    button.addEventListener("click", async () => {
      const body = { action, eventId: crypto.randomUUID() };
      if (reason.value.trim()) body.reason = reason.value.trim();
      if (action === "rateChange" && rate.value) body.infusion = { rateMgPerKgPerHour: Number(rate.value) };
      if (action === "bolus" && bolusDose.value) body.bolus = { doseMgPerKg: Number(bolusDose.value), durationMin: Number(bolusMin.value) };
      if ((action === "rateChange" || action === "bolus") && overrideReason.value.trim()) body.override = { reason: overrideReason.value.trim() };
      button.disabled = true;
      try {
        const answer = await api(`/v1/sessions/${sessionId}/actions`, { method: "POST", body });
        fill(result, el("div", { class: "decided", role: "status" },
          el("p", {}, el("strong", {}, `${actionLabels[action]}: accepted. `), `Session is ${answer.session.state.toUpperCase()}.`),
          answer.decisions.length ? el("ul", { class: "decisions" }, answer.decisions.map(decisionItem)) : null));
        reason.value = "";
        refresh();
      } catch (error) {
        outcome(result, error);
      } finally {
        button.disabled = false;
      }
    });
    return button;
  });
  const clinical = holds(facts, "clinician");
  return el("section", { class: "actions", "aria-label": "Session actions" },
    el("h2", {}, "Actions"),
    labelled("reason", "Reason", reason),
    clinical ? el("div", { class: "row" }, labelled("infusion.rateMgPerKgPerHour", "New rate", rate, "mg/kg/h"),
      labelled("bolus.doseMgPerKg", "Bolus dose", bolusDose, "mg/kg"), labelled("bolus.durationMin", "over", bolusMin, "min"),
      labelled("override.reason", "Override reason (soft limit)", overrideReason)) : null,
    el("div", { class: "buttons" }, buttons), result);
}

function monitorText(binding) {
  if (!binding) return "not bound: monitor messages reach this session by the patient id only";
  return [binding.bed ? `bed ${binding.bed}` : null, binding.devices?.length ? `devices ${binding.devices.join(", ")}` : null]
    .filter(Boolean).join("; ");
}

// Binds the bedside monitor (bed as PV1-3, devices as OBX-18) with the bind action; the daemon checks and decides.
function monitorPanel(detail) {
  const allowed = (facts.actions.bind ?? []).length && holds(facts, ...facts.actions.bind);
  if (!allowed || detail.session.state === "closed") return null;
  const result = el("div", { class: "result", "aria-live": "polite" });
  const bed = el("input", { type: "text", name: "binding.bed", maxlength: 128, value: detail.session.binding?.bed ?? "" });
  const devices = el("input", { type: "text", name: "binding.devices", maxlength: 600,
    value: (detail.session.binding?.devices ?? []).join(", ") });
  const send = async (binding, label) => {
    try {
      await api(`/v1/sessions/${sessionId}/actions`, { method: "POST", body: { action: "bind", binding, eventId: crypto.randomUUID() } });
      fill(result, el("p", { class: "decided", role: "status" }, el("strong", {}, `${label}: accepted. `), monitorText(binding.bed || binding.devices ? binding : null)));
      refresh();
    } catch (error) {
      outcome(result, error);
    }
  };
  const bind = el("button", { type: "button", "data-action": "bind" }, "Bind monitor");
  bind.addEventListener("click", () => {
    const binding = {};
    if (bed.value.trim()) binding.bed = bed.value.trim();
    const ids = devices.value.split(",").map((d) => d.trim()).filter(Boolean);
    if (ids.length) binding.devices = ids;
    send(binding, "Bind monitor");
  });
  const unbind = el("button", { type: "button", "data-action": "unbind" }, "Unbind");
  unbind.addEventListener("click", () => send({}, "Unbind"));
  return el("section", { class: "actions", "aria-label": "Monitor binding" },
    el("h2", {}, "Monitor"),
    el("p", { class: "quiet" }, "Only for a monitor that does not send this patient's id: its bed as the monitor sends it, and its device ids."),
    el("div", { class: "row" }, labelled("binding.bed", "Bed (PV1-3)", bed), labelled("binding.devices", "Device ids (EUI-64, comma-separated)", devices)),
    el("div", { class: "buttons" }, bind, unbind), result);
}

let built = false;
let sections = {};

async function refresh() {
  try {
    const [detail, events, alerts, resolved, trend] = await Promise.all([
      api(`/v1/sessions/${sessionId}`), api(`/v1/sessions/${sessionId}/events`), api(`/v1/alerts?session=${sessionId}`),
      api(`/v1/alerts?session=${sessionId}&state=resolved`), api(`/v1/sessions/${sessionId}/series`),
    ]);
    if (!built) {
      sections = {
        head: el("div"), summary: el("section", { "aria-label": "Session" }), alerts: el("section", { "aria-label": "Alerts" }),
        chart: el("section", { "aria-label": "Trend" }), timeline: el("section", { "aria-label": "Timeline" }),
      };
      const columns = [
        el("div", { class: "col" }, sections.summary, sections.alerts,
          holds(facts, "station", "clinician") && detail.session.state !== "closed" ? observationForm(detail) : null),
        el("div", { class: "col" }, actionsPanel(detail), monitorPanel(detail), sections.chart, sections.timeline),
      ];
      fill(main, sections.head, el("div", { class: "columns" }, columns));
      built = true;
      if (location.hash === "#observe") document.getElementById("observe")?.scrollIntoView();
    }
    const s = detail.session;
    fill(sections.head, el("h1", { "data-session-id": s.id, "data-state": s.state }, `${s.patientId} — ${s.drug} — `,
      el("span", { class: `state st-${s.state}` }, s.state.toUpperCase())));
    fill(sections.summary, summary(detail));
    // Both lists in the daemon's order (highest priority first, then newest); the daemon's default is the open ones.
    fill(sections.alerts, el("h2", {}, "Alerts"), alerts.alerts.length
      ? el("ul", { class: "alerts" }, alerts.alerts.map((a) => alertItem(a, facts, { onAcknowledged: refresh })))
      : el("p", { class: "quiet" }, "No open alerts"),
      resolved.alerts.length ? el("details", {}, el("summary", {}, "Resolved alerts"),
        el("ul", { class: "alerts" }, resolved.alerts.map((a) => alertItem(a, facts)))) : null);
    fill(sections.chart, el("h2", {}, "Trend"), chart(events.events), seriesCharts(trend));
    fill(sections.timeline, el("h2", {}, "Events and decisions"), timeline(events));
  } catch (error) {
    fill(main, el("p", { class: "refused", role: "alert" }, `The session could not be read: ${error.message}`));
    built = false;
  }
}

async function start() {
  facts = await header("session");
  await refresh();
  followAlerts({
    heartbeatSeconds: facts.heartbeatSeconds,
    onEvent: (kind, data) => {
      if (kind === "alert.raised" || kind === "alert.escalated") tone(data?.alert?.priority);
      if (!data || data.alert?.sessionId === sessionId) refresh();
    },
  });
}

start().catch((error) => fill(main, el("p", { class: "refused", role: "alert" }, `The station could not start: ${error.message}`)));
