"""Every routine of every built-in pack plays start to finish through POST /alexa, every
response passes the SSML check, and the spoken hold times match the YAML."""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest

from skill.engine import LOCALES
from skill.plugins import load_packs
from skill.speech import MAX_QUIET, about, number, render_segment
from skill.ssml import duration, timeline
from tests.support.client import LiveServer, SkillClient, make_app
from tests.support.speech import hold_spans

BUILT_IN = ["stretching", "strengthening", "massage", "recovery"]
CATALOG = load_packs(BUILT_IN).catalog


@pytest.fixture(scope="module")
def built_in_server(tmp_path_factory, chain_module):
    app = make_app(tmp_path_factory.mktemp("builtin"), chain_module, load=",".join(BUILT_IN))
    with LiveServer(app) as live:
        yield live


@pytest.fixture(scope="module")
def chain_module():
    from tests.support.alexa_ca import default_chain

    return default_chain()


def answers_ssml(answers) -> str:
    """Every answer's SSML, one after the other."""
    return " ".join(a.ssml for a in answers)


def expected_holds(routine) -> list[float]:
    """The hold and rolling seconds of each turn, in order, as the YAML defines them."""
    spans = []
    for segment in routine.segments():
        step = routine.steps[segment.step]
        if step.kind in ("hold", "rolling", "timed"):
            start, end = step.part_window(segment.part)
            spans.append(end - start)
    return spans


def test_every_built_in_pack_has_routines_or_tips():
    assert {r.pack for r in CATALOG.routines.values()} == {"stretching", "strengthening",
                                                           "massage"}
    assert len(CATALOG.products) >= 9


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("routine_id", sorted(CATALOG.routines))
def test_routine_plays_start_to_finish(built_in_server, chain_module, routine_id, locale):
    routine = CATALOG.routines[routine_id]
    client = SkillClient(built_in_server.url, chain_module, user_id=f"user-{routine_id}-{locale}",
                         locale=locale)
    answer = client.say("StartRoutineIntent", routine=routine.name.get(locale))
    answers = [answer]
    while not answer.ends:
        answer = client.say("AMAZON.NextIntent")
        answers.append(answer)
    spoken = " ".join(a.text for a in answers)
    intro = answers[0]
    assert routine.avoid.get(locale) in intro.text  # when not to do it, said before starting
    assert f"the {routine.name.get(locale)}, about {about(routine.seconds(locale))}." \
        in intro.text
    for step in routine.steps:
        assert step.title.get(locale) in spoken, step.title
        assert escape(step.instruction.get(locale)) in answers_ssml(answers), step.title
    assert f"That's the end of the {routine.name.get(locale)}." in answers[-1].text
    measured = [span for a in answers for span in hold_spans(a.ssml)]
    assert measured == pytest.approx(expected_holds(routine), abs=0.3)
    assert len(answers) == len(routine.segments()) + 1  # the stop to get into position
    for said, following in zip(answers, answers[1:], strict=False):  # says what comes next
        if said.text.endswith("Say next for the right side."):
            assert following.text.startswith("Now the right side."), following.text[:60]
        if " Say next for set " in said.text:
            number = said.text.rsplit(" ", 1)[1].rstrip(".")
            assert following.text.startswith(f"Set {number} of "), following.text[:60]


