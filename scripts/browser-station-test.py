#!/usr/bin/env python3
"""The ward's day in a real browser: system Chromium driven by Selenium through a real nginx (auth_basic) to the
daemon's web socket. Run by Tests/EndToEndTests/BrowserStationTests.swift, which starts the daemon and nginx and
passes where they are; every step writes a screenshot into --shots.

Exit status 0 when every step saw what it expected; otherwise the failing step is printed with the page's text.
"""
import argparse
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

parser = argparse.ArgumentParser()
parser.add_argument("--base", required=True, help="the station's origin through nginx, e.g. http://127.0.0.1:18080")
parser.add_argument("--password", required=True, help="the password of the nurse, clinician and auditor accounts")
parser.add_argument("--shots", required=True, help="folder for the screenshots")
parser.add_argument("--daemon-pid", type=int, required=True, help="the daemon to stop for the 'not updating' step")
parser.add_argument("--daemon", required=True, help="infusiond binary, to start it again")
parser.add_argument("--config", required=True, help="the daemon's config file")
parser.add_argument("--log", required=True, help="where the restarted daemon writes")
parser.add_argument("--web-socket", required=True)
parser.add_argument("--forger", required=True, help="an account in the web socket's group that is not the proxy")
parser.add_argument("--board-png", help="copy the wall-screen board screenshot here")
args = parser.parse_args()
os.makedirs(args.shots, exist_ok=True)
WAIT = 20
restarted = None
step_name = "setup"


def step(name):
    global step_name
    step_name = name
    print(f"== {name}", flush=True)


def browser(user, width=1280, height=800):
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}",
                 "--force-prefers-reduced-motion", "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    sign_in(driver, user)
    return driver


def sign_in(driver, user):
    """auth_basic credentials on every request of the tab (URL credentials would break fetch)."""
    token = base64.b64encode(f"{user}:{args.password}".encode()).decode()
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {token}"}})


def shot(driver, name):
    driver.save_screenshot(os.path.join(args.shots, f"{name}.png"))


def wait(driver, condition, timeout=WAIT):
    return WebDriverWait(driver, timeout).until(condition)


def css(driver, selector, timeout=WAIT):
    return wait(driver, EC.visibility_of_element_located((By.CSS_SELECTOR, selector)), timeout)


def text_in(driver, selector, text, timeout=WAIT):
    wait(driver, EC.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text), timeout)


def type_into(driver, name, value):
    field = driver.find_element(By.NAME, name)
    field.clear()
    field.send_keys(str(value))


def png_size(path):
    """Width and height from a PNG's IHDR chunk."""
    with open(path, "rb") as png:
        head = png.read(24)
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def press(driver, label, state):
    """Presses a session action button and waits for the page to show the daemon's new state."""
    driver.find_element(By.XPATH, f"//section[@aria-label='Session actions']//button[normalize-space()='{label}']").click()
    css(driver, f'h1[data-state="{state}"]')
    text_in(driver, ".actions .result", f"Session is {state.upper()}")


def csp_violations(driver):
    return [entry for entry in driver.get_log("browser") if "Content Security Policy" in entry.get("message", "")
            or "TrustedHTML" in entry.get("message", "")]


