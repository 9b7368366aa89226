"""Symptom triage through POST /alexa with the built-in packs: every branch, red flags
always first, and never a static stretch before a run."""

from __future__ import annotations

import itertools
import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from skill import hookspecs
from skill.engine import Text
from skill.plugins import load_packs
from skill.triage import RED_FLAGS, SYMPTOMS, TIMINGS, Advice
from tests.support.client import LiveServer, SkillClient, make_app

BUILT_IN = "stretching,strengthening,massage,recovery"
CATALOG = load_packs(BUILT_IN.split(",")).catalog
STATIC = {r.id for r in CATALOG.routines.values() if "static" in r.tags}
NAMES = {r.name.default: r.id for r in CATALOG.routines.values()}


class Reckless:
    """A pack that would send everyone to stretch, sharp pain or not."""

    @hookspecs.hookimpl
    def register_advice(self, profile):
        return [Advice(Text("Stretch it out hard."), routine="after-run-stretches",
                       priority=100_000)]


@pytest.fixture(scope="module")
def triage_app(tmp_path_factory, chain_module):
    return make_app(tmp_path_factory.mktemp("triage"), chain_module, load=BUILT_IN)


@pytest.fixture(scope="module")
def chain_module():
    from tests.support.alexa_ca import default_chain

    return default_chain()


@pytest.fixture(scope="module")
def live(triage_app):
    with LiveServer(triage_app) as server:
        yield server


@pytest.fixture
def talk(live, chain_module, request):
    """A fresh user for each test."""
    return SkillClient(live.url, chain_module, user_id=f"user-{request.node.name}")


def offered(answer) -> str | None:
    """The id of the routine the answer offers to start, if any."""
    offer = answer.attributes.get("offer") or {}
    return offer.get("routine") if offer.get("kind") == "start" else None


def follow(talk, answer, answers: dict[str, bool]):
    """Answer the skill's yes/no questions from ``answers`` until it offers something."""
    for _ in range(4):
        offer = answer.attributes.get("offer") or {}
        if offer.get("kind") != "question":
            return answer
        answer = talk.say("AMAZON.YesIntent" if answers[offer["field"]] else "AMAZON.NoIntent")
    return answer


@pytest.mark.parametrize("symptom, timing", list(itertools.product(
    sorted(RED_FLAGS), [*TIMINGS, None])))
def test_red_flags_stop_everything(talk, symptom, timing):
    slots = {"symptom": symptom} | ({"timing": timing} if timing else {})
    answer = talk.say("ReportSymptomIntent", **slots)
    assert "have it checked by a doctor or a physical therapist" in answer.text
    assert offered(answer) is None and "Shall we start" not in answer.text
    assert "cold pack" in answer.text and not answer.ends
    tip = talk.say("AMAZON.YesIntent")
    assert "15 to 20 minutes" in tip.text
    assert tip.card["title"].lower() == "cold pack"


def test_a_red_flag_cannot_be_overridden_by_a_pack(tmp_path, chain_module):
    app = make_app(tmp_path, chain_module, load=BUILT_IN, plugins={"reckless": Reckless()})
    with LiveServer(app) as server:
        talk = SkillClient(server.url, chain_module)
        answer = talk.say("ReportSymptomIntent", symptom="pop", timing="after-run")
        assert "have it checked" in answer.text and "Stretch it out" not in answer.text
        assert offered(answer) is None


def test_red_flag_names_the_local_professional(live, chain_module):
    talk = SkillClient(live.url, chain_module, user_id="uk-user", locale="en-GB")
    assert "a GP or a physio" in talk.say("ReportSymptomIntent", symptom="bruising").text


@pytest.mark.parametrize("symptom", [s for s in SYMPTOMS if s not in RED_FLAGS])
@pytest.mark.parametrize("answers", [dict(zip(("stretches_a_lot", "timing"), pair, strict=True))
                                     for pair in itertools.product([True, False], repeat=2)])