def test_lists_name_the_kinds_first_then_their_routines_five_at_a_time(built_in_server,
                                                                        chain_module):
    client = SkillClient(built_in_server.url, chain_module, user_id="user-list")
    kinds = {r.pack for r in CATALOG.routines.values()}
    answer = client.say("ListRoutinesIntent")
    assert answer.text.startswith(f"I have {number(len(kinds))} kinds of routine: ")
    assert answer.text.endswith("Which kind would you like?") and not answer.ends
    named = []
    for kind in sorted(kinds):
        routines = [r for r in CATALOG.routines.values() if r.pack == kind]
        answer = client.say("FindRoutineIntent", category=kind)
        pages = [answer.text]
        while "Say more" in answer.text:
            answer = client.say("MoreIntent")
            assert answer.text.startswith("There's also ")
            pages.append(answer.text)
        assert len(pages) == -(-len(routines) // 5)
        assert answer.text.endswith("Which one would you like?") and not answer.ends
        named += [r.name.default for r in routines if r.name.default in " ".join(pages)]
        nothing = client.say("MoreIntent")
        assert nothing.text.startswith("There's nothing more to list.")
        client.say("ListRoutinesIntent")
    assert sorted(named) == sorted(r.name.default for r in CATALOG.routines.values())


@pytest.mark.parametrize("routine_id", sorted(CATALOG.routines))
def test_routine_says_what_it_needs_and_when_not_to(routine_id):
    routine = CATALOG.routines[routine_id]
    assert routine.when.get() and routine.avoid.get()
    # a sharp pain, or (the wider caution for strength work) anything that hurts
    assert "sharp pain" in routine.avoid.get() or "anything hurts" in routine.avoid.get()
    if "no-equipment" not in routine.tags:
        assert routine.equipment, "a routine with equipment says what it needs"


def test_static_and_pre_run_tags_are_consistent():
    for routine in CATALOG.routines.values():
        has_hold = any(step.kind == "hold" for step in routine.steps)
        if "pre-run" in routine.tags:
            assert not has_hold and "static" not in routine.tags, routine.id
        if has_hold:
            assert "static" in routine.tags, routine.id


def test_static_stretches_hold_45_to_60_seconds_each_side():
    after_run = CATALOG.routines["after-run-stretches"]
    holds = [s for s in after_run.steps if s.kind == "hold"]
    assert len(holds) >= 4
    assert all(45 <= s.seconds <= 60 and s.sides == "both" for s in holds)


def test_keep_going_while_getting_into_position_starts_at_the_first_side(built_in_server,
                                                                          chain_module):
    client = SkillClient(built_in_server.url, chain_module, user_id="user-settle")
    settle = client.say("StartRoutineIntent", routine="after run stretches")
    assert settle.text.endswith("Say next when you're in position.")
    going = client.say("KeepGoingIntent")
    assert going.text.startswith("Step 1 of 5: Lying hamstring stretch.")
    assert "Left side first." in going.text


def test_one_step_at_a_time_does_not_play_a_side_again(built_in_server, chain_module):
    client = SkillClient(built_in_server.url, chain_module, user_id="user-one-step")
    client.say("StartRoutineIntent", routine="after run stretches")
    assert "Left side first." in client.say("AMAZON.NextIntent").text
    single = client.say("OneStepAtATimeIntent")
    assert single.text == "Okay, one step at a time. Say next when you're ready."
    assert client.say("AMAZON.NextIntent").text.startswith("Now the right side.")


def play_through(server, chain, routine) -> list:
    """Every answer from starting ``routine`` to its end, saying "next" each time."""
    client = SkillClient(server.url, chain, user_id=f"user-whole-{routine.id}")
    answers = [client.say("StartRoutineIntent", routine=routine.name.default)]
    while not answers[-1].ends:
        answers.append(client.say("AMAZON.NextIntent"))
    return answers


INTRO_SECONDS = 22.0  # two breaths, the stop question included


@pytest.mark.parametrize("routine_id", sorted(CATALOG.routines))
def test_nothing_starts_before_the_user_is_in_position(built_in_server, chain_module,
                                                       routine_id):
    routine = CATALOG.routines[routine_id]
    intro = play_through(built_in_server, chain_module, routine)[0]
    assert intro.text.endswith("Say next when you're in position."), intro.text
    assert not intro.ends and "next" in intro.reprompt
    for words in ("starting now", "Ready, go", "Step 1", "One."):
        assert words not in intro.text, (words, intro.text)
    assert duration(intro.ssml) <= INTRO_SECONDS, intro.text
    for sentence in intro.text.split(". "):  # each said in one breath
        assert len(sentence.split()) <= 22, sentence


@pytest.mark.parametrize("routine_id", sorted(CATALOG.routines))
def test_the_stated_length_is_within_five_percent_of_what_is_heard(built_in_server,
                                                                    chain_module, routine_id):
    routine = CATALOG.routines[routine_id]
    answers = play_through(built_in_server, chain_module, routine)
    heard = sum(duration(a.ssml) for a in answers[1:])  # from "ready" to "nicely done"
    assert routine.seconds() == pytest.approx(heard, rel=0.01)
    stated = answers[0].text.split(", about ")[1].split(".")[0]
    assert stated == about(routine.seconds())
    assert seconds_of(stated) == pytest.approx(heard, rel=0.05)


def seconds_of(phrase: str) -> float:
    """'7 minutes 45 seconds', '2 and a half minutes', '50 seconds' in seconds."""
    words = phrase.replace("and a half minutes", "minutes 30 seconds").split()
    total = 0.0
    for amount, unit in zip(words[::2], words[1::2], strict=True):
        total += float(amount) * (60 if unit.startswith("minute") else 1)
    return total


@pytest.mark.parametrize("routine_id", sorted(CATALOG.routines))
def test_time_left_counts_only_what_is_still_to_come(built_in_server, chain_module,
                                                     routine_id):
    routine = CATALOG.routines[routine_id]
    client = SkillClient(built_in_server.url, chain_module, user_id=f"user-left-{routine_id}")
    client.say("StartRoutineIntent", routine=routine.name.default)
    answers = [client.say("AMAZON.NextIntent")]
    first = client.say("ProgressIntent")
    stated = first.text.split(", about ")[1].split(" left.")[0]
    while not answers[-1].ends:
        answers.append(client.say("AMAZON.NextIntent"))
    still_to_come = sum(duration(a.ssml) for a in answers[1:])
    assert seconds_of(stated) == pytest.approx(still_to_come, rel=0.05, abs=5)


@pytest.mark.parametrize("routine_id", sorted(CATALOG.routines))
@pytest.mark.parametrize("locale", ["en-US", "en-GB"])
def test_no_silence_longer_than_twelve_seconds_in_any_segment(routine_id, locale):
    routine = CATALOG.routines[routine_id]
    for segment in routine.segments():
        longest = run = 0.0
        for kind, seconds, _ in timeline(render_segment(routine, segment, locale).ssml()):
            run = run + seconds if kind == "pause" else 0.0
            longest = max(longest, run)
        assert longest <= MAX_QUIET <= 12.0, (segment, longest)
