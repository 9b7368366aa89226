"""Safety in every state, through POST /alexa over real HTTP with signed requests and the
built-in packs: pain in any words and any state stops everything, a denial is not pain,
a Fallback mid-routine asks whether something hurts, no routine after a red flag until it
has been checked, no static stretch for someone about to run, and questions for a doctor
get the coach's answer."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from skill import create_app
from skill.model import build_model
from skill.plugins import load_packs
from skill.simulator import Understanding
from skill.testing import AppDevice, intent_request
from skill.triage import RED_FLAG_TABLE, asks_for_a_professional, read, recognise
from tests.support.alexa_ca import default_chain
from tests.support.client import LiveServer, SkillClient, make_app
from tests.test_triage import BUILT_IN

PACKS = load_packs(BUILT_IN.split(","))
RED_FLAG_ANSWER = "have it checked by a doctor or a physical therapist"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The skill with the built-in packs on a real server: (app, url)."""
    app = make_app(tmp_path_factory.mktemp("safety"), default_chain(), load=BUILT_IN)
    with LiveServer(app) as server:
        yield app, server.url


@pytest.fixture
def safety_app(served):
    return served[0]


@pytest.fixture
def talk(served, request):
    """A fresh user for each test."""
    return SkillClient(served[1], default_chain(), user_id=f"user-{request.node.name}")


def record(app, user: str) -> dict:
    """What the store holds for ``user``."""
    path = app.config["DATABASE_URL"][len("sqlite:///"):]
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT data FROM attributes WHERE user_id = ?", (user,)).fetchone()
    return json.loads(row[0]) if row else {}


def store(app, user: str, data: dict) -> None:
    """Give ``user`` a saved record, as if from earlier days."""
    path = app.config["DATABASE_URL"][len("sqlite:///"):]
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO attributes (user_id, data, updated) VALUES (?, ?, 0)",
                   (user, json.dumps(data)))


def continues_the_routine(answer) -> bool:
    """Whether an answer asks to go on with a routine ("say next", "pick up there")."""
    said = f"{answer.text} {answer.reprompt}".lower()
    return any(words in said for words in ("say next", "pick up", "carry on", "shall we start",
                                           "let's do the", "starting now"))


def assert_red_flag(answer, app, user: str) -> None:
    """The red-flag answer: stop, see a professional, nothing kept that would resume."""
    assert RED_FLAG_ANSWER in answer.text, answer.text
    assert not continues_the_routine(answer), answer.text
    assert "player" not in answer.attributes
    assert "player" not in record(app, user)


# The states a user can be in when something starts to hurt: each leaves the talk there.
def menu(talk):
    talk.launch()


def triage_question(talk):
    asked = talk.say("ReportSymptomIntent", symptom="tight", timing="after-run")
    assert asked.attributes["offer"]["kind"] == "question"


def routine_offer(talk):
    offer = talk.say("ReportSymptomIntent", symptom="sore", timing="day-after")
    assert offer.attributes["offer"]["kind"] == "start"


def getting_into_position(talk):
    assert "in position" in talk.say("StartRoutineIntent", routine="foam roller release").text


def mid_hold(talk):
    talk.say("StartRoutineIntent", routine="foam roller release")
    assert "Roll slowly" in talk.say("AMAZON.NextIntent").text


def resume_offered(talk):
    mid_hold(talk)
    talk.say("AMAZON.PauseIntent")
    assert "pick up there" in talk.launch().text


def resumed(talk):
    mid_hold(talk)
    talk.say("AMAZON.PauseIntent")
    assert "Picking up" in talk.say("AMAZON.ResumeIntent").text


def after_a_tip(talk):
    mid_hold(talk)
    assert "carry on" in talk.say("ProductTipsIntent", product="cold pack").text


def after_the_product_list(talk):
    talk.say("ProductTipsIntent")


def after_the_routine_list(talk):
    talk.say("ListRoutinesIntent")


STATES = [menu, triage_question, routine_offer, getting_into_position, mid_hold,
          resume_offered, resumed, after_a_tip, after_the_product_list, after_the_routine_list]