def test_no_static_stretch_is_ever_offered_before_a_run(talk, symptom, answers):
    answer = talk.say("ReportSymptomIntent", symptom=symptom, timing="before-run")
    answer = follow(talk, answer, answers)
    assert offered(answer) not in STATIC
    # a cramp is eased right now, gently, before a run or not
    assert offered(answer) == ("cramp-release" if symptom == "cramp" else "pre-run-warm-up")


@pytest.mark.parametrize("symptom", [s for s in SYMPTOMS if s not in RED_FLAGS])
def test_without_a_timing_the_skill_asks_before_offering_a_static_stretch(talk, symptom):
    answer = talk.say("ReportSymptomIntent", symptom=symptom)
    answer = follow(talk, answer, {"timing": True, "stretches_a_lot": False})
    assert offered(answer) not in STATIC  # "yes, I'm about to run"


def test_tight_after_a_run_asks_whether_the_user_stretches_a_lot(talk):
    answer = talk.say("ReportSymptomIntent", symptom="tight", timing="after-run")
    assert "Do you already stretch your hamstrings a lot?" in answer.text
    assert answer.attributes["offer"] == {"kind": "question", "field": "stretches_a_lot"}
    yes = talk.say("AMAZON.YesIntent")
    assert "more stretching won't help and stronger hamstrings will help more" in yes.text
    assert offered(yes) == "hamstring-strength"
    assert "Shall we start the hamstring strength workout?" in yes.text


def test_tight_after_a_run_without_much_stretching_gets_stretches(talk):
    talk.say("ReportSymptomIntent", symptom="tight", timing="after-run")
    no = talk.say("AMAZON.NoIntent")
    assert offered(no) == "after-run-stretches"
    started = talk.say("AMAZON.YesIntent")
    assert "Let's do the after run stretches," in started.text


def test_sore_after_a_run_gets_rolling_a_cold_pack_and_easy_days(talk):
    answer = talk.say("ReportSymptomIntent", symptom="sore", timing="day-after")
    assert offered(answer) == "foam-roller-release"
    assert "easy" in answer.text and "cold pack" in answer.text
    assert "Ask me for my cold pack tip any time." in answer.text  # named once, not twice


def test_cramp_gets_a_gentle_release_and_the_simple_causes(talk):
    answer = talk.say("ReportSymptomIntent", symptom="cramp", timing="after-run")
    assert offered(answer) in ("cramp-release", "massage-ball-release")
    rules = [r for r in load_packs(BUILT_IN.split(",")).manager.get_plugin("content").rules
             if r.id == "cramp-gentle-release"]
    assert rules[0].say.get() in answer.text


def test_during_a_run_ease_off(talk):
    answer = talk.say("ReportSymptomIntent", symptom="tight", timing="during-run")
    assert offered(answer) == "foam-roller-release"
    assert "ease" in answer.text.lower() or "walk" in answer.text.lower()


def test_timing_said_later_completes_the_profile(talk):
    talk.say("ReportSymptomIntent", symptom="sore")
    answer = talk.say("ReportSymptomIntent", timing="after-run")
    assert offered(answer) == "foam-roller-release"


def test_trouble_reported_on_earlier_days_counts_as_recurring(triage_app, live, chain_module):
    user = "recurring-user"
    path = triage_app.config["DATABASE_URL"][len("sqlite:///"):]
    today = datetime.now(UTC).date()
    reports = [{"symptom": "sore", "day": (today - timedelta(days=d)).isoformat()}
               for d in (3, 10)]
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO attributes (user_id, data, updated) VALUES (?, ?, 0)",
                   (user, json.dumps({"reports": reports, "safety_heard": True})))
    talk = SkillClient(live.url, chain_module, user_id=user)
    answer = talk.say("ReportSymptomIntent", symptom="sore", timing="after-run")
    assert offered(answer) == "hamstring-strength"
    assert "keeps coming back" in answer.text or "strong" in answer.text


def test_a_first_time_user_hears_the_safety_note_once(talk):
    first = talk.say("ReportSymptomIntent", symptom="sore", timing="after-run")
    assert "not a doctor" in first.text
    again = talk.say("ReportSymptomIntent", symptom="tight", timing="during-run")
    assert "not a doctor" not in again.text


