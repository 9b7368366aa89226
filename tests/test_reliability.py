"""Defects from the hardening audit, each reproduced through the real app over HTTP.

Every request here is signed by the test CA and served by a real WSGI server on 127.0.0.1;
the numbers in the test names are the audit's.
"""

from __future__ import annotations

import json
import logging
import threading
import time

import pytest

from skill import hookimpl
from skill.plugins import LOG_EVERY
from skill.ssml import check, limit_problems
from skill.testing import intent_request, voice_problems
from tests.support.alexa_ca import envelope
from tests.support.client import DemoPack, LiveServer, SkillClient, make_app


def post(client: SkillClient, env: dict) -> tuple[int, dict]:
    """Send a whole envelope as it is (signed); the status and the JSON answer."""
    return client.post(json.dumps(env).encode())


def nested(depth: int) -> str:
    """``{"x": {"x": ...}}``, ``depth`` objects deep, as JSON (past what ``json`` writes)."""
    return '{"x":' * (depth - 1) + "{}" + "}" * (depth - 1)


def speechless(data: dict) -> bool:
    """An answer with nothing to say and no session kept open."""
    response = data.get("response", {})
    return not any(key in response for key in ("outputSpeech", "reprompt", "card")) \
        and response.get("shouldEndSession") is not False