# Pain said in many words, arriving however Alexa would send it: an intent of its own, the
# symptom slot with the whole phrase, or the slot of an intent that has nothing to do with it.
PAIN = [
    ("PainIntent", {}),
    ("PainIntent", {"timing": "after my run"}),
    ("ReportSymptomIntent", {"symptom": "I think I pulled my hamstring"}),
    ("ReportSymptomIntent", {"symptom": "something went at the back of my leg"}),
    ("ReportSymptomIntent", {"symptom": "I'm limping and it's getting worse"}),
    ("ReportSymptomIntent", {"symptom": "numb and a bit tingly", "timing": "after my run"}),
    ("StartRoutineIntent", {"routine": "ow that hurts when I bend"}),
    ("ProductTipsIntent", {"product": "the back of my knee is swollen"}),
    ("ReportSymptomIntent", {"timing": "can't put weight on it since my run"}),
]


@pytest.mark.parametrize("state", STATES, ids=[s.__name__ for s in STATES])
@pytest.mark.parametrize("intent, slots", PAIN,
                         ids=[f"{i}:{' '.join(s.values()) or '-'}" for i, s in PAIN])
def test_pain_in_any_words_stops_everything_in_every_state(talk, safety_app, state, intent,
                                                           slots):
    state(talk)
    answer = talk.say(intent, **slots)
    assert_red_flag(answer, safety_app, talk.user_id)
    assert not answer.ends and "cold pack tip" in answer.text  # a yes/no, not "say next"
    assert talk.say("AMAZON.YesIntent").ends


PHRASES = ["ouch", "ow", "ow that hurts", "it hurts", "that really hurts", "yes it hurts",
           "I think I pulled my hamstring", "I've pulled something", "something went",
           "my hamstring just went", "I felt something go", "I heard a pop", "it popped",
           "I can't walk properly", "I can't put weight on it", "I'm limping",
           "I'm not walking properly", "it hurts when I bend", "my leg is swollen",
           "I've got a bruise", "my leg has gone numb", "I've got pins and needles",
           "it's getting worse", "the pain is getting worse", "I've got a twinge in my hamstring",
           "a sharp pain", "my hamstring hurts after my run", "they hurt",
           "I have a pain in the back of my leg", "I think I've strained it"]


@pytest.fixture(scope="module")
def sim_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("simulated")
    return create_app({"VERIFY_REQUESTS": False,
                       "DATABASE_URL": f"sqlite:///{folder / 'simulated.db'}"})


@pytest.fixture(scope="module")
def understanding(sim_app):
    return {locale: Understanding(build_model(sim_app.extensions["hamstring"]["packs"], locale))
            for locale in ("en-US", "en-GB")}


@pytest.mark.parametrize("locale", ["en-US", "en-GB"])
@pytest.mark.parametrize("said", PHRASES)
def test_pain_typed_mid_routine_is_heard_through_the_model(sim_app, understanding, said, locale):
    device = AppDevice(sim_app, user_id=f"sim-{locale}-{said}", locale=locale)
    device.say("StartRoutineIntent", routine="foam roller release")
    device.say("AMAZON.NextIntent")
    heard = understanding[locale].hear(said)
    assert heard is not None, f"{said!r} would reach Fallback"
    answer = device.send(intent_request(heard.intent, heard.slots))
    assert "have it checked by" in answer.text, (said, heard.describe(), answer.text)
    assert not continues_the_routine(answer)


# -- negation and doubt -------------------------------------------------------------


def test_a_denied_sharp_pain_is_tightness(talk):
    answer = talk.say("ReportSymptomIntent", symptom="it's not a sharp pain it's just tight")
    assert RED_FLAG_ANSWER not in answer.text
    assert answer.attributes["profile"]["symptom"] == "tight"
    assert "Are you about to go for a run?" in answer.text


def test_no_it_doesnt_hurt_is_not_pain(talk):
    answer = talk.say("ReportSymptomIntent", symptom="no it doesn't hurt")
    assert RED_FLAG_ANSWER not in answer.text
    assert "How do your hamstrings feel" in answer.text and not answer.ends


def test_a_denial_mid_routine_carries_on(talk):
    mid_hold(talk)
    answer = talk.say("ReportSymptomIntent", symptom="there's no pain just a bit stiff")
    assert RED_FLAG_ANSWER not in answer.text
    assert answer.attributes["profile"]["symptom"] == "stiff"


@pytest.mark.parametrize("state", [menu, mid_hold, routine_offer],
                         ids=["menu", "mid_hold", "routine_offer"])
def test_doubt_gets_one_yes_no_question_and_yes_is_the_red_flag(talk, safety_app, state):
    state(talk)
    asked = talk.say("ReportSymptomIntent", symptom="I'm not sure if I tore it")
    assert asked.text.endswith("Does anything hurt?") and not continues_the_routine(asked)
    assert_red_flag(talk.say("AMAZON.YesIntent"), safety_app, talk.user_id)


