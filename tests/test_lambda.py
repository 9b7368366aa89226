"""The skill on AWS Lambda: ``skill.lambda_handler`` answers envelopes like the web view does,
keeps progress in the configured store and refuses other skills' events.

Also checks that the envelope reader the view and Lambda share builds exactly the objects
ask-sdk's own ``DefaultSerializer`` builds.
"""

from __future__ import annotations

import copy
import json
import re

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

import skill
from skill import aws_lambda
from skill.envelopes import JsonObject, read_envelope, to_json
from skill.verify import BadRequest
from tests.support.alexa_ca import envelope
from tests.support.client import SKILL_ID

USER = "amzn1.ask.account.lambda"


@pytest.fixture
def handler(tmp_path, monkeypatch):
    """``skill.lambda_handler`` configured from the environment, with SQLite in ``tmp_path``."""
    monkeypatch.setenv("HAMSTRING_SKILL_ID", SKILL_ID)
    monkeypatch.setenv("HAMSTRING_DATABASE_URL", f"sqlite:///{tmp_path / 'lambda.db'}")
    aws_lambda.service.cache_clear()
    yield skill.lambda_handler
    aws_lambda.service.cache_clear()


def intent(name: str, **slots: str) -> dict:
    return {"type": "IntentRequest", "intent": {
        "name": name, "confirmationStatus": "NONE",
        "slots": {key: {"name": key, "value": value, "confirmationStatus": "NONE"}
                  for key, value in slots.items()}}}


def text(answer: dict) -> str:
    return re.sub(r"<[^>]+>", " ", answer["response"]["outputSpeech"]["ssml"])


def test_launch_is_answered_without_any_signature(handler):
    """A bare envelope dict (what Alexa passes to Lambda) gets a normal response dict."""
    answer = handler(envelope(user_id=USER), None)
    assert answer["version"] == "1.0"
    assert "Welcome to Hamstring Coach" in text(answer)
    assert answer["response"]["shouldEndSession"] is False
    json.dumps(answer)  # Lambda returns it as JSON


def test_progress_is_kept_in_the_configured_store(handler):
    """Start a routine, pause it, come back in a new session: the skill offers to resume."""
    first = handler(envelope(intent("StartRoutineIntent", routine="foam roller release"),
                             user_id=USER), None)
    assert "foam roller" in text(first).lower()
    attributes = first["sessionAttributes"]
    handler(envelope(intent("AMAZON.PauseIntent"), user_id=USER, new_session=False,
                     attributes=attributes), None)
    aws_lambda.service.cache_clear()  # a new container: only the database remembers
    again = handler(envelope(user_id=USER), None)
    assert "Welcome back" in text(again)


def test_another_skills_event_is_refused(handler):
    """The skill id still matters on Lambda: the invocation fails, nothing is answered."""
    with pytest.raises(BadRequest, match="application id does not match"):
        handler(envelope(skill_id="amzn1.ask.skill.other", user_id=USER), None)


def test_an_unreadable_event_is_refused(handler):
    with pytest.raises(BadRequest, match="not a readable Alexa request"):
        handler(envelope({"type": "IntentRequest", "intent": ["not", "an", "intent"]}), None)


def test_a_kind_of_event_nobody_handles_gets_an_empty_answer(handler):
    assert handler(envelope({"type": "Bogus.Request"}), None)["response"] == {}


def test_the_service_is_built_once_per_container(handler):
    handler(envelope(), None)
    built = aws_lambda.service()
    handler(envelope(), None)
    assert aws_lambda.service() is built


ENVELOPES = [
    pytest.param(envelope(), id="launch"),
    pytest.param(envelope(intent("AMAZON.NextIntent"), new_session=False,
                          attributes={"player": {"routine": "after-run-stretches",
                                                 "position": 2}}), id="next"),
    pytest.param(envelope({"type": "IntentRequest", "dialogState": "COMPLETED", "intent": {
        "name": "StartRoutineIntent", "confirmationStatus": "NONE", "slots": {"routine": {
            "name": "routine", "value": "the foam roller", "confirmationStatus": "NONE",
            "resolutions": {"resolutionsPerAuthority": [{
                "authority": "amzn1.er-authority.echo-sdk.test.ROUTINE",
                "status": {"code": "ER_SUCCESS_MATCH"},
                "values": [{"value": {"name": "foam roller release",
                                      "id": "foam-roller-release"}}]}]}}}}}),
                 id="slot-with-resolutions"),
    pytest.param(envelope({"type": "SessionEndedRequest", "reason": "ERROR",
                           "error": {"type": "INVALID_RESPONSE", "message": "bad"}}),
                 id="session-ended-with-error"),
    pytest.param(envelope({"type": "LaunchRequest", "timestamp": "2024-05-01T12:34:56.789Z",
                           "undeclared": {"kept": True}}), id="extra-fields"),
]


@pytest.mark.parametrize("data", ENVELOPES)
def test_envelopes_are_read_exactly_like_the_sdk_reads_them(data):
    """The fast reader builds objects equal to DefaultSerializer's, down to the types."""
    ours = read_envelope(json.loads(json.dumps(data)))
    sdk = DefaultSerializer().deserialize(payload=json.dumps(data), obj_type=RequestEnvelope)
    assert ours == sdk
    assert type(ours.request) is type(sdk.request)
    assert ours.request.timestamp == sdk.request.timestamp


def test_session_attributes_copy_deeply_and_exactly():
    """The SDK deep-copies them each turn; the copy is a plain dict, equal and independent."""
    attributes = {"player": {"position": 2, "seconds": 30.5, "steps": [1, 2]}, "name": "é"}
    read = read_envelope(envelope(new_session=False, attributes=attributes)).session.attributes
    huge = JsonObject({"count": 2 ** 70, "list": [{"a": None}]})  # orjson can't write it
    for data, inner in ((read, "player"), (huge, "list")):
        copied = copy.deepcopy(data)
        assert copied == data and type(copied) is dict and copied[inner] is not data[inner]


def test_responses_are_written_exactly_like_the_sdk_writes_them(handler):
    """The fast writer gives DefaultSerializer's JSON for answers with speech, cards, ends."""
    service = aws_lambda.service()
    answers = [envelope(), envelope(intent("ListRoutinesIntent")),
               envelope(intent("StartRoutineIntent", routine="foam roller release")),
               envelope(intent("AMAZON.NextIntent"), new_session=False, attributes={
                   "player": {"routine": "foam-roller-release", "position": 3}}),
               envelope(intent("AMAZON.StopIntent")),
               envelope({"type": "SessionEndedRequest", "reason": "USER_INITIATED"})]
    written = []
    for data in answers:
        response = service.skill.invoke(request_envelope=read_envelope(data), context=None)
        written.append(to_json(response))
        assert written[-1] == DefaultSerializer().serialize(response)
    assert any("card" in answer["response"] for answer in written)
