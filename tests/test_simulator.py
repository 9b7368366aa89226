"""The terminal simulator: natural text resolved with the model, whole sessions through the real
app (in process and over HTTP), and audio whose length keeps the routine's time."""

from __future__ import annotations

import functools
import io
import re
import shutil
import subprocess
import wave
from pathlib import Path

import pytest

from skill import create_app
from skill.cli import main
from skill.model import build_model
from skill.plugins import load_packs
from skill.simulator import Simulator, Understanding, WavRecorder, for_espeak
from skill.ssml import duration, timeline
from skill.testing import AppDevice
from tests.support.client import DemoPack, LiveServer
from tests.support.services import require

BUILT_IN = ["stretching", "strengthening", "massage", "recovery"]
ROUTINE = """\
# the foam roller release, paused halfway and resumed after a relaunch
open hamstring coach
start the foam roller release
done
next
how many left
pause
open hamstring coach
yes
I'm ready
other side
next
next
"""


@functools.cache
def understanding(locale: str = "en-US") -> Understanding:
    return Understanding(build_model(load_packs(BUILT_IN), locale))


def local_app(tmp_path: Path, **config):
    return create_app({"VERIFY_REQUESTS": False,
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'sim.db'}", **config})


def simulator(tmp_path: Path, **config) -> tuple[Simulator, io.StringIO]:
    out = io.StringIO()
    return Simulator.for_app(local_app(tmp_path, **config), out=out, wait=False), out


def in_order(text: str, *expected: str) -> None:
    """Each expected piece appears in ``text``, after the one before."""
    position = 0
    for piece in expected:
        found = text.find(piece, position)
        assert found >= 0, f"{piece!r} not found after position {position} in:\n{text}"
        position = found + len(piece)


# --------------------------------------------------------------------------- understanding


@pytest.mark.parametrize(("text", "intent", "values"), [
    ("my hamstrings are sore after my run", "ReportSymptomIntent",
     {"symptom": "sore", "timing": "after-run"}),
    ("They feel really tight before my run.", "ReportSymptomIntent",
     {"symptom": "tight", "timing": "before-run"}),
    ("I've got a cramp during my run", "ReportSymptomIntent",
     {"symptom": "cramp", "timing": "during-run"}),
    ("I heard a pop", "ReportSymptomIntent", {"symptom": "pop"}),
    ("stiff", "ReportSymptomIntent", {"symptom": "stiff"}),
    ("my hamstrings hurt", "PainIntent", {}),
    ("I stretch a lot but they're still tight", "ReportSymptomIntent",
     {"symptom": "tight", "habit": "stretches-a-lot"}),
    ("start the foam roller release", "StartRoutineIntent", {"routine": "foam-roller-release"}),
    ("let's do the foam roller", "StartRoutineIntent", {"routine": "foam-roller-release"}),
    ("tennis ball", "StartRoutineIntent", {"routine": "tennis-ball-release"}),
    ("start yoga for cats", "StartRoutineIntent", {"routine": "yoga for cats"}),
    ("what routines do you have", "ListRoutinesIntent", {}),
    ("how do I use an ice pack", "ProductTipsIntent", {"product": "cold-pack"}),
    ("what can I use for recovery", "ProductTipsIntent", {}),
    ("how many left", "ProgressIntent", {}),
    ("how long is left", "ProgressIntent", {}),
    ("keep going", "KeepGoingIntent", {}),
    ("more", "MoreIntent", {}),
    ("name the others", "MoreIntent", {}),
    ("don't stop", "KeepGoingIntent", {}),
    ("one step at a time", "OneStepAtATimeIntent", {}),
    ("Alexa, next please.", "AMAZON.NextIntent", {}),
    ("next one", "AMAZON.NextIntent", {}),
    ("done", "AMAZON.NextIntent", {}),
    ("go back", "AMAZON.PreviousIntent", {}),
    ("say that again", "AMAZON.RepeatIntent", {}),
    ("start over", "AMAZON.StartOverIntent", {}),
    ("take a break", "WaitIntent", {}),
    ("hang on", "WaitIntent", {}),
    ("pause the routine", "AMAZON.PauseIntent", {}),
    ("other leg", "SwitchSideIntent", {"side": "other"}),
    ("switch legs", "SwitchSideIntent", {}),
    ("now the right leg", "SwitchSideIntent", {"side": "right"}),
    ("this is too hard", "TooHardIntent", {}),
    ("make it easier", "TooHardIntent", {}),
    ("too easy", "TooEasyIntent", {}),
    ("what do I need", "EquipmentIntent", {}),
    ("how many more", "RepsLeftIntent", {}),
    ("how many reps", "RepsLeftIntent", {}),
    ("thanks", "ThanksIntent", {}),
    ("okay", "ThanksIntent", {}),
    ("pick up where I left off", "AMAZON.ResumeIntent", {}),
    ("yes please", "AMAZON.YesIntent", {}),
    ("I don't", "AMAZON.NoIntent", {}),
    ("help", "AMAZON.HelpIntent", {}),
    ("stop", "AMAZON.StopIntent", {}),
    ("never mind", "AMAZON.CancelIntent", {}),
])
def test_natural_phrasings_resolve_to_intents_and_slot_ids(text, intent, values):
    heard = understanding().hear(text)
    assert heard is not None and (heard.intent, heard.values()) == (intent, values)


def test_slots_carry_entity_resolution_like_alexa():
    heard = understanding().hear("my hamstrings are sore after my run")
    symptom = heard.slots["symptom"]
    assert symptom["value"] == "sore"
    authority = symptom["resolutions"]["resolutionsPerAuthority"][0]
    assert authority["status"]["code"] == "ER_SUCCESS_MATCH"
    assert authority["values"][0]["value"] == {"name": "sore", "id": "sore"}
    unknown = understanding().hear("start yoga for cats").slots["routine"]
    assert unknown["resolutions"]["resolutionsPerAuthority"][0]["status"]["code"] == \
        "ER_SUCCESS_NO_MATCH"


def test_each_locale_understands_its_own_english():
    trainers = "my hamstrings are tight since I got new trainers"
    assert understanding("en-GB").hear(trainers).values() == {"symptom": "tight"}
    assert understanding("en-US").hear(trainers).values() == {
        "symptom": "tight since i got new trainers"}  # heard, but no such symptom
    assert understanding("en-AU").hear("my hammy is sore").values() == {"symptom": "sore"}
    assert understanding("en-GB").hear("pardon").intent == "AMAZON.RepeatIntent"
    assert understanding("en-US").hear("pardon") is None


def test_nothing_matching_gets_the_nearest_phrasing_and_a_fallback(tmp_path):
    sim, out = simulator(tmp_path)
    answer = sim.hear("how many are lef")
    assert 'nothing in the en-US model matches "how many are lef"; the nearest is "how many ' \
           'are left"' in out.getvalue()
    assert "-> AMAZON.FallbackIntent" in out.getvalue()
    assert "Sorry, I didn't catch that." in answer.text


# --------------------------------------------------------------------------- sessions


def test_a_scripted_session_completes_a_routine_and_resumes_it_after_a_relaunch(
        tmp_path, capsys):
    script = tmp_path / "routine.txt"
    script.write_text(ROUTINE)
    db = tmp_path / "progress.db"
    assert main(["simulate", "--script", str(script), "--fast", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "# the foam roller" not in out
    in_order(out,
             "you:  open hamstring coach", "-> LaunchRequest, new session",
             "Welcome to Hamstring Coach.",
             "-> StartRoutineIntent routine=foam-roller-release", "Let's do the foam roller",
             "Step 1 of 3: Both legs on the roller.", "[… ", "Slow and steady.",
             "-> AMAZON.NextIntent", "Step 2 of 3: One leg at a time.", "Left side first.",
             "-> ProgressIntent", "You're on step 2 of 3",
             "-> AMAZON.PauseIntent", "Paused on step 2 of 3", "(session ended)",
             "-> LaunchRequest, new session", "Welcome back. You were on step 2 of 3",
             "-> AMAZON.YesIntent",
             "Picking up at step 2 of 3 of the foam roller release: one leg at a time.",
             "-> AMAZON.NextIntent", "Step 2 of 3: One leg at a time.",
             "-> SwitchSideIntent side=other", "Now the right side.",
             "Step 3 of 3: Rest and shake out.",
             "That's the end of the foam roller release.",
             "[card] Routine finished: foam roller release", "(session ended)")
    assert "(if you say nothing: Say next to go on" in out
    assert db.exists()


def until_a_hold(sim: Simulator, start: str) -> list:
    """Start a routine and say "next" until a turn holds a pause: the answers."""
    answers = [sim.hear(start)]
    while not any(kind == "pause" for kind, _, _ in timeline(answers[-1].ssml)):
        assert len(answers) < 3, "no hold in the first turns"
        answers.append(sim.hear("next"))
    return answers


def test_one_shot_requests_exit_and_the_same_user_across_sessions(tmp_path):
    sim, out = simulator(tmp_path)
    answer = sim.hear("ask hamstring coach to start the knot release")
    assert "Let's do the knot release," in answer.text and not answer.ends
    assert "-> StartRoutineIntent routine=knot-release (new session)" in out.getvalue()
    sim.hear("exit")
    assert "-> SessionEndedRequest USER_INITIATED" in out.getvalue()
    assert sim.device.session_id is None
    assert "(no session is open)" not in out.getvalue()
    sim.hear("quit")
    assert "(no session is open)" in out.getvalue()
    answer = sim.hear("open hamstring coach")
    assert "Welcome back. You were on step 1 of 4 of the knot release." in answer.text
    answer = sim.hear("no")
    assert "Okay, a fresh start then." in answer.text


def test_a_routine_from_a_third_party_pack_can_be_started_by_name(tmp_path):
    sim, out = simulator(tmp_path, PLUGINS={"demo": DemoPack()})
    answer = sim.hear("let's do the demo routine")
    assert "-> StartRoutineIntent routine=demo-routine" in out.getvalue()
    assert "Let's do the demo routine," in answer.text


def test_pauses_are_waited_through_unless_fast(tmp_path, monkeypatch):
    waited: list[float] = []
    monkeypatch.setattr("skill.simulator.time.sleep", waited.append)
    sim = Simulator.for_app(local_app(tmp_path), out=io.StringIO())
    answers = until_a_hold(sim, "start the foam roller release")
    pauses = sum(seconds for a in answers for kind, seconds, _ in timeline(a.ssml)
                 if kind == "pause")
    assert sum(waited) == pytest.approx(pauses)
    # the first step is a 60 second roll, less the cues said during it
    assert 0.85 * 60 < pauses < 60
    fast = Simulator.for_app(local_app(tmp_path), out=io.StringIO(), wait=False)
    waited.clear()
    until_a_hold(fast, "start the foam roller release")
    assert waited == []


def test_talking_to_a_running_skill_over_http(tmp_path, capsys):
    script = tmp_path / "script.txt"
    script.write_text("open hamstring coach\nlist routines\nthe stretching one\nstop\n")
    with LiveServer(local_app(tmp_path)) as live:
        code = main(["simulate", "--url", f"{live.url}/alexa", "--script", str(script),
                     "--fast"])
    assert code == 0
    in_order(capsys.readouterr().out, "Welcome to Hamstring Coach.", "-> ListRoutinesIntent",
             "I have three kinds of routine:", "-> FindRoutineIntent category=stretching",
             "For stretching, I have the after run stretches", "-> AMAZON.StopIntent",
             "(session ended)")


def test_a_server_that_is_not_there_is_reported(tmp_path, capsys):
    script = tmp_path / "script.txt"
    script.write_text("open hamstring coach\n")
    assert main(["simulate", "--url", "http://127.0.0.1:9/alexa", "--script", str(script)]) == 1
    assert "Is the skill running there?" in capsys.readouterr().err


# --------------------------------------------------------------------------- audio


def test_espeak_gets_one_break_per_silence_and_the_leading_one_apart():
    ssml = ('<speak><break time="2s"/> Hold. <break time="10s"/> <break time="5s"/> Relax &amp; '
            'breathe. <break time="1500ms"/></speak>')
    assert for_espeak(ssml) == (2.0, '<speak>Hold. <break time="15000ms"/> Relax &amp; breathe. '
                                     '<break time="1500ms"/></speak>')


def seconds(path: Path) -> float:
    """The length of a WAV file as sox measures it."""
    return float(subprocess.run(["soxi", "-D", str(path)], capture_output=True, text=True,
                                check=True).stdout)


def test_the_wav_file_keeps_the_time_of_the_holds(tmp_path):
    require(shutil.which("espeak-ng") is not None, "espeak-ng")
    require(shutil.which("soxi") is not None, "sox")
    audio = tmp_path / "hold.wav"
    recorder = WavRecorder(audio, "en-US")
    sim = Simulator.for_app(local_app(tmp_path), out=io.StringIO(), voice=recorder, wait=False)
    answers = until_a_hold(sim, "start the foam roller release")
    recorder.close()
    measured = seconds(audio)
    assert measured == pytest.approx(sum(duration(a.ssml) for a in answers), rel=0.10)
    # the breaks alone account for the 60 second roll (less the cues said during it) ...
    breaks = sum(s for a in answers for kind, s, _ in timeline(a.ssml) if kind == "pause")
    assert 0.85 * 60 < breaks < 60
    # ... and the file holds them: its length less the words said without any break
    words = 0.0
    for number, answer in enumerate(answers):
        spoken = tmp_path / f"words{number}.wav"
        subprocess.run(["espeak-ng", "-m", "-s", "150", "-v", "en-us", "-w", str(spoken),
                        re.sub(r"<break [^>]*/>", "", for_espeak(answer.ssml)[1])], check=True)
        words += seconds(spoken)
    assert measured - words == pytest.approx(breaks, rel=0.10)
    with wave.open(str(audio)) as file:
        assert (file.getnchannels(), file.getsampwidth()) == (1, 2)


def test_simulate_wav_writes_the_session_audio(tmp_path, capsys):
    require(shutil.which("espeak-ng") is not None, "espeak-ng")
    require(shutil.which("soxi") is not None, "sox")
    script = tmp_path / "launch.txt"
    script.write_text("open hamstring coach\n")
    audio = tmp_path / "session.wav"
    assert main(["simulate", "--script", str(script), "--wav", str(audio),
                 "--db", str(tmp_path / "wav.db")]) == 0
    assert f"wrote {audio}" in capsys.readouterr().out
    expected = duration(AppDevice(local_app(tmp_path)).launch().ssml)
    assert seconds(audio) == pytest.approx(expected, rel=0.10)


def test_speak_and_wav_need_espeak(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("skill.simulator.shutil.which", lambda name: None)
    assert main(["simulate", "--speak"]) == 2
    assert "need espeak-ng" in capsys.readouterr().err
