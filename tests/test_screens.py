"""Screens and the sound of a hold: every built-in routine played start to finish on an Echo
Show (APL and APL for Audio), a small and a large hub, a round hub, a TV and an audio-only
Echo, over real HTTP with signed requests. Every card passes Amazon's apl-suggester, the
screen changes nothing that is heard, and touching the buttons drives a whole routine."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from skill import presentation
from skill.plugins import load_packs
from skill.testing import Answer
from tests.support.alexa_ca import default_chain
from tests.support.client import LiveServer, SkillClient, make_app
from tests.support.services import require

BUILT_IN = ["stretching", "strengthening", "massage", "recovery"]
CATALOG = load_packs(BUILT_IN).catalog
ROUTINES = sorted(CATALOG.routines)
SCREENS = ["echo-show", "echo-show-5", "echo-show-15", "round-hub", "tv"]
VALIDATOR = Path(__file__).parent / "apl"
QUIET_LIMIT = 12.0  # seconds of silence with nothing to hear, at most, with the ticking off


@pytest.fixture(scope="module")
def chain():
    return default_chain()


@pytest.fixture(scope="module")
def url(tmp_path_factory, chain):
    app = make_app(tmp_path_factory.mktemp("screens"), chain, load=",".join(BUILT_IN))
    with LiveServer(app) as live:
        yield live.url


def play(url: str, chain, device: str, routine_id: str, user: str = "") -> list[Answer]:
    """Start a routine by voice and say "next" until it ends; every answer checked."""
    client = SkillClient(url, chain, user_id=f"user-{device}-{routine_id}{user}", device=device)
    answers = [client.say("StartRoutineIntent", routine=CATALOG.routines[routine_id].name.default)]
    while not answers[-1].ends:
        answers.append(client.say("AMAZON.NextIntent"))
    return answers


@pytest.fixture(scope="module")
def played(url, chain) -> dict[tuple[str, str], list[Answer]]:
    """Every routine on every kind of device, played once for all the tests here."""
    return {(device, routine): play(url, chain, device, routine)
            for device in ["echo", "echo-show-apl-only", *SCREENS] for routine in ROUTINES}


def validate(turns: list[dict]) -> list[list[dict]]:
    """apl-suggester's findings for each ``{"document", "datasources"}``."""
    require(shutil.which("node") is not None
            and (VALIDATOR / "node_modules" / "apl-suggester").is_dir(),
            "node with apl-suggester (npm ci --prefix tests/apl)")
    result = subprocess.run(["node", str(VALIDATOR / "validate.js")], input=json.dumps(turns),
                            capture_output=True, text=True, check=True, timeout=300)
    return json.loads(result.stdout)


def test_the_validator_finds_a_broken_card():
    broken = presentation.document("step")
    broken["layouts"]["Button"]["item"]["item"]["borderWidth"] = "thick"
    findings = validate([{"document": broken}])[0]
    assert any(f["path"].endswith("/borderWidth") for f in findings), findings


def test_every_card_of_every_routine_passes_apl_suggester(played, url, chain):
    turns: dict[str, dict] = {}
    for device in SCREENS:
        client = SkillClient(url, chain, user_id=f"user-menu-{device}", device=device)
        extra = [client.launch(), client.say("ReportSymptomIntent", symptom="sharp pain"),
                 client.say("StartRoutineIntent", routine="knot release"),
                 client.say("AMAZON.YesIntent"),  # "has it been checked?": yes
                 client.say("AMAZON.PauseIntent"), client.launch()]  # and "welcome back"
        for answer in extra + [a for r in ROUTINES for a in played[device, r]]:
            screen = answer.screen
            assert screen, answer.text[:80]
            key = json.dumps(screen, sort_keys=True)
            turns[key] = {"document": screen["document"], "datasources": screen["datasources"]}
    kinds = {t["datasources"]["payload"]["heading"].split(" ")[0] for t in turns.values()}
    assert {"Hamstring", "Getting", "Welcome", "Step", "Finished"} <= kinds
    for turn, findings in zip(turns.values(), validate(list(turns.values())), strict=True):
        assert findings == [], (findings, turn["datasources"]["payload"].get("title"))


@pytest.mark.parametrize("routine_id", ROUTINES)
def test_a_screen_changes_nothing_that_is_heard(played, routine_id):
    audio_only = played["echo", routine_id]
    assert all(not a.directives for a in audio_only)
    for device in ["echo-show-apl-only", "tv"]:
        shown = played[device, routine_id]
        assert [(a.ssml, a.reprompt, a.ends) for a in shown] == \
            [(a.ssml, a.reprompt, a.ends) for a in audio_only], device
        assert all(a.screen for a in shown)
    for device in ["echo-show", "round-hub"]:  # holds over the ticking clock: the same words
        ticking = played[device, routine_id]
        assert [(a.text, a.reprompt) for a in ticking] == \
            [(a.text, a.reprompt) for a in audio_only], device
        assert any(a.sound for a in ticking) == any(
            CATALOG.routines[routine_id].steps[i].kind in ("hold", "rolling", "timed")
            for i in range(len(CATALOG.routines[routine_id].steps)))


