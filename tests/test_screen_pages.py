"""Seeing and hearing a routine without a device: ``hamstring simulate`` names each turn's
card, ``--screens DIR`` writes an HTML approximation of it that headless Chromium shows with
its countdown running and its buttons sending their events, and ``--wav`` mixes the ticking
clock under a hold so that no second of it is silent."""

from __future__ import annotations

import array
import io
import json
import re
import shutil
import wave
from pathlib import Path

import pytest

from skill import create_app
from skill.cli import main
from skill.html_screen import render_html
from skill.presentation import VIEWPORTS
from skill.simulator import Simulator, WavRecorder, passages
from skill.testing import AppDevice
from tests.support.services import require

CHROMIUM = Path("/usr/bin/chromium")
# One script per kind of card: what a user says to get there.
SCRIPTS = {
    "menu": ["open hamstring coach"],
    "overview": ["open hamstring coach", "start the foam roller release"],
    "step": ["open hamstring coach", "start the foam roller release", "ready"],
    "red-flag": ["open hamstring coach", "sharp pain"],
    "end": ["open hamstring coach", "start the tennis ball release", "ready", "next", "next",
            "next", "next", "next", "next", "next", "next"],
}
DEVICES = {"echo-show": "hub-medium", "echo-show-5": "hub-small", "echo-show-15": "hub-large",
           "round-hub": "round", "tv": "tv"}


def simulate(tmp_path: Path, device: str, lines: list[str], capsys) -> tuple[str, list[Path]]:
    """Run a script through ``hamstring simulate --screens``: the output and the pages."""
    script = tmp_path / f"{device}.txt"
    script.write_text("\n".join(lines) + "\n")
    screens = tmp_path / f"screens-{device}"
    capsys.readouterr()
    assert main(["simulate", "--fast", "--script", str(script), "--device", device,
                 "--screens", str(screens), "--db", str(tmp_path / f"{device}.db")]) == 0
    return capsys.readouterr().out, sorted(screens.glob("*.html"))