def test_no_symptom_gets_a_question(talk):
    answer = talk.say("ReportSymptomIntent")
    assert "tight, sore, stiff, or cramping?" in answer.text and not answer.ends


def test_a_product_tip_is_spoken_and_sent_as_a_card(talk):
    answer = talk.say("ProductTipsIntent", product="ice pack")
    assert "15 to 20 minutes" in answer.text
    assert answer.card["type"] == "Simple" and "15 to 20 minutes" in answer.card["content"]
    assert not answer.ends


def test_product_tips_without_a_product_list_them(talk):
    answer = talk.say("ProductTipsIntent")
    assert answer.text.startswith("I have tips on these: cold pack, compression shorts, "
                                  "recovery cream, kinesiology tape, textured roller and 6 more.")
    rest = talk.say("MoreIntent")
    assert rest.text.startswith("There's also massage stick, massage ball")
    assert rest.attributes["offer"]["kind"] == "product-choice"
    unknown = talk.say("ProductTipsIntent", product="magic beans")
    assert "I don't have a tip on magic beans" in unknown.text


def test_the_disclaimer_is_in_the_readme_and_the_package():
    from pathlib import Path

    root = Path(__file__).parent.parent
    assert "not a substitute for professional medical advice" in " ".join(
        (root / "README.md").read_text().split())
    assert "Not a substitute for professional medical advice" in (
        root / "pyproject.toml").read_text()


def test_a_product_tip_mid_routine_offers_to_carry_on(talk):
    talk.say("StartRoutineIntent", routine="knot release")
    talk.say("AMAZON.NextIntent")
    answer = talk.say("ProductTipsIntent", product="massage ball")
    assert "Say next when you're ready to carry on." in answer.text
    assert "Now the right side." in talk.say("AMAZON.NextIntent").text


def test_a_product_tip_while_a_routine_is_on_offer_asks_again(talk):
    offer = talk.say("ReportSymptomIntent", symptom="sore", timing="day-after")
    assert offered(offer) == "foam-roller-release"
    answer = talk.say("ProductTipsIntent", product="ice pack")
    assert "15 to 20 minutes" in answer.text
    assert answer.text.endswith("Shall we start the foam roller release?")
    assert "Let's do the foam roller release," in talk.say("AMAZON.YesIntent").text


def test_a_product_tip_taken_up_is_not_offered_again(talk):
    flagged = talk.say("ReportSymptomIntent", symptom="pop")
    assert "Would you like my cold pack tip?" in flagged.text
    tip = talk.say("AMAZON.YesIntent")
    assert "15 to 20 minutes" in tip.text and "offer" not in tip.attributes
    assert "15 to 20 minutes" not in talk.say("AMAZON.YesIntent").text


@pytest.mark.parametrize("heard", ["a bruise on the back of my thigh", "I felt something tear",
                                   "it’s swollen", "I can't run on it", "a stabbing feeling"])
def test_a_red_flag_in_words_alexa_did_not_resolve_still_stops_everything(talk, heard):
    answer = talk.say("ReportSymptomIntent", symptom=heard)
    assert "have it checked by a doctor or a physical therapist" in answer.text
    assert offered(answer) is None and "Shall we start" not in answer.text


def test_an_unknown_symptom_gets_asked_again_and_is_not_stored(talk, triage_app):
    answer = talk.say("ReportSymptomIntent", symptom="kind of fizzy and weird")
    assert "I'm not sure what to suggest for that." in answer.text
    assert answer.text.endswith("Do your hamstrings feel tight, sore, stiff, or cramping?")
    assert "symptom" not in answer.attributes["profile"]
    assert offered(talk.say("ReportSymptomIntent", symptom="sore", timing="day-after"))
    path = triage_app.config["DATABASE_URL"][len("sqlite:///"):]
    with sqlite3.connect(path) as db:
        (data,) = db.execute("SELECT data FROM attributes WHERE user_id = ?",
                             (talk.user_id,)).fetchone()
    assert [r["symptom"] for r in json.loads(data)["reports"]] == ["sore"]


