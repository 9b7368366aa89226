"""Whole conversations through POST /alexa over real HTTP, with signed requests.

Every answer passes the SSML and reprompt checks in ``SkillClient.send``.
"""

from __future__ import annotations

import json
import logging
import sqlite3

import pytest

from skill.store import SqliteStore
from tests.support.client import DemoPack, LiveServer, SkillClient, make_app

SEGMENTS = 7  # demo routine: 2 sides, 2 sets, 2 parts of a 70 s roll, 1 instruction


def start(client, routine: str = "demo routine"):
    """Start a routine and say "ready" at the stop before it: the first side's answer."""
    stop = client.say("StartRoutineIntent", routine=routine)
    assert stop.text.endswith("Say next when you're in position."), stop.text
    return client.say("AMAZON.NextIntent")


def saved(demo_app) -> dict:
    """What the store holds for the test user."""
    path = demo_app.config["DATABASE_URL"][len("sqlite:///"):]
    row = sqlite3.connect(path).execute("SELECT data FROM attributes").fetchone()
    return json.loads(row[0]) if row else {}


def test_launch_asks_what_is_wrong_and_gives_the_safety_note_once(client):
    first = client.launch()
    assert not first.ends and "?" in first.text
    assert "not a doctor" in first.text
    client.say("AMAZON.StopIntent")
    assert "not a doctor" not in client.launch().text


def test_a_whole_routine_start_to_finish(client, demo_app):
    intro = client.say("StartRoutineIntent", routine="demo routine")
    assert "the demo routine, about 3 minutes" in intro.text and "a strap" in intro.text
    assert "Step 1" not in intro.text and "starting now" not in intro.text
    answer = client.say("AMAZON.NextIntent")
    spoken = [answer.text]
    assert "Step 1 of 4: Lying stretch." in answer.text and "Left side first." in answer.text
    assert "Say next for the right side." in answer.text
    while not answer.ends:
        answer = client.say("AMAZON.NextIntent")
        spoken.append(answer.text)
    whole = " ".join(spoken)
    for expected in ("Now the right side.", "Step 2 of 4: Bridges.", "Set one of two.",
                     "Set two of two.", "One. Two. Three. Four. Five. And rest.",
                     "Step 3 of 4: Long roll.", "Roll slowly for 1 minute 10 seconds",
                     "Stay with it.", "Step 4 of 4: Finish.", "end of the demo routine"):
        assert expected in whole
    assert answer.card["title"] == "Routine finished"
    record = saved(demo_app)
    assert "player" not in record
    assert record["history"][-1]["routine"] == "demo-routine"


def test_unknown_routine_lists_what_exists(client):
    answer = client.say("StartRoutineIntent", routine="yoga for cats")
    assert "I don't know a routine called yoga for cats" in answer.text
    assert "demo routine" in answer.text and not answer.ends


def test_routine_found_by_synonym_and_filler_words(client):
    assert "the demo routine" in client.say("StartRoutineIntent", routine="the demo").text
    assert "the demo routine" in client.say("StartRoutineIntent",
                                            routine="The Test Routine please").text


@pytest.mark.parametrize("intent", ["AMAZON.NextIntent", "AMAZON.PreviousIntent", "SkipIntent",
                                    "ProgressIntent", "AMAZON.ResumeIntent",
                                    "AMAZON.StartOverIntent"])
def test_routine_commands_with_nothing_running_get_a_helpful_answer(client, intent):
    client.launch()
    answer = client.say(intent)
    assert "no routine running" in answer.text and not answer.ends


def test_previous_repeat_and_progress(client):
    start(client)
    client.say("AMAZON.NextIntent")
    bridges = client.say("AMAZON.NextIntent")
    assert "Step 2 of 4: Bridges." in bridges.text
    again = client.say("AMAZON.RepeatIntent")
    assert again.ssml == bridges.ssml
    progress = client.say("ProgressIntent")  # set one is done: set two is next
    assert progress.text.startswith("You're on step 2 of 4, about ") and "left" in progress.text
    back = client.say("AMAZON.PreviousIntent")
    assert "Step 1 of 4: Lying stretch." in back.text
    first = client.say("AMAZON.PreviousIntent")
    assert "This is the first step" in first.text