@pytest.mark.parametrize("routine_id", ROUTINES)
def test_every_step_card_says_where_the_user_is(played, routine_id):
    routine = CATALOG.routines[routine_id]
    for device in SCREENS:
        answers = played[device, routine_id]
        steps = [a.screen["datasources"]["payload"] for a in answers
                 if a.screen["datasources"]["payload"]["heading"].startswith("Step")]
        titles = [step.title.get() for step in routine.steps]
        # the last step shows the end card, unless its hold is still to run
        assert set(titles) - {s["title"] for s in steps} <= {titles[-1]}
        last = answers[-1].screen["datasources"]["payload"]
        assert last["heading"] == "Finished" or last["title"] == titles[-1]
        for payload in steps:
            assert payload["heading"].endswith(f"of {len(routine.steps)}")
            assert [b["label"] for b in payload["buttons"]] == ["Back", "Repeat", "Pause", "Next"]
            assert payload["layout"] == presentation.PROFILES[presentation.profile(
                presentation.VIEWPORTS[payload_profile(device)])]


def payload_profile(device: str) -> str:
    return {"echo-show": "hub-medium", "echo-show-5": "hub-small", "echo-show-15": "hub-large",
            "round-hub": "round", "tv": "tv"}[device]


@pytest.mark.parametrize("routine_id", ROUTINES)
def test_the_countdown_starts_when_the_speech_says_starting_now(played, routine_id):
    for answer in played["echo-show", routine_id]:
        clock = answer.screen["datasources"]["payload"].get("step", {}).get("clock")
        if clock is None:
            assert "starting now" not in answer.text or "Step" not in answer.text[:5]
            continue
        said = 0.0
        for kind, seconds, text in answer.heard():
            if kind == "say" and text.endswith(("starting now.", "Keep going.")):
                said += seconds
                break
            said += seconds
        assert clock["startMs"] == pytest.approx(said * 1000, abs=50)
        assert clock["left"] - clock["end"] > 0


@pytest.mark.parametrize("routine_id", ROUTINES)
def test_with_the_ticking_no_stretch_of_a_hold_is_silent(played, routine_id):
    for answer in played["echo-show", routine_id]:
        if not answer.sound:
            assert answer.ssml
            continue
        heard = answer.heard()
        assert all(kind != "pause" for kind, _, _ in heard), heard  # every silence ticks
        assert sum(s for _, s, _ in heard) <= 240
        assert presentation.audio_clips(answer.sound["document"],
                                        answer.sound["datasources"]) <= 5


@pytest.mark.parametrize("routine_id", ROUTINES)
def test_without_the_ticking_holds_are_the_plain_speech_of_any_echo(url, chain, played,
                                                                   routine_id):
    client = SkillClient(url, chain, user_id=f"user-quiet-{routine_id}", device="echo-show")
    client.say("TickingOffIntent")
    answers = [client.say("StartRoutineIntent",
                          routine=CATALOG.routines[routine_id].name.default)]
    while not answers[-1].ends:
        answers.append(client.say("AMAZON.NextIntent"))
    assert all(a.sound is None and a.screen for a in answers)
    assert [(a.ssml, a.reprompt) for a in answers] == \
        [(a.ssml, a.reprompt) for a in played["echo", routine_id]]


def test_the_ticking_preference_is_kept_across_sessions(url, chain):
    client = SkillClient(url, chain, user_id="user-ticking", device="echo-show")
    off = client.say("TickingOffIntent")
    assert off.text.startswith("Okay, no ticking")
    client.say("AMAZON.StopIntent")
    client.launch()
    client.say("StartRoutineIntent", routine="foam roller release")
    assert client.say("AMAZON.NextIntent").sound is None
    on = client.say("TickingOnIntent")
    assert on.text.startswith("Okay, you'll hear a clock ticking")
    assert on.text.endswith("Say next when you're ready.")
    assert client.say("AMAZON.NextIntent").sound is not None