def errors(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


# --------------------------------------------------------------------------- 1, 9, 10


@pytest.mark.parametrize("request_", [
    {"type": "AudioPlayer.PlaybackStarted", "token": "t", "offsetInMilliseconds": 0},
    {"type": "AudioPlayer.PlaybackFailed", "token": "t",
     "error": {"type": "MEDIA_ERROR_UNKNOWN", "message": "gone"}},
    {"type": "PlaybackController.NextCommandIssued"},
], ids=lambda request: request["type"])
def test_1_an_envelope_without_a_session_is_answered(client, caplog, request_):
    """Alexa leaves out ``session`` for audio player and playback controller requests."""
    env = envelope(request_)
    del env["session"]
    with caplog.at_level(logging.INFO):
        status, data = post(client, env)
    assert status == 200
    assert speechless(data) and "sessionAttributes" not in data
    assert not errors(caplog)
    assert f"no handler for {request_['type']} requests" in caplog.text


def test_9_alexa_reporting_an_error_gets_no_speech_and_no_traceback(client, caplog):
    env = envelope({"type": "System.ExceptionEncountered",
                    "error": {"type": "INVALID_RESPONSE", "message": "SSML is not valid"},
                    "cause": {"requestId": "amzn1.echo-api.request.earlier"}})
    with caplog.at_level(logging.INFO):
        status, data = post(client, env)
    assert status == 200 and speechless(data)
    assert not errors(caplog) and "Traceback" not in caplog.text
    assert ("Alexa could not use an answer (request amzn1.echo-api.request.earlier): "
            "INVALID_RESPONSE: SSML is not valid") in caplog.text


def test_9_a_request_type_the_sdk_does_not_know_gets_an_empty_answer(client, caplog):
    with caplog.at_level(logging.INFO):
        status, data = post(client, envelope({"type": "Alexa.Brand.NewRequest"}))
    assert status == 200 and speechless(data)
    assert not errors(caplog)
    assert "no handler for Alexa.Brand.NewRequest requests" in caplog.text


@pytest.mark.parametrize(("intent", "slots", "answer"), [
    ("StartRoutineIntent", {"routine": {"name": "routine", "value": "demo routine",
                                        "resolutions": {"resolutionsPerAuthority": [{
                                            "authority": "amzn1.er-authority.routines",
                                            "status": {"code": "ER_SUCCESS_MATCH"},
                                            "values": [{"value": {"name": "demo routine",
                                                                  "id": "demo-routine"}}]}]}}},
     {"canFulfill": "YES", "slots": {"routine": {"canUnderstand": "YES", "canFulfill": "YES"}}}),
    ("StartRoutineIntent", {"routine": {"name": "routine", "value": "banana bread"}},
     {"canFulfill": "MAYBE", "slots": {"routine": {"canUnderstand": "MAYBE",
                                                   "canFulfill": "NO"}}}),
    ("AMAZON.HelpIntent", {}, {"canFulfill": "YES", "slots": {}}),
    ("OrderPizzaIntent", {}, {"canFulfill": "NO", "slots": {}}),
])
def test_9_can_fulfill_intent_is_answered_for_what_the_skill_handles(client, caplog, intent,
                                                                       slots, answer):
    request = {"type": "CanFulfillIntentRequest", "intent": {"name": intent, "slots": slots}}
    with caplog.at_level(logging.INFO):
        status, data = post(client, envelope(request))
    assert status == 200 and not errors(caplog)
    assert data["response"] == {"canFulfillIntent": answer}


def test_10_a_failing_session_ended_turn_says_nothing(client, caplog):
    """A position that can't be read (only possible with verification off, or a bug) makes
    the turn fail: the answer to SessionEndedRequest must still be silent."""
    attributes = {"player": {"routine": "demo-routine", "position": "not a number"}}
    env = envelope({"type": "SessionEndedRequest", "reason": "USER_INITIATED"},
                   attributes=attributes, new_session=False)
    with caplog.at_level(logging.ERROR):
        status, data = post(client, env)
    assert status == 200 and speechless(data)
    assert "handler failed" in caplog.text  # a real failure is still an error, and logged


# --------------------------------------------------------------------------- 2, 8


@pytest.mark.parametrize("depth", [9, 255, 1000])
def test_2_deeply_nested_session_attributes_are_reset_not_a_500(client, caplog, depth):
    env = envelope({"type": "LaunchRequest"}, attributes={"here": 1}, new_session=False)
    body = json.dumps(env).replace('{"here": 1}', nested(depth)).encode()
    with caplog.at_level(logging.WARNING):
        status, data = client.post(body)
    assert status == 200, data
    assert "Welcome" in data["response"]["outputSpeech"]["ssml"]
    assert "x" not in data["sessionAttributes"]
    assert "session attributes reset: nested deeper than 8 levels" in caplog.text


@pytest.mark.parametrize("attributes", [
    {"player": "garbage"},
    {"player": {"routine": "demo-routine", "position": "x"}},
    {"player": {"routine": "demo-routine", "position": 1, "continuous": {"deep": [1]}},
     "offer": ["not", "a", "dict"]},
    {"question": "Q" * 5000},
    {"padding": ["y" * 900] * 30},
], ids=["player-string", "position-string", "offer-list", "long-question", "oversized"])
def test_8_tampered_session_attributes_are_reset_once(client, attributes):
    """At most one apology; the bad values are not echoed back; the next turns work."""
    status, data = post(client, envelope(intent_request("AMAZON.RepeatIntent"),
                                         attributes=attributes, new_session=False))
    assert status == 200
    answers = [data]
    sent = data.get("sessionAttributes") or {}
    for key, value in attributes.items():
        assert sent.get(key) != value
    client.session_id, client.attributes = "amzn1.echo-api.session.tampered", sent
    for turn in (intent_request("AMAZON.HelpIntent"), intent_request("AMAZON.RepeatIntent"),
                 intent_request("StartRoutineIntent", {"routine": "demo routine"})):
        answer = client.send(turn)
        answers.append(answer.body)
    spoken = [a["response"]["outputSpeech"]["ssml"] for a in answers]
    assert sum("something went wrong" in ssml for ssml in spoken) <= 1
    assert "Let's do the demo routine" in spoken[-1]
    assert all(not voice_problems(a["response"]) and not limit_problems(a) for a in answers)


# --------------------------------------------------------------------------- 7


@pytest.mark.parametrize("value", [
    "yoga\x00 for\x07 cats\x1b[31m",
    "banana " * 1300,
    "\ud800\udfff\ufffe half a surrogate",
    "\u202eright to left\u200b and zero width",
])
def test_7_slot_values_reach_ssml_clean_and_capped(client, value):
    raw = json.dumps(envelope(intent_request("StartRoutineIntent", {"routine": value}))).encode()
    status, data = client.post(raw)
    assert status == 200
    ssml = data["response"]["outputSpeech"]["ssml"]
    assert check(ssml) == [] and not limit_problems(data)
    assert not any(ord(char) < 32 or 0xD800 <= ord(char) < 0xE000 or char in "\u202e\u200b"
                   for char in ssml)
    said = ssml.split("called ", 1)[1].split(".", 1)[0]
    assert 0 < len(said) <= 80


def test_7_a_heard_product_name_is_capped_too(client):
    answer = client.say("ProductTipsIntent", product="x\x00" * 5000)
    assert not answer.problems and len(answer.ssml) < 2000


# --------------------------------------------------------------------------- 4, 5


class Slow:
    """A pack whose hooks hang until the test lets them go."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls = 0

    @hookimpl
    def register_advice(self, profile):
        self.calls += 1
        self.release.wait(30)
        return []

    @hookimpl
    def routine_event(self, event):
        self.calls += 1
        self.release.wait(30)


def test_4_a_hook_that_hangs_is_left_out_after_its_deadline(tmp_path, chain, caplog):
    slow = Slow()
    app = make_app(tmp_path, chain, load="massage,recovery",
                   plugins={"slow": slow, "demo": DemoPack()}, hook_deadline=0.3)
    packs = app.extensions["hamstring"]["packs"]
    try:
        with LiveServer(app) as live, caplog.at_level(logging.WARNING):
            client = SkillClient(live.url, chain)
            started = time.monotonic()
            advice = client.say("ReportSymptomIntent", symptom="sore", timing="after-run")
            first = time.monotonic() - started
            assert "foam roller release" in advice.text  # the other packs' advice stands
            started = time.monotonic()
            for _ in range(3):  # the hung call has not returned: the pack is not called again
                client.say("ReportSymptomIntent", symptom="sore", timing="after-run")
                assert "the demo routine" in client.say("StartRoutineIntent",
                                                        routine="demo routine").text
            later = time.monotonic() - started
        # 30 s if the turn waited for the hook; the deadline is 0.3 s
        assert first < 5 and later < 5
        assert slow.calls == 1
        assert "pack slow, hook register_advice: took longer than 0.3 s" in caplog.text
        kinds = {(f.pack, f.hook, f.error): f.count for f in packs.failures.values()}
        assert kinds[("slow", "register_advice", "ran past its deadline")] == 1
        assert kinds[("slow", "register_advice", "still running a call that overran")] == 3
        assert kinds[("slow", "routine_event", "still running a call that overran")] == 3
    finally:
        slow.release.set()
    deadline = time.monotonic() + 5
    while packs._overdue.get("slow") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not packs._overdue.get("slow")  # once it returns, the pack is called again


class Failing:
    """A pack that raises on every routine event."""

    @hookimpl
    def routine_event(self, event):
        raise KeyError(f"no such thing as {event.name} {time.monotonic()}")


def test_5_call_time_failures_are_counted_not_kept_one_by_one(tmp_path, chain, caplog):
    app = make_app(tmp_path, chain, load="", plugins={"failing": Failing(), "demo": DemoPack()})
    packs = app.extensions["hamstring"]["packs"]
    problems_at_start = list(packs.problems)
    with LiveServer(app) as live, caplog.at_level(logging.WARNING, logger="skill.plugins"):
        client = SkillClient(live.url, chain)
        turns = 0
        for _ in range(10):
            answer = client.say("StartRoutineIntent", routine="demo routine")  # "started"
            while not answer.ends:  # "step_done" for each step, "completed"
                answer = client.say("AMAZON.NextIntent")
                turns += 1
    assert turns >= 40
    assert packs.problems == problems_at_start
    [failure] = packs.failures.values()
    assert (failure.pack, failure.hook, failure.error) == ("failing", "routine_event",
                                                          "raised KeyError")
    assert failure.count == 10 * 5  # started, three steps done, completed; ten times
    assert "no such thing as completed" in failure.reason  # the latest message
    lines = [r for r in caplog.records if "pack failing" in r.getMessage()]
    assert len(lines) == 1  # then at most one line a minute, with the count
    assert LOG_EVERY == 60.0


# --------------------------------------------------------------------------- the size finding


@pytest.mark.parametrize("request_", [
    intent_request("AMAZON.RepeatIntent"),
    intent_request("StartRoutineIntent", {"routine": "stretch " * 3000}),
    intent_request("ProductTipsIntent", {"product": "\x00" * 9000}),
    {"type": "LaunchRequest"},
], ids=["repeat", "long-routine-name", "long-product", "launch"])
def test_answers_stay_within_alexa_limits_whatever_came_in(client, request_):
    """The audit's fuzz run: 160 answers over 24 KB (session attributes sent in come back in
    the answer) and 13 with over 8,000 characters of SSML (heard values said back)."""
    attributes = {"question": "Say next? " * 90, "padding": ["y" * 999] * 200}  # 200 KB
    env = envelope(request_, attributes=attributes, new_session=False)
    status, data = post(client, env)
    assert status == 200
    assert limit_problems(data) == [] and voice_problems(data["response"]) == []
    assert len(json.dumps(data)) < 4000