def test_pause_then_resume_after_the_session_ends(client, demo_app):
    start(client)
    client.say("AMAZON.NextIntent")  # the right side, cut short by "Alexa, pause"
    paused = client.say("AMAZON.PauseIntent")
    assert paused.ends and "step 1 of 4" in paused.text
    assert saved(demo_app)["player"]["position"] == 1
    welcome = client.launch()
    assert "Welcome back. You were on step 1 of 4 of the demo routine." in welcome.text
    assert "Shall we pick up there?" in welcome.text
    resumed = client.say("AMAZON.YesIntent")  # back on the floor first: no hold yet
    assert resumed.text == ("Picking up at step 1 of 4 of the demo routine: lying stretch, "
                            "the right side. Say next when you're in position.")
    assert client.say("AMAZON.NextIntent").text.startswith("Now the right side.")


def test_one_shot_resume_in_a_new_session(client):
    start(client)
    client.say("AMAZON.NextIntent")
    client.end()
    answer = client.say("AMAZON.ResumeIntent")
    assert answer.text.startswith("Picking up at step 1 of 4 of the demo routine: lying "
                                  "stretch, the right side.")
    assert answer.text.endswith("Say next when you're in position.") and not answer.ends


def test_session_end_saves_the_place_and_no_declines_it(client, demo_app):
    start(client)
    client.say("AMAZON.NextIntent")
    client.end("EXCEEDED_MAX_REPROMPTS")
    assert saved(demo_app)["player"]["position"] == 1
    client.launch()
    fresh = client.say("AMAZON.NoIntent")
    assert "fresh start" in fresh.text
    assert "player" not in saved(demo_app)
    assert "Welcome to Hamstring Coach" in client.launch().text


def test_skip_leaves_the_rest_of_a_step(client):
    start(client)
    skipped = client.say("SkipIntent")  # the right side of step 1 is left out
    assert "Skipping ahead. Step 2 of 4: Bridges." in skipped.text
    assert "Step 3 of 4: Long roll." in client.say("SkipIntent").text
    last = client.say("SkipIntent")
    assert "Step 4 of 4: Finish." in last.text and "end of the demo routine" in last.text
    assert last.ends


def test_start_over(client):
    start(client)
    client.say("AMAZON.NextIntent")
    answer = client.say("AMAZON.StartOverIntent")
    assert "Starting over." in answer.text and "Step 1 of 4" in answer.text


def test_continuous_mode_speaks_several_segments_per_turn(client, demo_app):
    start(client)
    client.say("AMAZON.NextIntent")
    answer = client.say("KeepGoingIntent")
    assert answer.text.startswith("Okay, I'll keep going.")
    assert "Set one of two." in answer.text and "Set two of two." in answer.text
    assert answer.text.endswith("Say keep going when you're ready.")
    assert saved(demo_app)["prefs"]["continuous"] is True
    turns = 1
    while not answer.ends:
        answer = client.say("KeepGoingIntent")  # what the closing question asks for
        assert "Okay, I'll keep going" not in answer.text  # said once, when the mode changed
        assert "Say next for" not in answer.text and "repeat to do it" not in answer.text
        turns += 1
    assert turns < SEGMENTS - 2
    client.say("StartRoutineIntent", routine="demo routine")
    single = client.say("OneStepAtATimeIntent")
    assert "one step at a time" in single.text
    assert saved(demo_app)["prefs"]["continuous"] is False


@pytest.mark.parametrize("intent, words, ends", [
    ("AMAZON.HelpIntent", "Tell me how they feel", False),
    ("AMAZON.FallbackIntent", "didn't catch that", False),
    ("AMAZON.StopIntent", "Look after those hamstrings", True),
    ("AMAZON.CancelIntent", "Look after those hamstrings", True),
    ("AMAZON.NavigateHomeIntent", "Look after those hamstrings", True),
    ("AMAZON.YesIntent", "How do your hamstrings feel", False),
    ("AMAZON.NoIntent", "No problem", False),
    ("AMAZON.RepeatIntent", "What would you like", False),
    ("AMAZON.PauseIntent", "Come back whenever", True),
    ("ListRoutinesIntent", "demo routine", False),
])
def test_every_intent_answers_outside_a_routine(client, intent, words, ends):
    client.launch()
    answer = client.say(intent)
    assert words in answer.text and answer.ends is ends


