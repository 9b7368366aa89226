"""The console's server side: its JSON API over real HTTP, the envelopes it sends for each kind
of device, how it reads holds out of the speech, and that it stays a local tool."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from skill import create_app
from skill.cli import main
from skill.console import Console, create_console_app, is_loopback, playback
from skill.plugins import load_packs
from skill.speech import render_segment
from tests.support.client import LiveServer

BUILT_IN = "stretching,strengthening,massage,recovery"


def skill_app(tmp_path: Path):
    return create_app({"VERIFY_REQUESTS": False, "LOAD_PACKS": BUILT_IN,
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'console.db'}"})


class Page:
    """What the page's script does: JSON to and from the console's API, over HTTP."""

    def __init__(self, url: str) -> None:
        self.url = url

    def call(self, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def say(self, text: str) -> dict:
        status, turn = self.call("/api/say", {"text": text})
        assert status == 200, turn
        return turn


@pytest.fixture
def page(tmp_path):
    console = Console(skill_app(tmp_path), database="test")
    with LiveServer(create_console_app(console)) as live:
        yield Page(live.url)


def spoken(turn: dict) -> str:
    return " ".join(item["say"] for item in turn["speech"]["items"] if "say" in item)


def test_a_turn_is_understood_sent_to_alexa_and_described(page):
    launch = page.say("open hamstring coach")
    assert launch["understood"] == {"type": "LaunchRequest", "new_session": True}
    assert launch["request"]["request"]["type"] == "LaunchRequest"
    assert "Welcome to Hamstring Coach" in spoken(launch)
    assert launch["session_open"] and not launch["ends"]

    symptom = page.say("my hamstrings are sore after my run")
    assert symptom["understood"]["intent"] == "ReportSymptomIntent"
    slots = {s["name"]: s for s in symptom["understood"]["slots"]}
    assert slots["symptom"]["id"] == "sore" and slots["symptom"]["status"] == "ER_SUCCESS_MATCH"
    assert symptom["request"]["session"]["new"] is False
    assert symptom["session_attributes"]["profile"]["symptom"] == "sore"
    assert symptom["saved"]["reports"][0]["symptom"] == "sore"

    nonsense = page.say("banana bread")
    assert nonsense["understood"]["intent"] == "AMAZON.FallbackIntent"
    assert 'nothing in the en-US model matches "banana bread"' in nonsense["note"]


def test_a_hold_is_one_countdown_with_its_cues_inside(page):
    page.say("start the foam roller release")
    step = page.say("next")
    holds = step["speech"]["holds"]
    assert [h["seconds"] for h in holds] == [60.0]
    items = step["speech"]["items"]
    inside = [i for i in items if i.get("hold") == 0]
    assert "pause" in inside[0] and "pause" in inside[-1]
    assert [i["say"] for i in inside if "say" in i] == [
        "50 seconds to go.", "Slow and steady.", "Halfway there.", "Keep breathing easily.",
        "10 seconds to go."]
    assert items[-1]["say"].startswith("And relax.")
    assert "hold" not in items[0] and "hold" not in items[-1]


def test_reps_and_holds_of_every_built_in_routine_get_a_countdown():
    packs = load_packs(BUILT_IN.split(","))
    for routine in packs.catalog.routines.values():
        for segment in routine.segments():
            step = routine.steps[segment.step]
            shown = playback(render_segment(routine, segment).ssml())
            if step.kind == "instruction":
                assert shown["holds"] == [], (routine.id, segment)
                continue
            assert len(shown["holds"]) == 1, (routine.id, segment, shown)
            if step.kind != "reps":
                start, end = step.part_window(segment.part)
                assert shown["holds"][0]["seconds"] == pytest.approx(end - start, abs=0.6)


def test_each_device_describes_itself_in_the_envelope(page):
    page.say("open hamstring coach")
    status, switched = page.call("/api/settings", {"device": "round-hub"})
    assert status == 200
    assert switched["ended"]["understood"] == {
        "type": "SessionEndedRequest", "new_session": False, "reason": "USER_INITIATED"}
    turn = page.say("open hamstring coach")
    context = turn["request"]["context"]
    assert "Alexa.Presentation.APL" in context["System"]["device"]["supportedInterfaces"]
    assert context["Viewport"]["shape"] == "ROUND"
    assert turn["screen"]["has_screen"] is True
    page.call("/api/settings", {"device": "tv", "locale": "en-IN"})
    turn = page.say("open hamstring coach")
    assert turn["request"]["context"]["Viewport"]["mode"] == "TV"
    assert turn["request"]["request"]["locale"] == "en-IN"
    page.call("/api/settings", {"device": "echo"})
    turn = page.say("open hamstring coach")
    assert turn["request"]["context"]["System"]["device"]["supportedInterfaces"] == {}
    assert "Viewport" not in turn["request"]["context"]
    assert turn["screen"]["has_screen"] is False


def test_new_session_and_forget_me(page):
    page.say("open hamstring coach")
    page.say("start the foam roller release")
    page.say("next")
    status, result = page.call("/api/new-session", {})
    assert result["ended"]["understood"]["type"] == "SessionEndedRequest"
    assert result["state"]["saved"]["player"]["routine"] == "foam-roller-release"
    assert "You were on step 1 of 3" in spoken(page.say("open hamstring coach"))
    status, result = page.call("/api/forget", {})
    assert status == 200 and result["state"]["saved"] == {}
    assert "deleted" in result["how"]
    assert "Welcome to Hamstring Coach" in spoken(page.say("open hamstring coach"))


def test_forget_me_over_a_url_becomes_a_new_user(tmp_path):
    with LiveServer(skill_app(tmp_path)) as skill:
        console = Console(url=skill.url + "/alexa")
        console.say("open hamstring coach")
        before = console.device.user_id
        result = console.forget()
        assert result["state"]["saved"] is None
        assert console.device.user_id != before
        assert "new user" in result["how"]
        assert console.say("open hamstring coach")["request"]["session"]["user"]["userId"] \
            == console.device.user_id


def test_bad_input_gets_a_clear_answer(page):
    assert page.call("/api/say", {"text": "  "}) == (400, {
        "error": "say something: the text is empty"})
    status, body = page.call("/api/settings", {"device": "toaster"})
    assert status == 400 and "unknown device 'toaster'" in body["error"]
    status, body = page.call("/api/settings", {"locale": "fr-FR"})
    assert status == 400 and "unknown locale" in body["error"]
    status, body = page.call("/api/end", {"reason": "BORED"})
    assert status == 400


def test_a_skill_that_is_down_is_reported(tmp_path):
    console = Console(url="http://127.0.0.1:9/alexa")
    with LiveServer(create_console_app(console)) as live:
        status, body = Page(live.url).call("/api/say", {"text": "open hamstring coach"})
    assert status == 502 and "cannot reach http://127.0.0.1:9/alexa" in body["error"]


def test_the_page_and_its_files_are_served_from_the_package(page):
    with urllib.request.urlopen(page.url + "/", timeout=5) as response:
        html = response.read().decode()
    assert '<script src="/static/console.js"' in html and "http" not in html.split(
        "<body>")[0].replace('href="/static', "")
    for name in ("console.js", "console.css"):
        with urllib.request.urlopen(f"{page.url}/static/{name}", timeout=5) as response:
            assert b"https://" not in response.read()


def test_it_listens_on_loopback_only_unless_told(capsys):
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    assert main(["console", "--host", "0.0.0.0"]) == 2
    assert "refusing to listen on 0.0.0.0" in capsys.readouterr().err


def test_the_production_app_has_no_console(tmp_path):
    rules = {rule.rule for rule in skill_app(tmp_path).url_map.iter_rules()}
    assert not any(rule.startswith("/api") for rule in rules)
    console_rules = {rule.rule for rule in create_console_app(
        Console(skill_app(tmp_path))).url_map.iter_rules()}
    assert "/alexa" not in console_rules and "/api/say" in console_rules


def test_a_screen_device_gets_its_document_drawn_and_its_touches_sent(page):
    page.call("/api/settings", {"device": "echo-show"})
    page.say("start the foam roller release")
    step = page.say("next")
    assert step["screen"]["kind"] == "step"
    assert "An approximation of the step card" in step["screen"]["html"]
    pauses = [i for i in step["speech"]["items"] if "pause" in i]
    assert pauses and all(i["ticking"] for i in pauses)  # APL for Audio: the ticking clock
    assert [h["seconds"] for h in step["speech"]["holds"]] == [pytest.approx(61, abs=1.1)]
    status, touched = page.call("/api/touch", {"arguments": ["AMAZON.NextIntent", {}]})
    assert status == 200
    assert touched["understood"]["type"] == "Alexa.Presentation.APL.UserEvent"
    assert "Step 2 of 3" in spoken(touched)
    assert page.call("/api/touch", {"arguments": "next"})[0] == 400