def http(method, path, user, body=None, headers=None):
    """A request through nginx as `user`, outside any browser (for what a browser would be made to send)."""
    token = base64.b64encode(f"{user}:{args.password}".encode()).decode()
    request = urllib.request.Request(args.base + path, method=method, data=body.encode() if body else None,
                                     headers={"Authorization": f"Basic {token}", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


clinician = nurse = None
try:
    step("clinician previews a start: a soft limit asks for a reason, the 100 mg/h cap is refused")
    clinician = browser("clinician")
    clinician.get(args.base + "/start")
    css(clinician, "form.start")
    for name, value in [("patientId", "MRN-2001"), ("weightKg", 70), ("heightCm", 175), ("bolus.doseMgPerKg", 1.5),
                        ("bolus.durationMin", 10), ("infusion.rateMgPerKgPerHour", 1.5), ("baseline.heartRateBpm", 72),
                        ("baseline.systolicMmHg", 128), ("baseline.diastolicMmHg", 78), ("baseline.spo2Percent", 98),
                        ("baseline.respiratoryRatePerMin", 14), ("baseline.qrsMs", 90), ("baseline.prMs", 160)]:
        type_into(clinician, name, value)
    Select(clinician.find_element(By.NAME, "sex")).select_by_value("male")
    Select(clinician.find_element(By.NAME, "baseline.rhythm")).select_by_value("sinus")
    css(clinician, '#preview .finding[data-kind="hardLimit"]')
    text_in(clinician, "#preview", "105")  # 1.5 mg/kg/h × 70 kg, as the daemon computed it
    css(clinician, '#preview .finding[data-kind="softLimit"]')
    shot(clinician, "01-start-preview-hard-limit")
    clinician.find_element(By.CSS_SELECTOR, "form.start button[type=submit]").click()
    text_in(clinician, "form.start .result", "dose.hardLimit")
    shot(clinician, "02-start-refused-hard-limit")

    type_into(clinician, "infusion.rateMgPerKgPerHour", 1)
    wait(clinician, lambda d: not d.find_elements(By.CSS_SELECTOR, '#preview .finding[data-kind="hardLimit"]'))
    css(clinician, '#preview .finding[data-kind="softLimit"]')
    text_in(clinician, '#preview [data-figure="infusionMgPerHour"]', "70 mg/h")
    type_into(clinician, "override.reason", "Slower bolus not tolerated last session")
    css(clinician, '#preview [data-would-start="true"]')
    shot(clinician, "03-start-preview-soft-limit-reason")
    clinician.find_element(By.CSS_SELECTOR, "form.start button[type=submit]").click()
    started = css(clinician, "form.start .result [data-session-id]")
    session_id = started.get_attribute("data-session-id")
    print(f"session {session_id}", flush=True)

    step("the clinician's board shows the session")
    clinician.get(args.base + "/")
    css(clinician, f'.tile[data-session-id="{session_id}"]')
    text_in(clinician, "#stream-state", "live")
    assert "Secondary display" in clinician.find_element(By.TAG_NAME, "body").text
    shot(clinician, "04-board-started")

    step("the nurse records an observation and sees what the rules decided")
    nurse = browser("nurse")
    nurse.get(args.base + f"/sessions/{session_id}")
    css(nurse, "form#observe")
    for name, value in [("heartRateBpm", 74), ("systolicMmHg", 126), ("diastolicMmHg", 76), ("spo2Percent", 98),
                        ("respiratoryRatePerMin", 14)]:
        type_into(nurse, name, value)
    Select(nurse.find_element(By.NAME, "sedation.value")).select_by_value("1")
    type_into(nurse, "painNrs", 6)
    nurse.find_element(By.XPATH, "//form[@id='observe']//button[normalize-space()='Record observation']").click()
    css(nurse, '#observe .decided[data-state="running"]')
    shot(nurse, "05-observation-recorded")

    step("the nurse binds the bedside monitor by bed and device; the summary shows it, and the daemon keeps the EUI-64 in upper case")
    type_into(nurse, "binding.bed", "ICU^^12")
    type_into(nurse, "binding.devices", "0012c9fffe0b4020")
    nurse.find_element(By.XPATH, "//section[@aria-label='Monitor binding']//button[normalize-space()='Bind monitor']").click()
    text_in(nurse, "section[aria-label='Monitor binding'] .result", "Bind monitor: accepted")
    text_in(nurse, "dl.summary", "bed ICU^^12; devices 0012C9FFFE0B4020")
    status, body = http("GET", f"/v1/sessions/{session_id}", "nurse")
    assert status == 200 and json.loads(body)["session"]["binding"] == {"bed": "ICU^^12", "devices": ["0012C9FFFE0B4020"]}, body
    shot(nurse, "05b-monitor-bound")

    step("tinnitus pauses the session; the alert reaches the clinician's board without a reload")
    board_marker = clinician.find_element(By.CSS_SELECTOR, "main")
    type_into(nurse, "heartRateBpm", 78)
    nurse.find_element(By.CSS_SELECTOR, 'input[name="symptoms"][value="tinnitus"]').click()
    nurse.find_element(By.XPATH, "//form[@id='observe']//button[normalize-space()='Record observation']").click()
    css(nurse, '#observe .decided[data-state="paused"]')
    shot(nurse, "06-tinnitus-paused")
    alert = css(clinician, f'.tile[data-session-id="{session_id}"] .alert[data-alert-id][data-priority]')
    priority = alert.get_attribute("data-priority")
    alert_id = alert.get_attribute("data-alert-id")
    marker = {"high": "***", "medium": "**", "low": "*"}[priority]
    assert marker in alert.text, f"the alert shows no text marker: {alert.text}"
    css(clinician, f'.tile[data-session-id="{session_id}"][data-state="paused"]')
    board_marker.is_displayed()  # the same document: no reload happened (a reload would make this stale)
    shot(clinician, "07-board-alert-live")

    step("the nurse acknowledges the alert by keyboard: Tab from the note to Acknowledge, then Enter")
    nurse.refresh()
    item = css(nurse, f'.alert[data-alert-id="{alert_id}"]')
    note = item.find_element(By.NAME, "note")
    note.send_keys("Patient reassured, clinician called")
    note.send_keys(Keys.TAB)
    focused = nurse.switch_to.active_element
    assert focused.tag_name == "button" and focused.text == "Acknowledge", f"Tab went to {focused.tag_name} '{focused.text}'"
    focused.send_keys(Keys.ENTER)
    text_in(nurse, f'.alert[data-alert-id="{alert_id}"]', "acknowledged by nurse")
    shot(nurse, "08-acknowledged")
    wait(clinician, lambda d: d.find_element(By.CSS_SELECTOR, f'.alert[data-alert-id="{alert_id}"]').get_attribute("data-state") == "acknowledged")


    step("the wall screen at 1920x1080")
    clinician.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": False})
    clinician.refresh()
    css(clinician, f'.tile[data-session-id="{session_id}"]')
    text_in(clinician, "#stream-state", "live")
    shot(clinician, "09-board-wall-1920")
    size = png_size(os.path.join(args.shots, "09-board-wall-1920.png"))
    assert size == (1920, 1080), f"the wall-screen board screenshot is {size}"
    if args.board_png:
        shutil.copyfile(os.path.join(args.shots, "09-board-wall-1920.png"), args.board_png)
    clinician.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    step("the board at 1280x800")
    # The window's size includes the browser's own frame; the page itself gets exactly 1280x800 this way.
    clinician.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    css(clinician, f'.tile[data-session-id="{session_id}"]')
    assert clinician.execute_script("return [innerWidth, innerHeight]") == [1280, 800]
    shot(clinician, "08b-board-1280x800")
    size = png_size(os.path.join(args.shots, "08b-board-1280x800.png"))
    assert size == (1280, 800), f"the 1280x800 board screenshot is {size}"
    clinician.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    step("the trend chart draws the daemon's series: predicted level with its band and limit lines, dose against the cap")
    status, body = http("GET", f"/v1/sessions/{session_id}/series", "nurse")
    assert status == 200, f"series: {status} {body[:300]}"
    trend = json.loads(body)
    css(nurse, '[data-chart="level"] [data-series="predicted"]')
    css(nurse, '[data-chart="level"] [data-series="band"]')
    drawn = [float(g.get_attribute("data-limit-line")) for g in nurse.find_elements(By.CSS_SELECTOR, '[data-chart="level"] [data-limit-line]')]
    lines = [line["value"] for line in trend["limits"]["predictedLevel"]]
    assert drawn and drawn == lines[:len(drawn)], f"level lines drawn {drawn}, the daemon's {lines}"
    css(nurse, '[data-chart="dose"] [data-series="delivered"]')
    cap = nurse.find_element(By.CSS_SELECTOR, '[data-chart="dose"] [data-dose-cap]').get_attribute("data-dose-cap")
    assert float(cap) == trend["limits"]["doseCapMg"]["value"], f"dose cap {cap} against {trend['limits']['doseCapMg']}"

    step("the clinician resumes, pauses, resumes, changes the rate with a reason and stops; the page shows each new state")
    clinician.get(args.base + f"/sessions/{session_id}")
    css(clinician, 'section[aria-label="Session actions"]')
    css(clinician, 'h1[data-state="paused"]')
    type_into(clinician, "reason", "Symptoms settled, vitals stable")
    press(clinician, "Resume", "running")
    press(clinician, "Pause", "paused")
    type_into(clinician, "reason", "Back from the scanner")
    press(clinician, "Resume", "running")
    type_into(clinician, "infusion.rateMgPerKgPerHour", 0.8)
    type_into(clinician, "reason", "Lower rate after early toxicity")
    press(clinician, "Change rate", "running")
    text_in(clinician, 'section[aria-label="Session"]', "0.8 mg/kg/h = 56 mg/h")  # the daemon's figure at 70 kg
    status, body = http("GET", f"/v1/sessions/{session_id}", "clinician")
    assert json.loads(body)["session"]["infusion"]["rateMgPerKgPerHour"] == 0.8, body[:300]
    type_into(clinician, "reason", "Toxicity concern, stopping the order")
    press(clinician, "Stop", "stopped")
    shot(clinician, "08c-session-stopped")
    status, body = http("GET", f"/v1/sessions/{session_id}/events", "clinician")
    actions = [(e["body"]["action"], e["body"].get("reason")) for e in json.loads(body)["events"] if e["kind"] == "action"]
    assert actions == [("bind", None), ("resume", "Symptoms settled, vitals stable"), ("pause", None), ("resume", "Back from the scanner"),
                       ("rateChange", "Lower rate after early toxicity"), ("stop", "Toxicity concern, stopping the order")], actions

    step("a seizure: the decision shows the daemon's lipid emulsion doses for this patient")
    nurse.get(args.base + f"/sessions/{session_id}")
    css(nurse, "form#observe")
    nurse.find_element(By.CSS_SELECTOR, 'input[name="symptoms"][value="seizure"]').click()
    nurse.find_element(By.XPATH, "//form[@id='observe']//button[normalize-space()='Record observation']").click()
    guidance = css(nurse, '#observe .decided [data-guidance="L01"]')
    status, body = http("GET", f"/v1/sessions/{session_id}/events", "nurse")
    said = [d["decision"]["guidance"] for d in json.loads(body)["decisions"] if d["decision"]["ruleId"] == "L01"]
    assert said and said[-1] in guidance.text, f"page shows '{guidance.text}', the daemon said {said}"
    assert "105 mL over 2–3 min" in guidance.text and "17.5 mL/min" in guidance.text, guidance.text  # 1.5 mL/kg, 0.25 mL/kg/min at 70 kg
    nurse.execute_script("arguments[0].scrollIntoView({block: 'center'})", guidance)
    shot(nurse, "08d-lipid-guidance")
    clinician.get(args.base + "/")

    step("the auditor's page shows the nurse's name from the proxy")
    auditor = clinician
    sign_in(auditor, "auditor")
    auditor.get(args.base + "/audit")
    css(auditor, '[data-verified="true"]')
    wait(auditor, lambda d: any(cell.text == "nurse" for cell in d.find_elements(By.CSS_SELECTOR, 'tr[data-action="observation.accept"] td.person')))
    for fmt in ("JSONL", "CSV", "FHIR"):
        auditor.find_element(By.XPATH, f"//a[normalize-space()='Download {fmt}']")
    shot(auditor, "10-audit")

    step("a cross-origin POST is refused")
    status, body = http("POST", f"/v1/sessions/{session_id}/actions", "clinician", json.dumps({"action": "stop", "reason": "forged"}),
                        {"Content-Type": "application/json", "Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert status == 403 and "web.crossOrigin" in body, f"cross-origin POST: {status} {body[:300]}"
    status, body = http("POST", f"/v1/sessions/{session_id}/actions", "clinician", json.dumps({"action": "stop", "reason": "form post"}),
                        {"Content-Type": "text/plain", "Sec-Fetch-Site": "same-origin"})
    assert status == 415, f"text/plain POST: {status} {body[:300]}"

    step("a forged X-Remote-User straight to the web socket by another account is refused and audited")
    forged = subprocess.run(["/usr/bin/setpriv", f"--reuid={args.forger}", f"--regid={args.forger}", "--init-groups", "--",
                             "/usr/bin/curl", "--silent", "--unix-socket", args.web_socket, "--write-out", "\n%{http_code}",
                             "--header", "X-Remote-User: clinician", "--header", "X-Remote-Groups: pain-team",
                             "--header", "Sec-Fetch-Site: same-origin", "--header", "Content-Type: application/json",
                             "--data-binary", json.dumps({"action": "stop", "reason": "forged"}),
                             f"http://localhost/v1/sessions/{session_id}/actions"], capture_output=True, text=True, timeout=60)
    assert forged.stdout.endswith("\n403") and "web.untrustedPeer" in forged.stdout, f"forged: {forged.stdout[-300:]} {forged.stderr}"
    status, body = http("GET", "/v1/audit?after=0&limit=1000", "auditor")
    records = [entry["record"] for entry in json.loads(body)["records"]]
    assert any(r["action"] == "request.refuse" and r["actor"].get("via") == "web" and r["actor"].get("person") is None
               and "untrustedPeer" in json.dumps(r["detail"]) for r in records), "the forgery is not in the audit trail"
    stops = [r for r in records if r["action"] == "session.stop"]
    assert len(stops) == 1 and stops[0]["actor"].get("person") == "clinician", f"only the clinician's stop is recorded: {stops}"

    step("the daemon stops: the board says it is not updating")
    sign_in(clinician, "clinician")
    clinician.get(args.base + "/")
    text_in(clinician, "#stream-state", "live")
    os.kill(args.daemon_pid, signal.SIGTERM)
    css(clinician, "#stale", timeout=30)
    text_in(clinician, "#stale", "Not updating")
    shot(clinician, "11-not-updating")

    step("the daemon is back: the board recovers without a reload")
    for _ in range(200):
        try:
            os.kill(args.daemon_pid, 0)
            time.sleep(0.1)
        except ProcessLookupError:
            break
    log = open(args.log, "ab")
    restarted = subprocess.Popen([args.daemon, "serve", "--config", args.config], stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    wait(clinician, lambda d: not d.find_element(By.ID, "stale").is_displayed(), timeout=60)
    text_in(clinician, "#stream-state", "live")
    css(clinician, f'.tile[data-session-id="{session_id}"]')
    shot(clinician, "12-recovered")

    step("no Content-Security-Policy violation on any page")
    for driver in (clinician, nurse):
        violations = csp_violations(driver)
        assert not violations, f"CSP violations: {violations}"
    print("OK: the ward's day passed", flush=True)
except (AssertionError, TimeoutException, Exception) as error:  # noqa: BLE001 - report any failure with the page
    print(f"FAILED at step '{step_name}': {type(error).__name__}: {error}", flush=True)
    for name, driver in (("clinician", clinician), ("nurse", nurse)):
        if driver is None:
            continue
        try:
            shot(driver, f"failed-{name}")
            print(f"--- {name} at {driver.current_url}:\n{driver.find_element(By.TAG_NAME, 'body').text[:3000]}", flush=True)
            print(f"--- {name} console: {driver.get_log('browser')[-20:]}", flush=True)
        except Exception as inner:  # noqa: BLE001
            print(f"(could not capture {name}: {inner})", flush=True)
    sys.exit(1)
finally:
    for driver in (clinician, nurse):
        if driver is not None:
            driver.quit()
    if restarted is not None:
        restarted.send_signal(signal.SIGTERM)
        try:
            restarted.wait(timeout=20)
        except subprocess.TimeoutExpired:
            restarted.kill()
