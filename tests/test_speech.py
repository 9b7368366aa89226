"""Speech rendering and the SSML checker, with no Alexa types."""

from __future__ import annotations

import re

import pytest

from skill.engine import Cue, Routine, Segment, Step, Text
from skill.speech import MAX_QUIET, Speech, hold_cues, render_segment
from skill.ssml import check, duration, timeline
from tests.support.speech import hold_spans


def hold(seconds: int, cues=(), sides="one", kind="hold") -> Routine:
    step = Step(Text("Stretch"), Text("Lie down & relax < a bit >."), kind=kind, sides=sides,
                seconds=seconds, cues=cues)
    return Routine("r", Text("r"), (step,))


def hold_time(ssml: str) -> float:
    [span] = hold_spans(ssml)
    return span


@pytest.mark.parametrize("seconds", [5, 15, 30, 45, 60])
def test_a_hold_lasts_exactly_its_length(seconds):
    routine = hold(seconds, (Cue(seconds / 2, Text("Halfway. Breathe.")),))
    ssml = render_segment(routine, routine.segments()[0]).ssml()
    assert hold_time(ssml) == pytest.approx(seconds, abs=0.3)
    assert check(ssml, expects_answer=True) == []


def test_a_long_hold_is_timed_across_its_parts():
    routine = hold(150, kind="rolling")
    parts = [render_segment(routine, s).ssml() for s in routine.segments()]
    assert len(parts) == 3
    assert sum(hold_time(p) for p in parts) == pytest.approx(150, abs=0.5)
    assert all(check(p, expects_answer=True) == [] for p in parts)


def test_breaks_are_chained_and_never_longer_than_ten_seconds():
    ssml = Speech().pause(37.25).ssml()
    times = re.findall(r'time="([^"]+)"', ssml)
    assert times == ["10s", "10s", "10s", "7300ms"]
    assert duration(ssml) == pytest.approx(37.3)


def test_cues_come_at_their_moments_and_gaps_get_time_left_and_breathing():
    step = Step(Text("s"), Text("i"), kind="hold", seconds=60,
                cues=(Cue(30, Text("Halfway.")),))
    assert hold_cues(step) == [(10.0, "50 seconds to go."), (20.8, "Keep breathing easily."),
                               (30, "Halfway."), (40.0, "20 seconds to go."),
                               (50.8, "Stay relaxed.")]


def test_time_left_is_said_in_round_numbers():
    step = Step(Text("s"), Text("i"), kind="hold", seconds=45,
                cues=(Cue(23, Text("Keep your back long.")),))
    assert hold_cues(step) == [(10.0, "35 seconds to go."), (23, "Keep your back long."),
                               (35.0, "10 seconds to go.")]


def test_a_long_hold_with_no_cues_of_its_own_says_halfway():
    step = Step(Text("s"), Text("i"), kind="hold", seconds=60)
    assert (30.0, "Halfway there.") in hold_cues(step)
    assert all(text != "Halfway there." for _, text in hold_cues(
        Step(Text("s"), Text("i"), kind="hold", seconds=30)))


def longest_silence(ssml: str) -> float:
    """The longest run of breaks with nothing said in between."""
    longest = run = 0.0
    for kind, seconds, _ in timeline(ssml):
        run = run + seconds if kind == "pause" else 0.0
        longest = max(longest, run)
    return longest


@pytest.mark.parametrize("seconds", [5, 12, 13, 20, 25, 30, 45, 60, 75, 90, 120, 150, 180])
@pytest.mark.parametrize("cue_at", [None, 1, 10, 11.5, "half", "end"])
def test_no_silence_in_a_hold_is_longer_than_twelve_seconds(seconds, cue_at):
    at = {None: None, "half": seconds / 2, "end": seconds - 1}.get(cue_at, cue_at)
    cues = () if at is None or at >= seconds else (Cue(at, Text("Breathe out slowly.")),)
    routine = hold(seconds, cues, kind="rolling")
    for segment in routine.segments():
        ssml = render_segment(routine, segment).ssml()
        assert longest_silence(ssml) <= MAX_QUIET, (segment, ssml)
    spans = [hold_time(render_segment(routine, s).ssml()) for s in routine.segments()]
    assert sum(spans) == pytest.approx(seconds, abs=0.3)


def test_both_sides_say_left_then_right():
    routine = hold(30, sides="both")
    left, right = (render_segment(routine, s).text() for s in routine.segments())
    assert "Left side first." in left and "Step" not in right
    assert "Now the right side." in right


def test_reps_are_counted_aloud():
    routine = Routine("r", Text("r"), (Step(Text("Bridge"), Text("Lift."), kind="reps",
                                            reps=4, sets=2),))
    first = render_segment(routine, Segment(0, None, 1)).text()
    assert "Set one of two." in first and "One. Two. Three. Four. And rest." in first
    assert "Set two of two." in render_segment(routine, Segment(0, None, 2)).text()


def test_text_is_escaped():
    routine = hold(10)
    ssml = render_segment(routine, routine.segments()[0]).ssml()
    assert "&amp;" in ssml and "&lt; a bit &gt;" in ssml
    assert check(ssml) == []


def test_localised_text_is_spoken_for_the_locale():
    step = Step(Text("s"), Text.of({"en-US": "Put on your sneakers.",
                                    "en-GB": "Put on your trainers."}))
    routine = Routine("r", Text("r"), (step,))
    assert "trainers" in render_segment(routine, Segment(0), "en-GB").text()
    assert "sneakers" in render_segment(routine, Segment(0), "en-IN").text()


@pytest.mark.parametrize("ssml, problem", [
    ("<speak>a <break time='11s'/></speak>", "longer than 10s"),
    ("<speak>a <break time='soon'/></speak>", "not like"),
    ("<speak>a <blink>b</blink></speak>", "not an Alexa SSML tag"),
    ("<speak>fish & chips</speak>", "not well-formed"),
    ("<voice>a</voice>", "not <speak>"),
    ("<speak>" + "word " * 1700 + "</speak>", "characters"),
    ("<speak><audio src='http://x/a.mp3'/></speak>", "https"),
])
def test_the_checker_catches_what_alexa_rejects(ssml, problem):
    assert any(problem in p for p in check(ssml)), check(ssml)


def test_the_checker_limits_a_turn_that_expects_an_answer():
    long_turn = "<speak>" + '<break time="10s"/>' * 10 + "</speak>"
    assert check(long_turn) == []
    assert any("90" in p or "100s" in p for p in check(long_turn, expects_answer=True))


def test_amazon_tags_are_allowed():
    ssml = ('<speak><amazon:domain name="conversational">Hi <say-as interpret-as="cardinal">'
            '3</say-as></amazon:domain></speak>')
    assert check(ssml) == []


@pytest.mark.parametrize("kind, words", [("hold", "Hold for 30 seconds, starting now."),
                                         ("rolling", "Roll slowly for 30 seconds, starting now."),
                                         ("timed", "Keep at it for 30 seconds, starting now.")])
def test_each_timed_kind_starts_its_clock_in_its_own_words(kind, words):
    routine = hold(30, kind=kind)
    ssml = render_segment(routine, routine.segments()[0]).ssml()
    assert words in ssml and hold_spans(ssml) == pytest.approx([30], abs=0.3)
