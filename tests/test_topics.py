"""Questions runners ask (the packs' topics), the weekly plan, and every safety fact of the
source digest reachable in conversation, in plain words through the simulator."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from skill import create_app
from skill.engine import LOCALES
from skill.model import build_model
from skill.plan import plan_week
from skill.plugins import load_packs
from skill.simulator import Simulator, Understanding
from skill.testing import AppDevice
from tests.support.client import FilePack
from tests.support.services import require

BUILT_IN = ["stretching", "strengthening", "massage", "recovery"]
PACKS = load_packs(BUILT_IN)
CATALOG = PACKS.catalog
FACTS = Path(__file__).resolve().parent.parent.parent / "shared" / "content-facts.md"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    db = tmp_path_factory.mktemp("topics") / "hamstring.db"
    return create_app({"DATABASE_URL": f"sqlite:///{db}", "VERIFY_REQUESTS": "0",
                       "LOAD_PACKS": ",".join(BUILT_IN)})


_users = iter(range(10**6))


def talk(app, *lines: str, locale: str = "en-US") -> list[str]:
    """Say each line as a new user would (an open session), and return each reply's words."""
    device = AppDevice(app, user_id=f"amzn1.ask.account.topics-{next(_users)}", locale=locale)
    simulator = Simulator.for_app(app, locale, wait=False)
    simulator.device = device
    replies = []
    for line in ("open hamstring coach", *lines):
        answer = simulator.hear(line)
        assert answer is not None and not answer.problems, (line, answer and answer.problems)
        replies.append(answer.text)
    return replies[1:]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_question_of_every_topic_is_heard_as_that_topic(locale):
    understanding = Understanding(build_model(PACKS, locale))
    assert len(CATALOG.topics) >= 8
    for topic in CATALOG.topics.values():
        for question in topic.questions:
            heard = understanding.hear(question)
            assert heard is not None and (heard.intent, heard.values()) == \
                ("TopicIntent", {"topic": topic.id}), question
        heard = understanding.hear(f"quick question {topic.questions[0]}")
        assert heard.values() == {"topic": topic.id}


def test_a_question_is_answered_and_its_routine_offered_with_a_card(app):
    device = AppDevice(app, user_id="amzn1.ask.account.topics-card")
    answer = device.say("TopicIntent", topic="how do I warm up")
    warm_up = CATALOG.topics["warm-up"]
    assert warm_up.say.get() in answer.text
    assert answer.text.endswith("Shall we start the pre run warm up?") and not answer.ends
    assert answer.card["title"] == "How do I warm up"
    assert "Let's do the pre run warm up," in device.say("AMAZON.YesIntent").text


def test_a_question_nobody_answers_says_so_and_asks_what_next(app):
    device = AppDevice(app, user_id="amzn1.ask.account.topics-unknown")
    answer = device.say("TopicIntent", topic="what's the meaning of life")
    assert answer.text.startswith("I don't have an answer to that one.") and not answer.ends


def test_a_question_mid_routine_goes_back_to_the_same_place(app):
    replies = talk(app, "start the knot release", "ready", "how long till I can run again",
                   "next")
    assert "Step 1 of 4: Find the knot." in replies[1]
    assert "eight weeks" in replies[2]
    assert replies[2].endswith("Say next when you're ready to carry on.")
    assert replies[3].startswith("Now the right side.")


def test_a_topic_offering_an_unknown_routine_or_asking_a_taken_question_is_reported(tmp_path):
    pack = tmp_path / "extra.yaml"
    pack.write_text("""\
pack: {id: extra, name: Extra, version: "1.0"}
topics:
  - id: run-again
    questions: [how long until I can run again]
    say: Soon.
  - id: lost
    questions: [where is my roller]
    say: Under the sofa.
    routine: no-such-routine
""")
    packs = load_packs(BUILT_IN, extra={"extra": FilePack(pack)})
    reasons = [p.reason for p in packs.problems]
    assert any("'how long until I can run again' is already asked by topic 'back-to-running'"
               in r for r in reasons), reasons
    assert any("topic 'lost' offers unknown routine 'no-such-routine'" in r for r in reasons)
    assert packs.catalog.topics["back-to-running"].pack == "recovery"


# -- the weekly plan ----------------------------------------------------------------------

TODAY = date(2026, 3, 10)


def finished(routine: str, days_ago: int) -> dict:
    when = datetime(2026, 3, 10, 18, tzinfo=UTC) - timedelta(days=days_ago)
    return {"routine": routine, "finished": when.isoformat(timespec="seconds")}


def test_a_week_with_nothing_done_aims_for_two_strength_sessions_and_offers_one():
    plan = plan_week([], CATALOG.routines, today=TODAY)
    said = " ".join(plan.sentences())
    assert "Aim for two strength sessions this week" in said
    assert "after each run, never before one" in said and "Roll whenever" in said
    assert plan.offer in CATALOG.routines and "strength" in CATALOG.routines[plan.offer].tags
    assert [(i.kind, i.done, i.goal) for i in plan.items] == \
        [("strength", 0, 2), ("stretch", 0, None), ("roll", 0, None)]


