"""What someone lying on the floor says mid-routine, through POST /alexa over real HTTP:
"hang on", "other leg", "too hard", "what do I need", "how many more", "thanks", and
"I'm ready" in a new session after a break."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.support.client import LiveServer, SkillClient, make_app

ROUTINE = "after run stretches"  # five steps, the first four held on each side


@pytest.fixture(scope="module")
def server(tmp_path_factory, chain_module):
    app = make_app(tmp_path_factory.mktemp("floor"), chain_module)
    with LiveServer(app) as live:
        live.db = app.config["DATABASE_URL"][len("sqlite:///"):]
        yield live


@pytest.fixture(scope="module")
def chain_module():
    from tests.support.alexa_ca import default_chain

    return default_chain()


@pytest.fixture
def client(server, chain_module, request):
    return SkillClient(server.url, chain_module, user_id=f"user-{request.node.name}")


def saved_player(server, client) -> dict | None:
    row = sqlite3.connect(server.db).execute(
        "SELECT data FROM attributes WHERE user_id = ?", (client.user_id,)).fetchone()
    return json.loads(row[0]).get("player") if row else None


def started(client, routine: str = ROUTINE):
    """Start ``routine`` and say "ready": the answer with the first side."""
    client.say("StartRoutineIntent", routine=routine)
    return client.say("AMAZON.NextIntent")


def test_hang_on_at_the_start_keeps_the_session_and_waits(client, server):
    client.say("StartRoutineIntent", routine=ROUTINE)
    wait = client.say("WaitIntent")
    assert wait.text == "Take your time; say next when you're ready." and not wait.ends
    assert "kept your place" in wait.reprompt
    assert saved_player(server, client)["position"] == 0
    assert client.say("AMAZON.NextIntent").text.startswith("Step 1 of 5: Lying hamstring")


def test_hang_on_mid_hold_plays_the_cut_short_side_again(client):
    started(client)
    assert "Take your time" in client.say("WaitIntent").text  # said over the hold
    again = client.say("AMAZON.NextIntent")
    assert again.text.startswith("Step 1 of 5: Lying hamstring")
    assert "Left side first." in again.text


def test_hang_on_after_a_side_was_heard_goes_on_to_the_next(client):
    started(client)
    client.attributes["heard_by"] = "2000-01-01T00:00:00+00:00"
    client.say("WaitIntent")
    assert client.say("AMAZON.NextIntent").text.startswith("Now the right side.")


@pytest.mark.parametrize("intent", ["AMAZON.NextIntent", "AMAZON.ResumeIntent"])
def test_ready_in_a_new_session_offers_the_routine_left_unfinished(client, intent):
    started(client)
    client.say("WaitIntent")
    client.end("EXCEEDED_MAX_REPROMPTS")  # the break ran long: the session closed
    answer = client.say(intent)  # "Alexa, tell hamstring coach I'm ready"
    assert "no routine running" not in answer.text and not answer.ends
    assert "step 1 of 5 of the after run stretches" in answer.text
    if intent == "AMAZON.NextIntent":
        assert answer.text.endswith("Shall we pick up there?")
        answer = client.say("AMAZON.YesIntent")
    assert answer.text.endswith("Say next when you're in position.")  # no hold yet
    assert "Left side first." in client.say("AMAZON.NextIntent").text


def test_ready_with_nothing_left_unfinished_says_so(client):
    answer = client.say("AMAZON.NextIntent")
    assert "no routine running" in answer.text and not answer.ends


@pytest.mark.parametrize("side, expected", [
    ("other", "Now the right side."), ("right", "Now the right side."),
    ("left", "Left side first."),
])
def test_other_leg_goes_to_that_side(client, side, expected):
    started(client)
    answer = client.say("SwitchSideIntent", side=side)
    assert expected in answer.text and "Step 2" not in answer.text


def test_other_leg_after_the_right_side_goes_back_to_the_left(client):
    started(client)
    client.say("AMAZON.NextIntent")
    assert "Left side first." in client.say("SwitchSideIntent", side="other").text


def test_other_leg_on_a_step_for_both_legs_keeps_the_place(client):
    client.say("StartRoutineIntent", routine="pre run warm up")
    cat_cow = client.say("AMAZON.NextIntent")
    assert "Cat cow" in cat_cow.text
    answer = client.say("SwitchSideIntent", side="other")
    assert "both legs together" in answer.text
    assert answer.text.endswith("Say next when you're ready, or repeat to do it again.")


def test_too_hard_skips_the_step_then_offers_the_gentle_routine(client):
    started(client)
    first = client.say("TooHardIntent")
    assert "should ever feel like a strain" in first.text
    assert "Step 2 of 5: Seated hurdler stretch." in first.text
    second = client.say("TooHardIntent")
    assert second.text.endswith("Shall we start the gentle hamstring stretch?")
    gentle = client.say("AMAZON.YesIntent")
    assert gentle.text.startswith("Let's do the gentle hamstring stretch,")


def test_too_hard_then_no_carries_on_where_it_was(client):
    started(client)
    client.say("TooHardIntent")
    client.say("TooHardIntent")
    declined = client.say("AMAZON.NoIntent")
    assert "Say next" in declined.text and not declined.ends
    assert client.say("AMAZON.NextIntent").text.startswith("Now the right side.")


def test_too_easy_does_not_push_a_stretch_further(client):
    started(client)
    answer = client.say("TooEasyIntent")
    assert "doesn't make it work better" in answer.text
    assert "strength" in answer.text and answer.text.endswith("Say next for the right side.")


def test_what_do_i_need_names_the_equipment_and_keeps_the_place(client):
    started(client)
    answer = client.say("EquipmentIntent")
    assert "you need a towel or strap" in answer.text
    assert "This step uses the towel or strap." in answer.text
    assert answer.text.endswith("Say next for the right side.")


def test_what_do_i_need_before_starting_keeps_the_offer(client):
    client.say("ReportSymptomIntent", symptom="sore", timing="after-run")
    answer = client.say("EquipmentIntent")
    assert "need" in answer.text and answer.text.endswith("?") and not answer.ends
    assert client.say("AMAZON.YesIntent").text.startswith("Let's do the")


def test_how_many_more_counts_sets_and_sides_of_this_step(client):
    client.say("StartRoutineIntent", routine="no equipment strength")
    first = client.say("AMAZON.NextIntent")
    assert "Step 1 of" in first.text
    answer = client.say("RepsLeftIntent")
    assert answer.text == ("This one is twelve reps, two sets. The last set to go. "
                           "Say next for set two.")
    client.say("AMAZON.NextIntent")
    assert "That's this one done." in client.say("RepsLeftIntent").text


def test_how_many_more_on_a_hold_names_the_side_to_go(client):
    started(client)
    answer = client.say("RepsLeftIntent")
    assert answer.text.startswith("You hold this one for 1 minute on each side. "
                                  "The right side to go.")
    client.say("AMAZON.NextIntent")
    assert "That's this one done." in client.say("RepsLeftIntent").text


@pytest.mark.parametrize("intent", ["ThanksIntent", "RepsLeftIntent", "SwitchSideIntent",
                                    "TooEasyIntent", "EquipmentIntent"])
def test_mid_routine_words_keep_the_place_and_the_question(client, server, intent):
    started(client)
    before = saved_player(server, client)
    answer = client.say(intent)
    assert not answer.ends and "next" in answer.text.lower()
    if intent != "SwitchSideIntent":
        assert saved_player(server, client) == before
        assert client.say("AMAZON.NextIntent").text.startswith("Now the right side.")


def test_thanks_keeps_the_place_and_the_prompt(client):
    started(client)
    thanks = client.say("ThanksIntent")
    assert thanks.text == "You're welcome. Say next for the right side."


def test_okay_to_a_question_is_a_yes(client):
    client.say("ReportSymptomIntent", symptom="sore", timing="after-run")
    assert client.say("ThanksIntent").text.startswith("Let's do the")


@pytest.mark.parametrize("intent", ["WaitIntent", "SwitchSideIntent", "TooHardIntent",
                                    "TooEasyIntent", "EquipmentIntent", "RepsLeftIntent",
                                    "ThanksIntent"])
def test_each_floor_intent_answers_sensibly_outside_a_routine(client, intent):
    client.launch()
    answer = client.say(intent)
    assert not answer.ends and answer.text.endswith("?"), answer.text
    assert "didn't catch" not in answer.text and "something went wrong" not in answer.text


def test_how_many_left_does_not_count_the_side_just_played(client):
    client.say("StartRoutineIntent", routine=ROUTINE)
    before = client.say("ProgressIntent")  # nothing played yet
    started_text = client.say("AMAZON.NextIntent").text
    assert "Left side first." in started_text
    after = client.say("ProgressIntent")
    assert before.text.startswith("Next up is step 1 of 5, about ")
    assert after.text.startswith("You're on step 1 of 5, about ")  # the right side is next
    assert minutes(after.text) < minutes(before.text) - 0.9


def minutes(text: str) -> float:
    """The time left in a progress answer, in minutes."""
    said = text.split(", about ")[1].split(" left")[0]
    said = said.replace(" and a half minutes", " minutes 30 seconds").split()
    return sum(float(n) * (1 if unit.startswith("minute") else 1 / 60)
               for n, unit in zip(said[::2], said[1::2], strict=True))
