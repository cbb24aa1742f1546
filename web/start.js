// Start a session with the daemon's dose preview: as fields change, POST /v1/sessions/preview runs exactly the
// start checks and stores nothing; the page shows the doses, the dosing weight and every limit or contraindication
// it returns. Soft limits ask for an override reason; hard limits block with the daemon's explanation.
import { api, el, fill, header, outcome, qty } from "./common.js";

const main = document.getElementById("main");
let facts;

const conditions = ["localAnaestheticAllergy", "conductionBlock", "cardiovascularInstability", "reducedConsciousness",
  "uncontrolledSeizures", "heartFailure", "classIAntiarrhythmic", "hepaticImpairment", "renalImpairment",
  "electrolyteDisturbance", "pregnancy", "poorlyControlledCardiovascularDisease", "activePsychosis",
  "raisedIntracranialPressure", "raisedIntraocularPressure"];
const baseline = [["heartRateBpm", "Heart rate", "bpm"], ["systolicMmHg", "Systolic BP", "mmHg"], ["diastolicMmHg", "Diastolic BP", "mmHg"],
  ["spo2Percent", "SpO2", "%"], ["respiratoryRatePerMin", "Respiratory rate", "/min"], ["qrsMs", "QRS", "ms"], ["prMs", "PR", "ms"]];

function field(name, text, input, unit) {
  input.id = `f-${name.replace(/\W/g, "-")}`;
  input.name = name;
  return el("div", { class: "field" }, el("label", { for: input.id }, text), input, unit ? el("span", { class: "unit" }, unit) : null);
}
const num = (attrs = {}) => el("input", { type: "number", step: "any", ...attrs });

function body(form) {
  const d = new FormData(form);
  const n = (k) => (d.get(k) === null || d.get(k) === "" ? undefined : Number(d.get(k)));
  const b = {
    patientId: d.get("patientId"), drug: d.get("drug"), weightKg: n("weightKg"), heightCm: n("heightCm"),
    sex: d.get("sex") || undefined, dosingWeight: d.get("dosingWeight") || undefined, prescriber: d.get("prescriber"),
    plannedDurationMin: n("plannedDurationMin"),
    bed: d.get("bed") || undefined, patientInitials: d.get("patientInitials") || undefined,
  };
  if (n("bolus.doseMgPerKg") !== undefined) b.bolus = { doseMgPerKg: n("bolus.doseMgPerKg"), durationMin: n("bolus.durationMin") };
  if (n("infusion.rateMgPerKgPerHour") !== undefined) b.infusion = { rateMgPerKgPerHour: n("infusion.rateMgPerKgPerHour") };
  const v = {};
  for (const [k] of baseline) if (n(`baseline.${k}`) !== undefined) v[k] = n(`baseline.${k}`);
  if (d.get("baseline.rhythm")) v.rhythm = d.get("baseline.rhythm");
  if (Object.keys(v).length) b.baseline = v;
  const flags = {};
  const chosen = d.getAll("flags.conditions");
  if (chosen.length) flags.conditions = chosen;
  if (n("flags.ageYears") !== undefined) flags.ageYears = n("flags.ageYears");
  if (Object.keys(flags).length) b.flags = flags;
  if (d.get("override.reason")) b.override = { reason: d.get("override.reason") };
  if (d.get("contraindicationOverride.reason")) b.contraindicationOverride = { reason: d.get("contraindicationOverride.reason") };
  return JSON.parse(JSON.stringify(b));
}

function showPreview(node, p) {
  const findings = p.findings || [];
  fill(node,
    el("h2", {}, "Preview (from the daemon, nothing stored)"),
    el("p", { class: p.wouldStart ? "accepted" : "refused", "data-would-start": String(p.wouldStart) },
      p.wouldStart ? `Would start${p.state && p.state !== "running" ? ` (${p.state.toUpperCase()})` : ""}.` : "Would be refused."),
    el("dl", { class: "summary" },
      el("dt", {}, "Dosing weight"), el("dd", {}, p.dosingWeight ? `${p.dosingWeight}, ${qty(p.dosingWeightKg, "kg")}` : "–"),
      el("dt", {}, "Bolus"), el("dd", { "data-figure": "bolusMg" }, p.doses?.bolusMg != null ? qty(p.doses.bolusMg, "mg") : "none"),
      el("dt", {}, "Infusion"), el("dd", { "data-figure": "infusionMgPerHour" }, p.doses?.infusionMgPerHour != null ? qty(p.doses.infusionMgPerHour, "mg/h") : "none")),
    findings.length ? el("ul", { class: "findings" }, findings.map((f) => el("li", {
      class: `finding ${f.kind}`, "data-kind": f.kind, "data-severity": f.severity, "data-field": f.field,
    }, el("strong", {}, `${f.kind === "hardLimit" ? "HARD LIMIT" : f.kind === "softLimit" ? "Soft limit" : f.kind === "contraindication" ? "CONTRAINDICATION" : "Review"}: `),
    f.message, f.overrideField ? ` — needs ${f.overrideField} with a reason${f.overridden ? " (given)" : ""}.` : " — change the order."))) : el("p", {}, "No limit or contraindication applies."),
    p.refusal ? el("p", { class: "refused", role: "alert" }, el("strong", {}, "The start would be refused: "), p.refusal.detail || p.refusal.title || "") : null,
    (p.decisions || []).length ? el("ul", { class: "decisions" }, p.decisions.map((d) => el("li", {}, `${d.ruleId} → ${d.action}: ${d.reason}`))) : null);
}