def test_doubt_answered_no_goes_on_with_what_was_said(talk):
    asked = talk.say("ReportSymptomIntent", symptom="I don't think it's torn it just feels tight")
    assert asked.text.endswith("Does anything hurt?")
    answer = talk.say("AMAZON.NoIntent")
    assert answer.attributes["profile"]["symptom"] == "tight"
    assert RED_FLAG_ANSWER not in answer.text


@pytest.mark.parametrize("said, flag", [
    ("it's not a sharp pain, it's just tight", None), ("no it doesn't hurt", None),
    ("no, it hurts", "pain"), ("no swelling but it's bruised", "bruising"),
    ("I can't feel any pain", None), ("I can't feel my toes", "numbness"),
    ("I'm not limping", None), ("I'm not walking properly", "cant-walk"),
    ("it doesn't hurt to run", None), ("painful to touch", None),
    ("the run went well", None), ("something went", "pop"), ("pain free", None),
    ("not really painful, more achy", None), ("can I take pain killers", None),
])
def test_reading_tells_a_report_from_a_denial(said, flag):
    assert read(said).flag == flag


def test_every_red_flag_id_reads_as_itself_and_every_other_word_reads_as_none():
    for flag in RED_FLAG_TABLE:
        assert recognise(flag) == flag
    catalog = PACKS.catalog
    products = [n for p in catalog.products.values() for n in (p.name.get(), *p.synonyms)]
    for product in products:  # "physio" names a professional: it asks for one, not a tip
        assert read(product).flag is None, product
    harmless = [n for r in catalog.routines.values() for n in (r.name.get(), *r.synonyms)]
    for locale in ("en-US", "en-GB"):
        words = PACKS.model_words(locale)
        harmless += [p for kind in ("timings",) for ps in words[kind].values() for p in ps]
        harmless += [p for flag, ps in words["symptoms"].items() if flag not in RED_FLAG_TABLE
                     for p in ps]
    for phrase in harmless:
        assert read(phrase).flag is None and read(phrase).doubt is None, phrase
        assert not asks_for_a_professional(phrase), phrase


# -- a Fallback in the middle of a routine ---------------------------------------------


@pytest.mark.parametrize("state", [getting_into_position, mid_hold, resumed, after_a_tip],
                         ids=["getting_into_position", "mid_hold", "resumed", "after_a_tip"])
def test_a_fallback_mid_routine_asks_whether_something_hurts(talk, safety_app, state):
    state(talk)
    asked = talk.say("AMAZON.FallbackIntent")
    assert asked.text == "Sorry, I didn't catch that. Does anything hurt?"
    assert not continues_the_routine(asked) and not asked.ends
    assert_red_flag(talk.say("AMAZON.YesIntent"), safety_app, talk.user_id)


def test_no_to_does_anything_hurt_goes_on_where_it_was(talk):
    getting_into_position(talk)
    talk.say("AMAZON.FallbackIntent")
    fine = talk.say("AMAZON.NoIntent")
    assert fine.text == "Good. Say next when you're ready to begin, or stop to finish."
    assert "Step 1 of 3" in talk.say("AMAZON.NextIntent").text  # nothing was skipped


def test_a_second_fallback_mid_routine_explains_and_asks_again(talk, safety_app):
    mid_hold(talk)
    talk.say("AMAZON.FallbackIntent")
    again = talk.say("AMAZON.FallbackIntent")
    assert again.text == ("Sorry, I still didn't catch that. If something hurts, say yes, and "
                          "we'll stop. If not, say no. Does anything hurt?")
    assert_red_flag(talk.say("PainIntent"), safety_app, talk.user_id)


def test_no_after_a_miss_mid_hold_says_how_to_go_on(talk):
    mid_hold(talk)
    talk.say("AMAZON.FallbackIntent")
    fine = talk.say("AMAZON.NoIntent")
    assert fine.text.startswith("Good. Say next to go on") and not fine.ends
    assert "Step 2 of 3" in talk.say("AMAZON.NextIntent").text


# -- after a red flag ------------------------------------------------------------------


