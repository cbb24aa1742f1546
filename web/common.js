// Shared by every page: DOM building (createElement/textContent only: the CSP requires Trusted Types, so no HTML
// strings), the JSON API, the page header, the live alert stream and the alarm tones. Nothing here decides anything
// clinical: figures, limits, states and order all come from the daemon's answers.

/** Builds an element: `attrs` are attributes (`class`, `data-*`, `aria-*`, …), children are nodes or text. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = String(value);
    else if (name === "on") for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const SVG = "http://www.w3.org/2000/svg";

/** Builds an SVG element with attributes (fill=/stroke= attributes, never a style attribute). */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (name === "text") node.textContent = String(value);
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) if (child) node.append(child);
  return node;
}

/** An error answer of the daemon: its status and its problem document (code, detail, field…). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

/** Calls the daemon's JSON API through the proxy; throws ApiError with the problem document on a refusal. */
export async function api(path, { method = "GET", body } = {}) {
  const init = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = { detail: text.slice(0, 300) }; }
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

/** Replaces a node's children. */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** The text marker of a priority (IEC 60601-1-8: never colour alone). */
export function marker(priority) {
  return { high: "***", medium: "**", low: "*" }[priority] || "";
}

/** A priority as a labelled badge: marker and word, in the priority's colour. */
export function priorityBadge(priority, acknowledged = false) {
  return el("span", { class: `badge p-${priority}${acknowledged ? " acked" : ""}`, "data-priority": priority },
    `${marker(priority)} ${priority.toUpperCase()}`);
}

/** A number as the daemon sent it, with a unit; "–" when absent. */
export function qty(value, unit, digits = 2) {
  if (value === undefined || value === null || Number.isNaN(value)) return "–";
  const text = Number.isInteger(value) ? String(value) : Number(value).toFixed(digits).replace(/\.?0+$/, "");
  return unit ? `${text} ${unit}` : text;
}

/** A timestamp as local time of day (and date when not today). */
export function when(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  const today = new Date();
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return date.toDateString() === today.toDateString() ? time : `${date.toLocaleDateString()} ${time}`;
}

/** Seconds as "4 min 05 s" / "1 h 02 min". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(Math.abs(seconds)));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${s} s`;
}

/** Who is signed in and the forms' choices (GET /v1/station), fetched once per page. */
let stationPromise;
export function station() {
  stationPromise ??= api("/v1/station");
  return stationPromise;
}

/** Whether the signed-in person holds one of `roles`. */
export function holds(facts, ...roles) {
  return roles.some((role) => facts.roles.includes(role));
}

/** Draws the page header: navigation by role, the person, the stream state and the sound control. */
export async function header(current) {
  const facts = await station();
  const links = [["board", "/", "Ward board"], ["alerts", "/alerts", "Alerts"]];
  if (holds(facts, "clinician")) links.push(["start", "/start", "Start session"]);
  if (holds(facts, "auditor")) links.push(["audit", "/audit", "Audit"]);
  const nav = el("nav", { "aria-label": "Pages" },
    links.map(([key, href, label]) => el("a", { href, "aria-current": key === current ? "page" : null }, label)));
  fill(document.getElementById("top"),
    el("span", { class: "brand" }, "infusiond"),
    nav,
    el("span", { class: "notice", role: "note" }, "Secondary display — confirm at the bedside"),
    el("span", { id: "stream-state", class: "stream", "aria-live": "polite" }, "connecting…"),
    soundButton(),
    el("span", { class: "who" }, `${facts.user || "?"} (${facts.roles.join(", ") || "no role"})`));
  return facts;
}

// ---------------------------------------------------------------------------------------------------------------
// Alarm tones. Browsers play audio only after a click, so the person turns sound on at the start of the shift.

let audio = null;

function soundButton() {
  const button = el("button", { type: "button", id: "sound", "aria-pressed": audio ? "true" : "false" },
    audio ? "Sound off" : "Sound on");
  button.addEventListener("click", () => {
    if (audio) {
      audio.close();
      audio = null;
    } else {
      audio = new AudioContext();
      tone("low");
    }
    button.textContent = audio ? "Sound off" : "Sound on";
    button.setAttribute("aria-pressed", audio ? "true" : "false");
  });
  return button;
}