@pytest.mark.parametrize("routine_id", ROUTINES)
def test_touching_the_buttons_drives_a_whole_routine(url, chain, played, routine_id):
    client = SkillClient(url, chain, user_id=f"user-touch-{routine_id}", device="echo-show")
    launch = client.launch()
    buttons = {b["label"]: b for b in launch.screen["datasources"]["payload"]["buttons"]}
    listed = client.touch(buttons["Routines"]["intent"])
    assert listed.text.startswith("I have ") and "kinds of routine" in listed.text
    answers = [client.touch("StartRoutineIntent",
                            routine=CATALOG.routines[routine_id].name.default)]
    while not answers[-1].ends:
        payload = answers[-1].screen["datasources"]["payload"]
        press = {b["label"]: b for b in payload["buttons"]}
        answers.append(client.touch(press.get("Next", press.get("Start"))["intent"]))
    spoken = [a.text for a in played["echo-show", routine_id]]
    assert [a.text for a in answers] == spoken


def test_back_repeat_and_pause_on_the_screen_work_like_saying_them(url, chain):
    client = SkillClient(url, chain, user_id="user-touch-keys", device="round-hub")
    client.say("StartRoutineIntent", routine="foam roller release")
    first = client.touch("AMAZON.NextIntent")
    assert first.text.startswith("Step 1 of 3")
    second = client.touch("AMAZON.NextIntent")
    assert second.text.startswith("Step 2 of 3")
    assert client.touch("AMAZON.RepeatIntent").text == second.text
    assert client.touch("AMAZON.PreviousIntent").text.startswith("Step 1 of 3")
    paused = client.touch("AMAZON.PauseIntent")
    assert paused.text.startswith("Paused on step 1 of 3") and paused.ends


def test_an_unknown_touch_is_answered_like_something_not_understood(url, chain):
    client = SkillClient(url, chain, user_id="user-touch-odd", device="echo-show")
    client.launch()
    odd = client.touch("NoSuchIntent")
    assert odd.text.startswith("Sorry, I didn't catch that.") and not odd.ends


def test_the_menu_touches_a_feeling_and_the_red_flag_card_is_plain(url, chain):
    client = SkillClient(url, chain, user_id="user-touch-menu", device="echo-show")
    menu = client.launch().screen["datasources"]["payload"]
    assert menu["title"] == "How do your hamstrings feel?"
    sore = next(b for b in menu["buttons"] if b["label"] == "Sore")
    touched = client.touch(sore["intent"], **sore["slots"])
    voice = SkillClient(url, chain, user_id="user-voice-menu", device="echo")
    voice.launch()
    assert touched.text == voice.say("ReportSymptomIntent", symptom="sore").text
    red = client.say("ReportSymptomIntent", symptom="it popped")
    card = red.screen["datasources"]["payload"]
    assert card["title"] == "Stop now." and "physical therapist" in card["lines"][-1]
    assert card["buttons"] == []


def test_the_end_and_red_flag_cards_stay_up_without_the_microphone(played, url, chain):
    last = played["echo-show", "foam-roller-release"][-1]
    assert last.screen and "shouldEndSession" not in last.body["response"]
    assert "shouldEndSession" in played["echo", "foam-roller-release"][-1].body["response"]
    client = SkillClient(url, chain, user_id="user-stop", device="echo-show")
    client.say("StartRoutineIntent", routine="foam roller release")
    assert client.say("AMAZON.StopIntent").body["response"]["shouldEndSession"] is True


@pytest.mark.parametrize("kind", sorted(presentation.VIEWPORTS))
def test_the_skill_manifest_declares_every_screen_the_cards_are_laid_out_for(kind):
    manifest = json.loads((Path(__file__).parents[1] / "infra" / "skill-package" /
                           "skill.json").read_text())["manifest"]
    interfaces = manifest["apis"]["custom"]["interfaces"]
    apl = next(i for i in interfaces if i["type"] == "ALEXA_PRESENTATION_APL")
    viewport = presentation.VIEWPORTS[kind]
    width, height = (viewport[f"pixel{side}"] * 160 / viewport["dpi"]
                     for side in ("Width", "Height"))
    assert any(v["mode"] == viewport["mode"] and v["shape"] == viewport["shape"]
               and v["minWidth"] <= width <= v["maxWidth"]
               and v["minHeight"] <= height <= v["maxHeight"]
               for v in apl["supportedViewports"]), kind
    assert presentation.profile(viewport) == kind