def test_after_a_red_flag_nothing_resumes_or_starts_without_asking(talk, safety_app):
    mid_hold(talk)
    assert_red_flag(talk.say("PainIntent"), safety_app, talk.user_id)
    talk.say("AMAZON.NoIntent")
    welcome = talk.launch()
    assert "pick up" not in welcome.text.lower()
    assert "Last time you told me about pain." in welcome.text
    assert "Let's do" not in talk.say("AMAZON.YesIntent").text
    for intent, slots in [("AMAZON.ResumeIntent", {}),
                          ("StartRoutineIntent", {"routine": "foam roller release"}),
                          ("AMAZON.NextIntent", {})]:
        answer = talk.say(intent, **slots)
        assert not continues_the_routine(answer), (intent, answer.text)
    held = talk.say("StartRoutineIntent", routine="after run stretches")
    assert held.text.endswith("Has it been checked, and does it feel fine now?")
    declined = talk.say("AMAZON.NoIntent")
    assert declined.ends and "Take care of that leg." in declined.text


def test_a_red_flag_checked_and_fine_lets_the_routine_start(talk, safety_app):
    store(safety_app, talk.user_id, {"safety_heard": True, "reports": [
        {"symptom": "pop", "day": (datetime.now(UTC).date() - timedelta(days=3)).isoformat()}]})
    talk.launch()
    held = talk.say("StartRoutineIntent", routine="foam roller release")
    assert "You told me about a pop lately" in held.text
    started = talk.say("AMAZON.YesIntent")
    assert "Let's do the foam roller release," in started.text
    assert record(safety_app, talk.user_id)["checked"]
    assert "Last time" not in talk.launch().text  # checked: no reminder, no question


def test_triage_after_a_red_flag_asks_before_offering_a_routine(talk):
    talk.say("ReportSymptomIntent", symptom="bruising")
    talk.say("AMAZON.NoIntent")
    answer = talk.say("ReportSymptomIntent", symptom="sore", timing="day-after")
    assert "Shall we start" not in answer.text
    assert answer.text.endswith("Has it been checked, and does it feel fine now?")
    offered = talk.say("AMAZON.YesIntent")
    assert offered.text.endswith("Shall we start the foam roller release?")


def test_a_red_flag_forgets_a_routine_saved_earlier(talk, safety_app):
    mid_hold(talk)
    talk.say("AMAZON.PauseIntent")
    talk.launch()
    assert_red_flag(talk.say("ReportSymptomIntent", symptom="I felt something tear"),
                    safety_app, talk.user_id)


# -- about to run, then a static routine --------------------------------------------------


def test_about_to_run_then_a_static_routine_is_steered_to_the_warm_up(talk):
    talk.say("ReportSymptomIntent", timing="before-run")
    steered = talk.say("StartRoutineIntent", routine="after run stretches")
    assert "best after your run" in steered.text and "Hold" not in steered.text
    assert steered.text.endswith("Shall we do the pre run warm up now, and the after run "
                                 "stretches when you're back?")
    warm = talk.say("AMAZON.YesIntent")
    assert "Let's do the pre run warm up," in warm.text


def test_about_to_run_said_yes_to_then_no_to_the_warm_up_keeps_the_static_for_later(talk):
    asked = talk.say("ReportSymptomIntent", symptom="tight")
    assert "Are you about to go for a run?" in asked.text
    talk.say("AMAZON.YesIntent")
    talk.say("StartRoutineIntent", routine="gentle hamstring stretch")
    later = talk.say("AMAZON.NoIntent")
    assert "When you're back from your run, ask me for the gentle hamstring stretch." \
        in later.text and not later.ends


def test_asked_again_the_static_routine_is_the_user_s_choice(talk):
    talk.say("ReportSymptomIntent", timing="before-run")
    talk.say("StartRoutineIntent", routine="after run stretches")
    again = talk.say("StartRoutineIntent", routine="after run stretches")
    assert "Let's do the after run stretches," in again.text


# -- questions for a doctor ------------------------------------------------------------


def test_a_medicine_question_gets_the_coach_s_answer(talk):
    talk.launch()
    answer = talk.say("MedicalQuestionIntent")
    assert "can't advise on medicines" in answer.text and "pharmacist" in answer.text
    assert "a doctor or a physical therapist can check your leg" in answer.text
    assert answer.text.endswith("which routine would you like?")


@pytest.mark.parametrize("intent, slots", [
    ("ProductTipsIntent", {"product": "doctor"}),
    ("ProductTipsIntent", {"product": "ibuprofen"}),
    ("ReportSymptomIntent", {"symptom": "can I take painkillers"}),
    ("StartRoutineIntent", {"routine": "should I see a physio"}),
])
def test_a_question_for_a_doctor_in_any_slot_gets_the_same_answer(talk, intent, slots):
    answer = talk.say(intent, **slots)
    assert "can't advise on medicines" in answer.text
    assert "I don't have a tip on" not in answer.text