def test_help_and_stop_inside_a_routine(client, demo_app):
    start(client)
    help_answer = client.say("AMAZON.HelpIntent")
    assert "We're on step 1 of 4" in help_answer.text and "next" in help_answer.text
    stop = client.say("AMAZON.StopIntent")
    assert "saved your place" in stop.text and stop.ends
    assert saved(demo_app)["player"]["routine"] == "demo-routine"


class BrokenStore(SqliteStore):
    """A store that is down."""

    def get_attributes(self, request_envelope):
        raise sqlite3.OperationalError("disk I/O error")

    def save_attributes(self, request_envelope, attributes):
        raise sqlite3.OperationalError("disk I/O error")

    def update_attributes(self, request_envelope, changes, removed=(), appends=None):
        raise sqlite3.OperationalError("disk I/O error")


def test_a_store_that_is_down_costs_the_position_not_the_answer(tmp_path, chain, caplog):
    app = make_app(tmp_path, chain, load="", plugins={"demo": DemoPack()},
                   store=BrokenStore(str(tmp_path / "x.db")))
    with LiveServer(app) as live, caplog.at_level(logging.ERROR):
        client = SkillClient(live.url, chain)
        assert "Welcome to Hamstring Coach" in client.launch().text
        assert "Lying stretch" in start(client).text
        assert "Now the right side." in client.say("AMAZON.NextIntent").text
    assert "could not read saved attributes" in caplog.text
    assert "could not save attributes" in caplog.text


def test_a_handler_error_is_answered_not_500(tmp_path, chain, caplog):
    app = make_app(tmp_path, chain, load="", plugins={"demo": DemoPack()})

    def broken_begin(*args, **kwargs):
        raise RuntimeError("bug in begin")

    app.extensions["hamstring"]["coach"].begin = broken_begin
    with LiveServer(app) as live, caplog.at_level(logging.ERROR):
        answer = SkillClient(live.url, chain).say("StartRoutineIntent", routine="demo routine")
    assert answer.status == 200
    assert "something went wrong on my side" in answer.text and not answer.ends
    assert "bug in begin" in caplog.text


def test_keep_going_near_the_end_plays_the_rest_and_finishes(client):
    start(client)
    for _ in range(SEGMENTS - 2):  # the last step is a lone instruction
        client.say("AMAZON.NextIntent")
    answer = client.say("KeepGoingIntent")
    assert "That's the end of the demo routine." in answer.text and answer.ends


