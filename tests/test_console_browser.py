"""The console in a real browser: Debian's Chromium, headless, driven by Playwright.

Each test types into the page and reads what it shows: the conversation, the countdown, the
screen, the JSON of each exchange, the attributes and the pack browser.
"""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from skill import create_app
from skill.console import Console, create_console_app
from skill.console_shots import CHROMIUM, PANES, chromium, say, settled
from tests.support.client import LiveServer
from tests.support.services import require
from tests.support.third_party import free_port

BUILT_IN = "stretching,strengthening,massage,recovery"
NO_RECOGNITION = "delete window.SpeechRecognition; delete window.webkitSpeechRecognition;"


@pytest.fixture(scope="module")
def browser():
    require(Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM}")
    require(importlib.util.find_spec("playwright") is not None, "Playwright")
    with chromium() as launched:
        yield launched


def skill_app(tmp_path: Path):
    return create_app({"VERIFY_REQUESTS": False, "LOAD_PACKS": BUILT_IN,
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'console.db'}"})


@pytest.fixture
def console_url(tmp_path):
    """The console for the skill in this process, served on 127.0.0.1."""
    with LiveServer(create_console_app(Console(skill_app(tmp_path)))) as live:
        yield live.url


def open_page(browser, url: str, init_script: str = ""):
    context = browser.new_context(viewport={"width": 1300, "height": 950})
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    page.errors = errors
    return page


def last_turn(page):
    return page.locator("#turns > li").last


def coach(page) -> str:
    """What the coach said in the latest turn, as the page shows it."""
    return last_turn(page).locator(".coach").inner_text()


def how(page) -> str:
    """The page's note on how the latest thing said was understood."""
    return last_turn(page).locator(".how").inner_text()


def test_a_whole_routine_typed_from_launch_to_the_end(browser, console_url):
    page = open_page(browser, console_url)
    say(page, "open hamstring coach")
    assert "Welcome to Hamstring Coach" in coach(page)
    assert "LaunchRequest, new session" in how(page)
    say(page, "start the foam roller release")
    assert "StartRoutineIntent routine=foam-roller-release" in how(page)
    assert "Let's do the foam roller release" in coach(page)

    page.select_option("#pace", "4")  # holds four times faster
    say(page, "ready")
    assert "AMAZON.NextIntent" in how(page)
    text = coach(page)
    assert "Step 1 of 3: Both legs on the roller." in text
    assert "Slow and steady." in text and "(10.0 s of silence)" in text
    # the hold counts down live, in the turn and in the pane of what is being said
    running = page.locator("#holds .hold.running")
    running.wait_for(timeout=20000)
    first = int(running.locator(".left").inner_text().split()[0])
    page.wait_for_timeout(1000)
    later = int(running.locator(".left").inner_text().split()[0])
    assert 0 < later < first <= 60
    assert last_turn(page).locator(".hold .bar[role=progressbar]").count() == 1

    page.select_option("#pace", "0")  # the rest without waiting through the holds
    page.fill("#say-text", "")
    page.press("#say-text", "Enter")  # Enter on an empty line says next
    settled(page)
    assert last_turn(page).locator(".you .text").inner_text() == "next"
    assert "Step 2 of 3: One leg at a time." in coach(page)
    assert "Left side first." in coach(page)
    count = page.locator("#turns > li").count()
    page.keyboard.press("Alt+n")  # the shortcut says next too
    settled(page)
    assert page.locator("#turns > li").count() == count + 1
    assert "Now the right side." in coach(page)
    assert page.locator("#holds .hold.done").count() == 1
    say(page, "next")
    text = coach(page)
    assert "Step 3 of 3: Rest and shake out." in text and "end of the foam roller release" in text
    assert "(the session ended)" in text
    saved = json.loads(page.locator("#saved-attributes").inner_text())
    assert saved["history"][-1]["routine"] == "foam-roller-release"
    assert page.errors == []


def test_a_pain_report_stops_the_routine(browser, console_url):
    page = open_page(browser, console_url)
    page.select_option("#pace", "0")
    for text in ("open hamstring coach", "start the foam roller release", "next"):
        say(page, text)
    assert "Step 1 of 3" in coach(page)
    say(page, "I got a sharp pain in my hamstring")
    assert "ReportSymptomIntent" in how(page)
    answer = coach(page)
    assert "Step 2" not in answer
    assert "doctor" in answer or "physical therapist" in answer
    session = json.loads(page.locator("#session-attributes").inner_text() or "{}")
    assert not session.get("player") or session["player"].get("done") or \
        "(the session ended)" in answer
    say(page, "next")
    assert "Step 2 of 3" not in coach(page)
    assert page.errors == []


def test_switching_device_and_locale(browser, console_url):
    page = open_page(browser, console_url)
    page.select_option("#pace", "0")
    say(page, "open hamstring coach")
    assert "An Echo has no screen" in page.locator("#screen").inner_text()

    page.select_option("#device", "echo-show")
    settled(page)  # the open session ended
    assert "SessionEndedRequest USER_INITIATED" in how(page)
    assert "switched device or locale" in how(page)
    say(page, "open hamstring coach")
    assert page.locator("#screen iframe[data-screen=menu]").is_visible()
    assert "Echo Show: the menu card" in page.locator("#screen figcaption").inner_text()
    shown = screen_text(page)
    assert "on a hub-medium screen (1280 x 800 dp)" in shown and "not Amazon's" in shown
    assert "Sore" in shown  # a feeling to touch
    request = json.loads(page.locator("#exchanges details[open] pre.request").inner_text())
    assert request["context"]["Viewport"]["shape"] == "RECTANGLE"
    assert "Alexa.Presentation.APL" in request["context"]["System"]["device"][
        "supportedInterfaces"]

    page.select_option("#device", "round-hub")
    say(page, "open hamstring coach")
    assert "on a round screen (480 x 480 dp)" in screen_text(page)
    page.select_option("#device", "tv")
    say(page, "open hamstring coach")
    assert "on a tv screen (960 x 540 dp)" in screen_text(page)
    request = json.loads(page.locator("#exchanges details[open] pre.request").inner_text())
    assert request["context"]["Viewport"]["mode"] == "TV"

    page.select_option("#locale", "en-GB")
    page.wait_for_function("document.documentElement.lang === 'en-GB'")
    say(page, "open hamstring coach")
    say(page, "my hamstrings are sore after my run")
    assert "ReportSymptomIntent symptom=sore" in how(page)
    request = json.loads(page.locator("#exchanges details[open] pre.request").inner_text())
    assert request["request"]["locale"] == "en-GB"
    assert page.errors == []


def screen_text(page) -> str:
    """What the screen pane's drawing of the turn's APL document shows."""
    return " ".join(page.frame_locator("#screen iframe").locator("body").inner_text().split())


def test_the_screen_is_drawn_and_its_buttons_drive_the_routine(browser, console_url):
    page = open_page(browser, console_url)
    page.select_option("#pace", "0")
    page.select_option("#device", "echo-show")
    for text in ("open hamstring coach", "start the foam roller release", "next"):
        say(page, text)
    assert "Step 1 of 3" in screen_text(page)
    assert "(10.0 s under a quiet ticking clock)" in coach(page)  # APL for Audio
    page.frame_locator("#screen iframe").get_by_role("button", name="Next").click()
    settled(page)
    assert "Alexa.Presentation.APL.UserEvent AMAZON.NextIntent" in how(page)
    assert "Step 2 of 3: One leg at a time." in coach(page)
    assert "Step 2 of 3" in screen_text(page)
    request = json.loads(page.locator("#exchanges details[open] pre.request").inner_text())
    assert request["request"]["type"] == "Alexa.Presentation.APL.UserEvent"
    assert page.errors == []


class Recorder:
    """WSGI middleware that keeps every body ``/alexa`` received and answered."""

    def __init__(self, app) -> None:
        self.app, self.exchanges = app, []

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        chunks = list(self.app(environ, start_response))
        if environ["PATH_INFO"] == "/alexa":
            self.exchanges.append((json.loads(body), json.loads(b"".join(chunks))))
        return chunks


def test_the_json_panes_show_exactly_what_alexa_got_and_answered(browser, tmp_path):
    recorder = Recorder(skill_app(tmp_path))
    with LiveServer(recorder) as skill, \
            LiveServer(create_console_app(Console(url=skill.url + "/alexa"))) as console:
        page = open_page(browser, console.url)
        page.select_option("#pace", "0")
        for text in ("open hamstring coach", "start the knot release", "next", "exit"):
            say(page, text)
        assert "(not visible: the skill runs elsewhere" in page.locator(
            "#saved-attributes").inner_text()
        shown = []
        for exchange in page.locator("#exchanges details").all():
            if exchange.get_attribute("open") is None:
                exchange.locator("summary").click()
            shown.append((json.loads(exchange.locator("pre.request").inner_text()),
                          json.loads(exchange.locator("pre.response").inner_text())))
    assert len(recorder.exchanges) == 4
    assert shown == recorder.exchanges
    assert shown[-1][0]["request"]["type"] == "SessionEndedRequest"
    session = json.loads(page.locator("#session-attributes").inner_text())
    assert session == (recorder.exchanges[-1][1].get("sessionAttributes") or {})


def test_without_speech_recognition_it_says_so_once_and_works_typed(browser, console_url):
    page = open_page(browser, console_url, NO_RECOGNITION)
    notice = page.locator("[data-notice=recognition]")
    assert "no speech recognition" in notice.inner_text()
    assert page.locator("#listen").is_disabled()
    page.select_option("#pace", "0")
    for text in ("open hamstring coach", "start the foam roller release", "next"):
        say(page, text)
    assert "Step 1 of 3" in coach(page)
    assert page.locator("[data-notice=recognition]").count() == 1
    assert page.errors == []


def test_a_recogniser_that_fails_is_reported_once_and_typing_goes_on(browser, console_url):
    # Chromium here has the API but no recogniser it may use: starting it fails.
    page = open_page(browser, console_url)
    assert page.evaluate("!!(window.SpeechRecognition || window.webkitSpeechRecognition)")
    page.click("#listen")
    notice = page.locator("[data-notice=recognition]")
    notice.wait_for(timeout=15000)
    assert "Speaking is off" in notice.inner_text() and "(error: " in notice.inner_text()
    assert page.locator("#listen").is_disabled()
    assert page.locator("#listen").get_attribute("aria-pressed") == "false"
    say(page, "open hamstring coach")
    assert "Welcome to Hamstring Coach" in coach(page)
    assert page.locator("[data-notice=recognition]").count() == 1


def wait_for(url: str, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise AssertionError(process.stdout.read())
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise AssertionError(f"the console did not answer at {url}")


def test_the_pack_browser_shows_a_pip_installed_pack(browser, third_party_venv, tmp_path):
    bin_dir, _ = third_party_venv
    port = free_port()
    process = subprocess.Popen(
        [str(bin_dir / "hamstring"), "console", "--port", str(port),
         "--db", str(tmp_path / "third.db")],
        env={"PATH": str(bin_dir)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for(url + "api/state", process)
        page = open_page(browser, url)
        problems = page.locator("#pack-problems").inner_text()
        assert "no problems in 5 packs" in problems
        pack = page.locator("#pack-list details[data-pack=calf-care]")
        pack.locator("> summary").click()
        assert "installed from hamstring-pack-calf-care" in pack.inner_text()
        routine = pack.locator("details[data-routine=calf-care-routine]")
        routine.locator("> summary").click()
        rows = [row.inner_text() for row in routine.locator("tbody tr").all()]
        assert "Lying hamstring stretch" in rows[0] and "30 s each side" in rows[0]
        assert "15 s: Breathe out slowly." in rows[0]
        assert "Bridges" in rows[1] and "8 reps" in rows[1]
        page.select_option("#pace", "0")
        routine.get_by_role("button", name="Start the calf care routine").click()
        settled(page)
        assert "Let's do the calf care routine" in coach(page)
        assert "Say next when you're in position." in coach(page)
        assert page.errors == []
    finally:
        process.terminate()
        out = process.communicate(timeout=10)[0]
    assert "FOR LOCAL DEVELOPMENT ONLY" in out and "verification OFF" in out


def test_the_screenshot_command_writes_a_picture_of_each_pane(tmp_path):
    # its own process: Playwright's sync API runs one browser session per thread
    require(Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM}")
    result = subprocess.run([sys.executable, "-m", "skill.cli", "console", "--screenshot",
                             str(tmp_path / "shots")], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in (tmp_path / "shots").glob("*.png"))
    assert written == sorted([*(f"console-{pane}.png" for pane in PANES), "console.png"])
    for name in written:
        data = (tmp_path / "shots" / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000, name
    assert result.stdout.count("wrote ") == len(written)


# A recogniser that hears each phrase of window.spoken in turn, then silence: the browser
# API's shape, so the page's own hands-free loop is what runs.
SCRIPTED_RECOGNITION = """
window.spoken = [];
window.SpeechRecognition = class {
  start() {
    window.listens = (window.listens || 0) + 1;
    setTimeout(() => {
      const phrase = window.spoken.shift();
      if (phrase === undefined) {
        this.onerror && this.onerror({ error: "no-speech" });
      } else {
        const result = [{ transcript: phrase }];
        result.isFinal = true;
        this.onresult({ results: [result] });
      }
      this.onend && this.onend();
    }, 30);
  }
  abort() {}
};
delete window.webkitSpeechRecognition;
"""


def test_a_routine_hands_free_listens_again_after_each_answer(browser, console_url):
    page = open_page(browser, console_url, SCRIPTED_RECOGNITION)
    page.select_option("#pace", "0")
    page.evaluate("phrases => window.spoken.push(...phrases)", [
        "open hamstring coach", "start the foam roller release", "next", "next", "next",
        "next"])
    page.get_by_role("button", name="Speak").click()
    assert page.locator("#listen").get_attribute("aria-pressed") == "true"
    page.wait_for_function("document.querySelectorAll('#turns > li').length === 6",
                           timeout=30000)
    settled(page)
    assert "end of the foam roller release" in coach(page)
    said = [t.inner_text() for t in page.locator("#turns .you .text").all()]
    assert said == ["open hamstring coach", "start the foam roller release", "next", "next",
                    "next", "next"]
    assert page.locator("[data-notice=recognition]").count() == 0
    assert page.errors == []


def test_silence_gets_the_reprompt_and_then_ends_the_session(browser, console_url):
    page = open_page(browser, console_url, SCRIPTED_RECOGNITION)
    page.select_option("#pace", "0")
    page.evaluate("window.spoken.push('open hamstring coach')")
    page.get_by_role("button", name="Speak").click()
    page.wait_for_function("document.querySelectorAll('#turns > li').length === 2",
                           timeout=30000)
    settled(page)
    assert "SessionEndedRequest EXCEEDED_MAX_REPROMPTS" in how(page)
    launch = page.locator("#turns > li").first.locator(".coach").inner_text()
    assert "(you said nothing) You can tell me how your hamstrings feel" in launch
    assert page.evaluate("window.listens") == 3  # the question, the reprompt, then no more


def test_every_control_has_a_name_a_screen_reader_can_say(browser, console_url):
    page = open_page(browser, console_url)
    for role, name in (("combobox", "Device"), ("combobox", "Locale"), ("combobox", "Holds"),
                       ("textbox", "What you would say"), ("button", "Send"),
                       ("button", "Next"), ("button", "Speak"), ("button", "New session"),
                       ("button", "Forget me")):
        assert page.get_by_role(role, name=name).count() == 1, (role, name)
    for pane in ("Conversation", "The coach says", "Screen and card", "Requests and responses",
                 "Attributes after the turn", "Packs"):
        assert page.get_by_role("region", name=pane).count() == 1, pane
    page.focus("#say-text")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "send"