def test_the_plan_counts_this_week_only_and_offers_the_strength_routine_done_last():
    history = [finished("no-equipment-strength", 9), finished("resistance-band-strength", 2),
               finished("after-run-stretches", 1), finished("foam-roller-release", 1)]
    plan = plan_week(history, CATALOG.routines, today=TODAY)
    said = " ".join(plan.sentences())
    assert "You've done one strength session in the last seven days, so one more to go." in said
    assert "You've stretched with me once this week." in said
    assert plan.offer == "resistance-band-strength"
    done = plan_week([*history, finished("hamstring-strength", 0)], CATALOG.routines,
                     today=TODAY)
    assert "so that's covered." in " ".join(done.sentences()) and done.offer is None


def test_trouble_this_week_means_easy_runs_and_a_warning_sign_means_rest():
    troubled = plan_week([], CATALOG.routines, troubled=True, today=TODAY)
    assert "no speed work" in troubled.sentences()[0]
    flagged = plan_week([finished("hamstring-strength", 1)], CATALOG.routines, red_flag=True,
                        today=TODAY)
    assert flagged.items == () and flagged.offer is None
    assert "checked by a professional" in flagged.sentences()[0]


def test_the_plan_follows_the_history_the_skill_keeps(app):
    device = AppDevice(app, user_id="amzn1.ask.account.topics-history")
    answer = device.say("StartRoutineIntent", routine="five minute strength")
    while not answer.ends:
        answer = device.say("AMAZON.NextIntent")
    assert "That's the end of the five minute strength." in answer.text
    simulator = Simulator.for_app(app, wait=False)
    simulator.device = device
    simulator.hear("open hamstring coach")
    plan = simulator.hear("what's my plan for the week").text
    assert "You've done one strength session in the last seven days, so one more to go." in plan
    assert plan.endswith("Shall we start the five minute strength?")


def test_after_a_warning_sign_the_plan_is_rest(app):
    replies = talk(app, "I felt a pop", "no", "open hamstring coach", "plan my week")
    assert "this week's plan is rest" in replies[-1] and "Shall we start" not in replies[-1]


# -- every safety fact of the digest, reachable ---------------------------------------------

# A distinctive phrase of each safety fact in the digest -> what a user says (each list a new
# user) and what the coach must say in reply.
SAFETY = {
    "sudden sharp pain, a pop": [
        (["it's a sharp pain"], "have it checked by a doctor or a physical therapist"),
        (["I heard a pop"], "have it checked by"),
        (["there's bruising"], "have it checked by"),
    ],
    "do not exercise through sharp pain": [
        ([], "if anything gives you a sharp pain, stop"),
        (["start the after run stretches"], "Stop at any sharp pain"),
        (["start the no equipment strength workout"], "Stop if anything hurts"),
    ],
    "if running is painful": [
        (["it hurts to run"], "give running several days off completely"),
        (["should I keep running"], "take several days off running completely"),
        (["can I run on it"], "drop the speed work and run shorter until that tightness"),
        (["they're tight during my run"], "no speed work until they stop tightening"),
    ],
    "minor soreness": [
        (["how long until I can run again"], "back within a few days"),
        (["when can I run again"], "up to about eight weeks"),
    ],
    "over-stretching a strained hamstring": [
        (["should I stretch a strained hamstring"], "Hard stretching can make a strain worse"),
        (["start the after run stretches"], "Not before a run or on a fresh strain"),
    ],
    "not a diagnosis": [
        (["is it serious"], "I'm a coach, not a doctor, and this is general information"),
        (["do I need to see a doctor"], "or you're simply not sure"),
    ],
}


def safety_facts() -> list[str]:
    """The bullets of the digest's red-flag and safety section."""
    text = FACTS.read_text(encoding="utf-8")
    section = re.search(r"^## Red flags and safety.*?$(.*?)(?=^## )", text, re.M | re.S)
    assert section, "the digest has no red flags and safety section"
    return [line[2:] for line in section.group(1).splitlines() if line.startswith("- ")]


def test_every_safety_fact_of_the_digest_is_reachable_in_conversation(app):
    require(FACTS.is_file(), "the source digest shared/content-facts.md beside the repository")
    facts = safety_facts()
    assert len(facts) >= 6
    for fact in facts:
        keys = [key for key in SAFETY if key in fact.lower()]
        assert len(keys) == 1, f"no conversation reaches this safety fact: {fact!r}"
        for lines, expected in SAFETY[keys[0]]:
            said = " ".join(talk(app, *lines)) if lines else welcome(app)
            assert expected.lower() in said.lower(), (fact, lines, said)


def welcome(app) -> str:
    """What a first-time user hears on opening the skill."""
    device = AppDevice(app, user_id=f"amzn1.ask.account.topics-{next(_users)}")
    return device.launch().text