class CountingStore(SqliteStore):
    """A SQLite store that counts whole-record reads and writes."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.reads = self.saves = 0

    def get_attributes(self, request_envelope):
        self.reads += 1
        return super().get_attributes(request_envelope)

    def save_attributes(self, request_envelope, attributes):
        self.saves += 1
        super().save_attributes(request_envelope, attributes)


def test_turns_inside_a_routine_write_the_position_without_reading(tmp_path, chain):
    store = CountingStore(str(tmp_path / "counted.db"))
    app = make_app(tmp_path, chain, load="", plugins={"demo": DemoPack()}, store=store)
    with LiveServer(app) as live:
        client = SkillClient(live.url, chain)
        client.launch()  # reads once: is there a routine to resume?
        client.say("StartRoutineIntent", routine="demo routine")  # reads the preferences
        reads = store.reads
        for _ in range(4):
            client.say("AMAZON.NextIntent")
        assert store.reads == reads and store.saves == 0
    (data,) = sqlite3.connect(tmp_path / "counted.db").execute(
        "SELECT data FROM attributes").fetchone()
    record = json.loads(data)
    assert record["player"]["position"] == 3 and record["visits"] == 1
    assert record["safety_heard"] is True  # the launch's keys were kept by every update


class FlakyStore(SqliteStore):
    """A SQLite store whose next ``failures`` updates fail."""

    failures = 0

    def update_attributes(self, request_envelope, changes, removed=(), appends=None):
        if self.failures:
            self.failures -= 1
            raise sqlite3.OperationalError("disk I/O error")
        super().update_attributes(request_envelope, changes, removed, appends)


def test_a_position_whose_save_failed_is_saved_when_the_session_ends(tmp_path, chain):
    store = FlakyStore(str(tmp_path / "flaky.db"))
    app = make_app(tmp_path, chain, load="", plugins={"demo": DemoPack()}, store=store)
    with LiveServer(app) as live:
        client = SkillClient(live.url, chain)
        start(client)
        store.failures = 1
        assert "Now the right side." in client.say("AMAZON.NextIntent").text
        client.end("USER_INITIATED")
    (data,) = sqlite3.connect(tmp_path / "flaky.db").execute(
        "SELECT data FROM attributes").fetchone()
    assert json.loads(data)["player"]["position"] == 1


def test_how_many_left_in_a_new_session_offers_the_routine_left_unfinished(client):
    start(client)
    client.say("AMAZON.NextIntent")
    client.end()
    answer = client.say("ProgressIntent")  # "ask hamstring coach how many left"
    assert answer.text.startswith("You were on step 1 of 4 of the demo routine, about ")
    assert answer.text.endswith("Shall we pick up there?") and not answer.ends
    assert "the right side." in client.say("AMAZON.YesIntent").text
    assert client.say("AMAZON.NextIntent").text.startswith("Now the right side.")


class UnreadableStore(SqliteStore):
    """A store whose reads fail while its writes still work."""

    def get_attributes(self, request_envelope):
        raise sqlite3.OperationalError("database disk image is malformed")


def test_what_a_turn_worked_out_from_an_unreadable_record_is_not_written(tmp_path, chain,
                                                                         caplog):
    path = tmp_path / "unreadable.db"
    store = UnreadableStore(str(path))
    store.ping()  # makes the table
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO attributes (user_id, data, updated) VALUES (?, ?, 0)",
                   ("amzn1.ask.account.test", json.dumps({"visits": 7, "reports": [1]})))
    app = make_app(tmp_path, chain, load="", plugins={"demo": DemoPack()}, store=store)
    with LiveServer(app) as live, caplog.at_level(logging.ERROR):
        client = SkillClient(live.url, chain)
        assert "Welcome to Hamstring Coach" in client.launch().text  # visits "1": not saved
        start(client)
        client.say("AMAZON.NextIntent")  # reads nothing: the position is saved
    (data,) = sqlite3.connect(path).execute("SELECT data FROM attributes").fetchone()
    record = json.loads(data)
    assert record["visits"] == 7 and record["reports"] == [1]
    assert record["player"]["position"] == 1
    assert "not saving attributes: they could not be read this turn" in caplog.text


def heard_already(client) -> None:
    """Let the time the last answer takes to say pass (as if the user had listened)."""
    client.attributes["heard_by"] = "2000-01-01T00:00:00+00:00"


def test_pausing_after_a_segment_was_heard_comes_back_to_the_next_one(client, demo_app):
    start(client)
    assert "Now the right side." in client.say("AMAZON.NextIntent").text
    heard_already(client)
    paused = client.say("AMAZON.PauseIntent")
    assert "Paused on step 2 of 4" in paused.text
    assert saved(demo_app)["player"]["position"] == 2
    assert "You were on step 2 of 4" in client.launch().text
    assert "step 2 of 4 of the demo routine: bridges." in client.say("AMAZON.YesIntent").text
    assert "Step 2 of 4: Bridges." in client.say("AMAZON.NextIntent").text


def test_a_timeout_after_a_heard_segment_saves_the_next_one(client, demo_app):
    start(client)
    heard_already(client)
    client.end("EXCEEDED_MAX_REPROMPTS")  # the user walked away after the first side
    assert saved(demo_app)["player"]["position"] == 1
    client.launch()
    client.say("AMAZON.YesIntent")
    assert "Now the right side." in client.say("AMAZON.NextIntent").text
    client.end("USER_INITIATED")  # "Alexa, exit" before the side was over: play it again
    assert saved(demo_app)["player"]["position"] == 1