async function run() {
  facts = await header("start");
  const form = el("form", { class: "start", "aria-label": "Start session", novalidate: true });
  const preview = el("section", { class: "preview", "aria-live": "polite", id: "preview" });
  const result = el("div", { class: "result", "aria-live": "polite" });
  const override = field("override.reason", "Override reason (soft limits)", el("input", { type: "text", maxlength: 500 }));
  const contra = field("contraindicationOverride.reason", "Contraindication override reason", el("input", { type: "text", maxlength: 500 }));
  form.append(
    el("h1", {}, "Start session"),
    el("fieldset", {}, el("legend", {}, "Patient and order"),
      field("patientId", "Patient id", el("input", { type: "text", required: true, autocomplete: "off" })),
      field("bed", "Bed (wall screens)", el("input", { type: "text", autocomplete: "off", maxlength: 32 })),
      field("patientInitials", "Initials (wall screens)", el("input", { type: "text", autocomplete: "off", maxlength: 4 })),
      field("drug", "Drug", el("select", {}, el("option", { value: "lidocaine" }, "lidocaine"), el("option", { value: "ketamine" }, "ketamine"))),
      field("weightKg", "Weight", num({ min: 0 }), "kg"), field("heightCm", "Height", num({ min: 0 }), "cm"),
      field("sex", "Sex", el("select", {}, el("option", { value: "" }, "—"), el("option", { value: "female" }, "female"), el("option", { value: "male" }, "male"))),
      field("dosingWeight", "Dosing weight", el("select", {}, el("option", { value: "" }, "profile default"), ["actual", "ideal", "adjusted"].map((k) => el("option", { value: k }, k)))),
      field("bolus.doseMgPerKg", "Bolus dose", num({ min: 0 }), "mg/kg"), field("bolus.durationMin", "Bolus over", num({ min: 0 }), "min"),
      field("infusion.rateMgPerKgPerHour", "Infusion rate", num({ min: 0 }), "mg/kg/h"),
      field("plannedDurationMin", "Planned duration", num({ min: 0 }), "min"),
      field("prescriber", "Prescriber", el("input", { type: "text", value: facts.user || "" }))),
    el("fieldset", {}, el("legend", {}, "Baseline observations"),
      baseline.map(([k, t, u]) => field(`baseline.${k}`, t, num({ min: 0 }), u)),
      field("baseline.rhythm", "Rhythm", el("select", {}, el("option", { value: "" }, "—"), ["sinus", "sinusBradycardia", "sinusTachycardia", "atrialFibrillation", "avBlock1", "avBlock2", "avBlock3", "ventricularEctopy"].map((r) => el("option", { value: r }, r))))),
    el("fieldset", {}, el("legend", {}, "Flags"), field("flags.ageYears", "Age", num({ min: 0, step: 1 }), "years"),
      el("div", { class: "checks" }, conditions.map((c) => el("label", { class: "check" }, el("input", { type: "checkbox", name: "flags.conditions", value: c }), ` ${c}`)))),
    el("fieldset", {}, el("legend", {}, "Overrides"), override, contra),
    el("button", { type: "submit" }, "Start session"),
    result);
  fill(main, el("div", { class: "columns" }, el("div", { class: "col" }, form), el("div", { class: "col" }, preview)));

  let timer = null;
  let sequence = 0;
  const update = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const b = body(form);
      if (!b.patientId || !b.weightKg) { fill(preview, el("p", { class: "quiet" }, "Enter the patient id and weight to see the doses and limits.")); return; }
      const mine = ++sequence;
      try {
        const p = await api("/v1/sessions/preview", { method: "POST", body: b });
        if (mine === sequence) showPreview(preview, p);
      } catch (error) {
        if (mine === sequence) outcome(preview, error);
      }
    }, 250);
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const session = await api("/v1/sessions", { method: "POST", body: body(form) });
      fill(result, el("p", { class: "accepted", role: "status", "data-session-id": session.id }, "Started. ",
        el("a", { href: `/sessions/${session.id}` }, `Open the session of ${session.patientId}`)));
    } catch (error) {
      outcome(result, error);
    }
  });
}

run().catch((error) => fill(main, el("p", { class: "refused", role: "alert" }, `The page could not start: ${error.message}`)));