def test_after_a_red_flag_the_session_ends_without_offering_anything(talk):
    talk.say("ReportSymptomIntent", symptom="pop")
    tip = talk.say("AMAZON.YesIntent")
    assert tip.text.endswith("Take care of that leg.") and tip.ends
    talk.say("ReportSymptomIntent", symptom="bruising")
    declined = talk.say("AMAZON.NoIntent")
    assert declined.text == "Okay. Take care of that leg." and declined.ends


def test_a_red_flag_in_the_middle_of_a_routine_stops_it_and_keeps_nothing_to_resume(talk):
    talk.say("StartRoutineIntent", routine="foam roller release")
    talk.say("AMAZON.NextIntent")
    flagged = talk.say("ReportSymptomIntent", symptom="sharp pain")
    assert "player" not in flagged.attributes and "have it checked" in flagged.text
    tip = talk.say("AMAZON.YesIntent")
    assert "carry on" not in tip.text and tip.ends
    welcome = talk.launch().text
    assert "You were on" not in welcome and "pick up" not in welcome


def test_a_name_said_after_the_product_list_gets_that_product_s_tip(talk):
    listed = talk.say("ProductTipsIntent")
    assert listed.attributes["offer"] == {"kind": "product-choice", "from": 5}
    # "massage ball" alone is heard as a routine name (the massage ball release)
    answer = talk.say("StartRoutineIntent", routine="massage ball")
    assert answer.card["title"] == "Massage ball" and "Let's do" not in answer.text
    assert "Let's do the massage ball release," in talk.say(
        "StartRoutineIntent", routine="massage ball").text  # no list asked: the routine


def test_a_product_name_that_no_routine_has_gets_its_tip(talk):
    answer = talk.say("StartRoutineIntent", routine="recovery cream")
    assert answer.card["title"] == "Recovery cream"


def test_not_catching_a_product_name_asks_for_it_again(talk):
    talk.say("ProductTipsIntent")
    answer = talk.say("AMAZON.FallbackIntent")
    assert answer.text == ("Sorry, I didn't catch that. Which one would you like to hear about? "
                           "For example, say tell me about the cold pack.")
    assert answer.attributes["offer"]["kind"] == "product-choice"


def test_saying_you_already_stretch_a_lot_is_not_asked_again(talk):
    answer = talk.say("ReportSymptomIntent", symptom="tight", timing="after-run",
                      habit="stretches-a-lot")
    assert "Do you already stretch" not in answer.text
    assert "more stretching won't help" in answer.text
    assert offered(answer) == "hamstring-strength"


def test_a_red_flag_is_mentioned_again_at_the_next_launches_for_a_fortnight(talk):
    talk.say("StartRoutineIntent", routine="foam roller release")
    talk.say("ReportSymptomIntent", symptom="I felt something tear")
    welcome = talk.launch()
    assert "You were on step 1 of 3" not in welcome.text
    assert "Last time you told me about a pop. Only stretch or roll once it has been checked " \
           "and feels fine." in welcome.text
    assert welcome.text.endswith("How do your hamstrings feel, or which routine would you like?")
    talk.say("AMAZON.StopIntent")
    again = talk.launch()
    assert "Last time you told me about a pop." in again.text
    assert "not a doctor" not in again.text


def test_an_old_red_flag_is_not_mentioned(triage_app, live, chain_module):
    user = "old-red-flag-user"
    path = triage_app.config["DATABASE_URL"][len("sqlite:///"):]
    long_ago = (datetime.now(UTC).date() - timedelta(days=15)).isoformat()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO attributes (user_id, data, updated) VALUES (?, ?, 0)",
                   (user, json.dumps({"reports": [{"symptom": "pop", "day": long_ago}],
                                      "safety_heard": True})))
    assert "Last time" not in SkillClient(live.url, chain_module, user_id=user).launch().text