def test_the_limits_checker_reads_audio_documents():
    from skill.speech import Speech
    from skill.ssml import limit_problems
    from skill.turn import Reply

    def response(speech: Speech, expects_answer: bool = True) -> dict:
        sound = presentation.render_audio(Reply(speech))
        return {"version": "1.0", "response": {"directives": [sound],
                                               "shouldEndSession": not expects_answer}}

    hold = Speech().say("Hold for a while, starting now.").hold(50).pause(50).say("And relax.")
    assert limit_problems(response(hold)) == []
    def long() -> Speech:
        return Speech().say("Hold, starting now.").hold(100).pause(100).say("Stay with it.")

    assert limit_problems(response(long())) == [
        "about 103s of audio in a turn that expects an answer"]
    assert limit_problems(response(long(), False)) == []
    longer = Speech().say("Hold, starting now.").hold(120).pause(120).say("Keep going.")
    longer.say("Now again, starting now.").hold(120).pause(120).say("And relax.")
    assert limit_problems(response(longer, False)) == ["about 246s of audio; Alexa plays at "
                                                       "most 240s"]
    clips = response(hold)
    clips["response"]["outputSpeech"] = {
        "type": "SSML", "ssml": "<speak>" + '<audio src="soundbank://x"/>' * 4 + "</speak>"}
    assert limit_problems(clips) == ["6 audio clips; Alexa plays at most 5"]


def test_a_steps_card_line_is_shown_instead_of_its_instruction(tmp_path):
    from skill.content import build_routine, read
    from skill.speech import render_segment
    from skill.turn import Screen

    step = {"title": "Wall calf stretch", "kind": "hold", "hold_seconds": 30,
            "instruction": "Hands on the wall. One foot back. Heel down. Lean in slowly.",
            "card": "Heel down, lean in"}
    routine = build_routine({"id": "calf", "name": "calf stretch", "when": "After a run.",
                             "avoid": "Stop at any sharp pain.", "steps": [step]}, "test")
    segment = routine.segments()[0]
    speech = render_segment(routine, segment)
    shown = presentation.screen_data(Screen("step", routine, segment), speech, "en-US",
                                     "hub-large")
    assert shown["lines"] == ["Heel down, lean in"]
    assert "Heel down, lean in" not in speech.ssml()  # a card line is never spoken
    plain = build_routine({"id": "calf", "name": "calf stretch", "when": "After a run.",
                           "avoid": "Stop.", "steps": [{**step, "card": None}]}, "test")
    for kind, count in (("hub-large", 4), ("hub-small", 2), ("round", 0)):
        lines = presentation.screen_data(Screen("step", plain, segment), speech, "en-US",
                                         kind)["lines"]
        assert lines == ["Hands on the wall.", "One foot back.", "Heel down.",
                         "Lean in slowly."][:count]
    pack = tmp_path / "pack.yaml"
    pack.write_text("pack: {id: calf, name: Calf, version: '1.0'}\nroutines:\n"
                    "  - id: calf\n    name: calf stretch\n    when: After a run.\n"
                    "    avoid: Stop at any sharp pain.\n    equipment: [wall]\n    steps:\n"
                    "      - {title: Wall, instruction: Lean in., kind: instruction, "
                    f"card: {'x' * 61}}}\n")
    _, problems = read(pack)
    assert [str(p).split(": expected ")[0].split(" ", 1)[1] for p in problems] == [
        "routines[0].steps[0].card"]
    pack.write_text(pack.read_text().replace("x" * 61, "Lean on the wall"))
    assert read(pack)[1] == []


def test_coming_back_shows_where_the_user_left_off_with_buttons_to_pick_up(url, chain):
    client = SkillClient(url, chain, user_id="user-back", device="echo-show-5")
    client.say("StartRoutineIntent", routine="foam roller release")
    client.say("AMAZON.NextIntent")
    client.say("AMAZON.NextIntent")
    client.say("AMAZON.PauseIntent")
    back = client.launch()
    card = back.screen["datasources"]["payload"]
    assert (card["heading"], card["title"]) == ("Welcome back", "Foam roller release")
    assert card["lines"][0] == "You were on step 2 of 3."
    assert [b["label"] for b in card["buttons"]] == ["Pick up", "Fresh start"]
    picked = client.touch(card["buttons"][0]["intent"])
    assert picked.text.startswith("Picking up at step 2 of 3 of the foam roller release")


@pytest.mark.parametrize("routine_id", ROUTINES)
def test_keep_going_plays_several_steps_a_turn_within_the_limits_on_a_screen(url, chain,
                                                                              routine_id):
    client = SkillClient(url, chain, user_id=f"user-keep-{routine_id}", device="echo-show-15")
    client.say("KeepGoingIntent")
    answers = [client.say("StartRoutineIntent",
                          routine=CATALOG.routines[routine_id].name.default)]
    while not answers[-1].ends:  # every answer is checked against Alexa's limits on arrival
        answers.append(client.say("AMAZON.NextIntent"))
    assert all(a.screen for a in answers)
    assert all(len(json.dumps(a.body).encode()) <= 24 * 1024 for a in answers)