def test_a_medical_question_mid_routine_asks_whether_something_hurts(talk, safety_app):
    mid_hold(talk)
    answer = talk.say("MedicalQuestionIntent")
    assert answer.text.endswith("Does anything hurt?") and not continues_the_routine(answer)
    assert_red_flag(talk.say("AMAZON.YesIntent"), safety_app, talk.user_id)


def test_a_medical_question_after_a_red_flag_ends_kindly(talk):
    talk.say("PainIntent")
    answer = talk.say("MedicalQuestionIntent")
    assert answer.ends and "Take care of that leg." in answer.text


def test_a_medical_question_names_the_local_professional(served):
    talk = SkillClient(served[1], default_chain(), user_id="uk-medical", locale="en-GB")
    assert "a GP or a physio can check your leg" in talk.say("MedicalQuestionIntent").text


# -- a helpful fallback ------------------------------------------------------------------


def test_a_second_miss_in_the_menu_gives_examples(talk):
    talk.launch()
    first = talk.say("AMAZON.FallbackIntent")
    assert first.text == ("Sorry, I didn't catch that. How do your hamstrings feel, or which "
                          "routine would you like?")
    second = talk.say("AMAZON.FallbackIntent")
    assert "You could say: my hamstrings feel tight" in second.text
    assert talk.say("AMAZON.FallbackIntent").text.startswith("Sorry, I still didn't catch that.")


def test_a_fallback_asks_a_pending_yes_no_question_again(talk):
    routine_offer(talk)
    first = talk.say("AMAZON.FallbackIntent")
    assert first.text == ("Sorry, I didn't catch that. Would you like to start the foam roller "
                          "release? Say yes or no.")
    second = talk.say("AMAZON.FallbackIntent")
    assert "Please just say yes or no." in second.text
    assert second.attributes["offer"]["kind"] == "start"
    assert "Let's do the foam roller release," in talk.say("AMAZON.YesIntent").text


def test_a_miss_after_a_list_names_examples(talk):
    after_the_routine_list(talk)
    talk.say("AMAZON.FallbackIntent")
    second = talk.say("AMAZON.FallbackIntent")
    assert "You could say foam rolling and massage or strength work." in second.text
    assert second.attributes["offer"]["kind"] == "category-choice"
    talk.say("FindRoutineIntent", category="stretching")
    talk.say("AMAZON.FallbackIntent")
    third = talk.say("AMAZON.FallbackIntent")
    assert "You could say start the" in third.text and "or the first one" in third.text
    assert third.attributes["offer"]["kind"] == "routine-choice"


def test_an_understood_turn_resets_the_misses(talk):
    talk.launch()
    talk.say("AMAZON.FallbackIntent")
    talk.say("AMAZON.HelpIntent")
    assert "still" not in talk.say("AMAZON.FallbackIntent").text


def topic_slot(said: str, topic: str) -> dict:
    """The topic slot as Alexa fills it when ``said`` resolves to a pack's topic."""
    return {"name": "topic", "value": said, "confirmationStatus": "NONE", "resolutions": {
        "resolutionsPerAuthority": [{"authority": "amzn1.er-authority.echo-sdk.test.TOPIC",
                                     "status": {"code": "ER_SUCCESS_MATCH"},
                                     "values": [{"value": {"name": said, "id": topic}}]}]}}


def test_a_strain_asked_as_a_pack_topic_gets_its_answer_and_counts_as_a_red_flag(talk):
    answer = talk.say("TopicIntent", topic=topic_slot("I pulled my hamstring",
                                                      "strained-hamstring"))
    assert "Hard stretching can make a strain worse" in answer.text
    assert answer.ends and "Take care of that leg." in answer.text
    assert "has it been checked" in talk.say(
        "StartRoutineIntent", routine="foam roller release").text.lower()


def test_a_strain_said_as_a_topic_mid_routine_stops_the_routine(talk, safety_app):
    mid_hold(talk)
    answer = talk.say("TopicIntent", topic=topic_slot("I pulled my hamstring",
                                                      "strained-hamstring"))
    assert_red_flag(answer, safety_app, talk.user_id)


def test_a_doctor_question_a_pack_answers_is_left_to_the_pack(talk):
    answer = talk.say("TopicIntent", topic=topic_slot("should I see a doctor",
                                                      "see-a-professional"))
    assert "I can't tell what's wrong" in answer.text
    assert "can't advise on medicines" not in answer.text