/** Plays the tone of a priority: high three fast high pulses, medium two, low one low pulse. */
export function tone(priority) {
  if (!audio) return;
  const pattern = { high: [988, 3, 0.15], medium: [659, 2, 0.25], low: [440, 1, 0.4] }[priority];
  if (!pattern) return;
  const [frequency, pulses, length] = pattern;
  for (let i = 0; i < pulses; i++) {
    const start = audio.currentTime + i * length * 1.6;
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.25, start);
    gain.gain.setValueAtTime(0, start + length);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(start);
    oscillator.stop(start + length);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The live alert stream. Read with fetch rather than EventSource: EventSource hides the heartbeat comments (so
// staleness could not be seen) and stops for good after a proxy error. Reconnects with backoff, resuming from the
// last event id.

/**
 * Follows GET /v1/alerts/stream. `onEvent(kind, data)` gets each alert event (`alert.raised`, …) and system alert;
 * `onState(state, detail)` gets "live" or "stale" (no heartbeat for twice its interval, or the proxy refused).
 */
export function followAlerts({ heartbeatSeconds, onEvent, onState }) {
  let lastEventId = null;
  let lastSign = Date.now();
  let backoff = 1000;
  let state = null;
  let reason = "connecting";

  const setState = (next, detail) => {
    reason = detail;
    if (next === state) return;
    state = next;
    const label = document.getElementById("stream-state");
    if (label) {
      label.textContent = next === "live" ? "live" : "NOT UPDATING";
      label.className = `stream ${next}`;
    }
    const banner = document.getElementById("stale");
    if (banner) {
      banner.hidden = next === "live";
      fill(banner, el("strong", {}, "Not updating"), ` — ${detail}. What is shown may be out of date; check the monitors and the patients. Reconnecting…`);
    }
    document.body.dataset.stream = next;
    onState?.(next, detail);
  };

  // Staleness is judged here from the time of the last byte the daemon sent; the interval is the daemon's.
  const limit = Math.max(2, heartbeatSeconds * 2) * 1000;
  setInterval(() => {
    if (Date.now() - lastSign > limit) setState("stale", `no heartbeat from the daemon for ${Math.round((Date.now() - lastSign) / 1000)} s`);
  }, 500);

  async function connect() {
    const controller = new AbortController();
    // A connection that never answers counts as a failure too.
    const timer = setTimeout(() => controller.abort(), limit);
    try {
      const headers = { Accept: "text/event-stream" };
      if (lastEventId !== null) headers["Last-Event-ID"] = lastEventId;
      const response = await fetch("/v1/alerts/stream", { headers, signal: controller.signal, cache: "no-store" });
      clearTimeout(timer);
      if (!response.ok || !response.body) throw new Error(`the proxy answered ${response.status} ${response.statusText}`.trim());
      lastSign = Date.now();
      backoff = 1000;
      setState("live", "connected");
      onEvent?.("open", null);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      let event = { type: "message", data: [], id: null };
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error("the daemon closed the stream");
        lastSign = Date.now();
        if (state !== "live") setState("live", "connected");
        buffer += value;
        let newline;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, newline).replace(/\r$/, "");
          buffer = buffer.slice(newline + 1);
          if (line === "") {
            if (event.data.length) {
              if (event.id !== null) lastEventId = event.id;
              let data = null;
              try { data = JSON.parse(event.data.join("\n")); } catch { data = null; }
              onEvent?.(event.type, data);
            }
            event = { type: "message", data: [], id: null };
          } else if (!line.startsWith(":")) {
            const colon = line.indexOf(":");
            const field = colon < 0 ? line : line.slice(0, colon);
            const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
            if (field === "event") event.type = text;
            else if (field === "data") event.data.push(text);
            else if (field === "id") event.id = text;
          }
        }
      }
    } catch (error) {
      clearTimeout(timer);
      setState("stale", error?.name === "AbortError" ? "the daemon does not answer" : String(error?.message || error));
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 15000);
    }
  }
  connect();
  return { get state() { return state; }, get reason() { return reason; } };
}

/** Shows what the daemon answered to a change: its problem in words, or a success line. */
export function outcome(node, error, success) {
  if (error) {
    const problem = error.problem || {};
    fill(node, el("p", { class: "refused", role: "alert" },
      el("strong", {}, `${problem.title || "Refused"}: `), problem.detail || String(error.message || error),
      problem.code ? el("code", {}, ` (${problem.code})`) : null));
  } else {
    fill(node, el("p", { class: "accepted", role: "status" }, success));
  }
}

/** The alert's state in words: who acknowledged it and when, the latch, the escalation. */
export function alertStatus(alert) {
  const parts = [];
  if (alert.state === "acknowledged") parts.push(`acknowledged by ${alert.acknowledgedBy} at ${when(alert.acknowledgedAt)}${alert.note ? ` — “${alert.note}”` : ""}`);
  else if (alert.state === "resolved") parts.push(`resolved at ${when(alert.resolvedAt)}`);
  else parts.push(`active since ${when(alert.raisedAt)}`);
  if (alert.latched) parts.push("LATCHED: stays until acknowledged and the pump is confirmed stopped");
  if (alert.escalationLevel > 0) parts.push(`escalated (level ${alert.escalationLevel})`);
  return parts.join(" · ");
}

/** One alert as a list item with its Acknowledge control (for those who may acknowledge). */
export function alertItem(alert, facts, { onAcknowledged, showSession = null } = {}) {
  const acknowledged = alert.state !== "active";
  const result = el("div", { class: "result" });
  const note = el("input", { type: "text", name: "note", "aria-label": `Note for alert ${alert.id}`, placeholder: "Note (optional)", maxlength: "500" });
  const button = el("button", { type: "button", class: "ack" }, "Acknowledge");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const body = note.value.trim() ? { note: note.value.trim() } : {};
      const updated = await api(`/v1/alerts/${alert.id}/ack`, { method: "POST", body });
      outcome(result, null, `Acknowledged by ${updated.acknowledgedBy}.`);
      onAcknowledged?.(updated);
    } catch (error) {
      button.disabled = false;
      outcome(result, error);
    }
  });
  const canAck = alert.state === "active" && holds(facts, "station", "clinician");
  return el("li", {
    class: `alert p-${alert.priority} ${alert.state}`, "data-alert-id": alert.id, "data-priority": alert.priority,
    "data-state": alert.state, "data-session-id": alert.sessionId,
  },
  el("div", { class: "alert-head" }, priorityBadge(alert.priority, acknowledged), " ",
    el("span", { class: "rule" }, alert.ruleId), showSession ? [" ", showSession] : null),
  el("p", { class: "reason" }, alert.reason),
  alert.guidance ? el("p", { class: "guidance" }, alert.guidance) : null,
  el("p", { class: "status" }, alertStatus(alert)),
  canAck ? el("div", { class: "ack-row" }, note, button) : null,
  result);
}