@pytest.fixture(scope="module")
def browser():
    require(CHROMIUM.exists(), "Debian's chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "Playwright (pip install playwright)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--no-first-run"])
        yield launched
        launched.close()


def test_the_simulator_says_which_card_each_turn_shows(tmp_path, capsys):
    out, pages = simulate(tmp_path, "echo-show", SCRIPTS["step"], capsys)
    assert "[screen: menu] Hamstring Coach: How do your hamstrings feel?" in out
    assert "[screen: overview] Getting ready: Foam roller release" in out
    assert re.search(r"\[screen: step\] Step 1 of 3: Both legs on the roller; countdown from "
                     r"60 s once the speech reaches it \(\d+\.\d s in\); buttons Back, Repeat, "
                     r"Pause, Next; drawn in .*003-step\.html", " ".join(out.split()))
    assert [page.name for page in pages] == ["001-menu.html", "002-overview.html",
                                            "003-step.html"]
    assert "[… 10.0 s, ticking …]" in out and "[chime]" in out


def test_an_echo_without_a_screen_shows_no_card(tmp_path, capsys):
    out, pages = simulate(tmp_path, "echo", SCRIPTS["step"], capsys)
    assert "[screen:" not in out and "ticking" not in out and pages == []


@pytest.mark.parametrize("kind", sorted(SCRIPTS))
@pytest.mark.parametrize("device", sorted(DEVICES))
def test_every_card_draws_in_chromium_with_its_countdown_and_buttons(
        browser, tmp_path, capsys, device, kind):
    out, pages = simulate(tmp_path, device, SCRIPTS[kind], capsys)
    page_file = next(p for p in reversed(pages) if p.stem.endswith(kind))
    viewport = VIEWPORTS[DEVICES[device]]
    page = browser.new_page(viewport={"width": 2000, "height": 1200})
    page.clock.install()
    page.goto(page_file.as_uri())
    caption = page.locator(".caption").inner_text()
    assert "approximation" in caption and "not Amazon's" in caption
    assert f"on a {DEVICES[device]} screen" in caption
    screen = page.locator(".viewport")
    box = screen.bounding_box()
    assert (round(box["width"]), round(box["height"])) == (
        round(viewport["pixelWidth"] * 160 / viewport["dpi"]),
        round(viewport["pixelHeight"] * 160 / viewport["dpi"]))
    labels = page.locator("button.apl-touch").all_inner_texts()
    expected = {"menu": ["Tight", "Sore", "Stiff", "Cramping", "Routines"],
                "overview": ["Start", "Routines"], "step": ["Back", "Repeat", "Pause", "Next"],
                "red-flag": [], "end": ["More routines"]}[kind]
    assert labels == expected
    for label in labels:  # every button is inside the screen, none cut off
        button = page.get_by_role("button", name=label).bounding_box()
        assert button["y"] >= box["y"] and button["y"] + button["height"] <= box["y"] + \
            box["height"], label
        if device == "round-hub":  # all four corners inside the circle
            radius = box["width"] / 2
            for x in (button["x"], button["x"] + button["width"]):
                for y in (button["y"], button["y"] + button["height"]):
                    assert (x - box["x"] - radius) ** 2 + (y - box["y"] - radius) ** 2 \
                        <= radius ** 2, label
    if kind == "step":
        clock = page.locator("#apl-countdown")
        assert clock.inner_text() == "1:00"
        assert page.locator("#apl-clockLabel").inner_text() == "Get ready"
        start = json.loads(clock.get_attribute("data-clock"))["startMs"]
        page.clock.run_for(start + 15_000)  # the speech said "starting now" 15 s ago
        assert clock.inner_text() in ("0:45", "0:44")  # (and the page took a moment to load)
        assert page.locator("#apl-clockLabel").inner_text() == "Roll slowly"
        page.clock.run_for(60_000)
        assert clock.inner_text() == "0:00"
        assert page.locator("#apl-clockLabel").inner_text() == "And relax"
        page.evaluate("window.sent = []; document.addEventListener('apl-send-event', "
                      "e => window.sent.push(e.detail.arguments))")
        page.get_by_role("button", name="Next").click()
        assert page.evaluate("window.sent") == [["AMAZON.NextIntent", {}]]
    if kind == "red-flag":
        assert "Have it checked by a doctor or a physical therapist." in screen.inner_text()
    shots = Path(tmp_path) / "screenshots"  # a test artefact, kept in pytest's temp folder
    shots.mkdir(exist_ok=True)
    page.screenshot(path=str(shots / f"{device}-{kind}.png"))
    assert (shots / f"{device}-{kind}.png").stat().st_size > 5000
    page.close()


def test_the_page_is_drawn_from_a_turns_document_and_data_alone(tmp_path):
    app = create_app({"VERIFY_REQUESTS": False, "DATABASE_URL": f"sqlite:///{tmp_path}/p.db"})
    device = AppDevice(app, device="tv")
    device.say("StartRoutineIntent", routine="foam roller release")
    screen = device.say("AMAZON.NextIntent").screen
    page = render_html(screen["document"], screen["datasources"])
    assert "on a tv screen\n(960 x 540 dp)" in page
    assert "Both legs on the roller" in page and ">1:00<" in page
    round_page = render_html(screen["document"], screen["datasources"], VIEWPORTS["round"])
    assert 'class="viewport round"' in round_page


def loud_windows(path: Path, seconds: float = 1.5) -> list[bool]:
    """For each stretch of ``seconds`` of a WAV file, whether anything can be heard."""
    with wave.open(str(path)) as audio:
        rate = audio.getframerate()
        samples = array.array("h", audio.readframes(audio.getnframes()))
    size = round(seconds * rate)
    return [max(map(abs, samples[i:i + size]), default=0) > 300
            for i in range(0, len(samples) - size, size // 3)]


@pytest.mark.parametrize("ticking", [True, False])
def test_the_wav_of_a_hold_ticks_through_it_when_the_ticking_is_on(tmp_path, ticking):
    require(shutil.which("espeak-ng") is not None, "espeak-ng")
    app = create_app({"VERIFY_REQUESTS": False, "DATABASE_URL": f"sqlite:///{tmp_path}/w.db"})
    sim = Simulator.for_app(app, device="echo-show", out=io.StringIO(), wait=False)
    if not ticking:
        sim.hear("turn the ticking off")
    sim.hear("start the foam roller release")
    hold = sim.hear("ready")
    assert bool(hold.sound) == ticking
    audio = tmp_path / "hold.wav"
    recorder = WavRecorder(audio, "en-US")
    recorder.say(passages(hold.heard()))
    recorder.close()
    heard = loud_windows(audio)
    if ticking:
        assert all(heard), "a second and a half of the hold without a sound"
    else:
        assert not all(heard)  # the silences between the cues
