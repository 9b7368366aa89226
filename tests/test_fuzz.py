"""Property-based fuzzing of envelopes and session attributes through the real app.

Hypothesis builds short conversations: request envelopes of every kind Alexa sends (and
kinds it doesn't), slot values with control characters and no length limit, session
attributes as the skill writes them, tampered, arbitrary or nested hundreds deep, envelopes
with parts missing or of the wrong type. Each is sent the way a device would, carrying the
session attributes of the previous answer. Every answer must hold:

- never a 5xx: a 200 with a valid Alexa response, or a 400 with a JSON reason;
- the response within Alexa's limits (``skill.ssml.limit_problems``: 24 KB, SSML under 8000
  characters) and its voice rules (``skill.testing.voice_problems``: valid SSML, every
  open session with a reprompt and a question);
- nothing said in reply to SessionEndedRequest, System.ExceptionEncountered, audio player
  events or a request without a session.

The bulk runs through the Flask test client with verification off (tampered attributes
are only possible so); a part goes over HTTP to a real server on 127.0.0.1, signed by the
test CA, verification on. ``HAMSTRING_FUZZ_EXAMPLES`` sets the number of conversations of
one to four turns (default 1000 in process, and a tenth of that over HTTP): raise it for a
longer hunt, ``HAMSTRING_FUZZ_EXAMPLES=20000 .venv/bin/python -m pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import functools
import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill import create_app
from skill.handlers import handled_intents
from skill.ssml import limit_problems
from skill.testing import envelope, iso_timestamp, voice_problems
from skill.triage import SYMPTOMS
from tests.support.alexa_ca import default_chain
from tests.support.client import SKILL_ID, LiveServer, make_app

EXAMPLES = int(os.environ.get("HAMSTRING_FUZZ_EXAMPLES", "1000"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
OVER_HTTP = settings(FUZZ, max_examples=max(20, EXAMPLES // 10))
SPEECHLESS = ("SessionEndedRequest", "System.ExceptionEncountered", "AudioPlayer.",
              "PlaybackController.", "CanFulfillIntentRequest")
BUILT_IN = "stretching,strengthening,massage,recovery"

# --------------------------------------------------------------------------- strategies

ROUTINES = sorted(create_app({"VERIFY_REQUESTS": False, "DATABASE_URL": "sqlite:///:memory:",
                              "LOAD_PACKS": BUILT_IN}).extensions["hamstring"]["coach"]
                  .catalog.routines)
NOW = datetime.now(UTC)

short_text = st.text(max_size=30)
nasty_text = st.one_of(
    short_text,
    st.sampled_from(["", " ", "demo routine", "foam roller release", "ice pack", "sore",
                     "a\x00b", "\x1b[2J", "<speak>&amp;</speak>", "\ud800", "ok" * 5000,
                     "word " * 2000, "\u202e\u200b"]))
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(),
                      st.floats(allow_nan=False, allow_infinity=False), short_text)
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(short_text, inner, max_size=4), max_leaves=12)
deep = st.integers(1, 900).map(lambda depth: {"deep": functools.reduce(
    lambda inner, _: [inner], range(depth), [])})

player = st.fixed_dictionaries(
    {"routine": st.sampled_from([*ROUTINES, "no-such-routine"])},
    optional={"position": st.one_of(st.integers(-3, 60), nasty_text),
              "paused": st.booleans(), "continuous": json_leaf, "done": st.booleans()})
offer = st.fixed_dictionaries(
    {"kind": st.sampled_from(["begin", "resume", "start", "question", "product",
                              "product-choice", "routine-choice", "nonsense"])},
    optional={"routine": st.sampled_from([*ROUTINES, "nope"]), "product": nasty_text,
              "from": st.one_of(st.integers(-3, 60), short_text),
              "field": st.sampled_from(["timing", "stretches_a_lot", "recurring", "x"])})
profile = st.fixed_dictionaries({}, optional={
    "symptom": st.sampled_from([*SYMPTOMS, "nonsense"]),
    "timing": st.sampled_from(["before-run", "after-run", "x"]),
    "stretches_a_lot": json_leaf, "recurring": json_leaf})
skill_state = st.fixed_dictionaries({}, optional={
    "player": player, "offer": offer, "profile": profile, "question": nasty_text,
    "heard_by": st.sampled_from([iso_timestamp(NOW - timedelta(minutes=5)),
                                 (NOW + timedelta(minutes=5)).isoformat(), "not a time"])})
attributes = st.one_of(skill_state, skill_state, st.dictionaries(short_text, json_value,
                                                                 max_size=5),
                       json_value, deep)

SLOT_NAMES = ["routine", "symptom", "timing", "habit", "product", "made-up"]
resolution = st.fixed_dictionaries({
    "authority": st.just("amzn1.er-authority.echo-sdk.skill.test.routines"),
    "status": st.fixed_dictionaries({"code": st.sampled_from(
        ["ER_SUCCESS_MATCH", "ER_SUCCESS_NO_MATCH", "ER_ERROR_TIMEOUT"])}),
    "values": st.lists(st.fixed_dictionaries({"value": st.fixed_dictionaries(
        {"name": nasty_text, "id": st.one_of(st.sampled_from([*ROUTINES, *SYMPTOMS]),
                                              nasty_text)})}), max_size=2)})
slot = st.builds(lambda name, value, resolved: {
    "name": name, "value": value, "confirmationStatus": "NONE",
    **({"resolutions": {"resolutionsPerAuthority": [resolved]}} if resolved else {})},
    st.sampled_from(SLOT_NAMES), st.one_of(st.none(), nasty_text), st.none() | resolution)
intent_name = st.sampled_from([*handled_intents(), "AMAZON.FooIntent", "MadeUpIntent"])
intent = st.builds(lambda name, slots: {"name": name, "confirmationStatus": "NONE",
                                        "slots": {s["name"]: s for s in slots}},
                   intent_name, st.lists(slot, max_size=3))

request = st.one_of(
    st.builds(lambda i: {"type": "IntentRequest", "intent": i}, intent),
    st.builds(lambda i: {"type": "IntentRequest", "intent": i}, intent),
    st.builds(lambda i: {"type": "IntentRequest", "intent": i}, intent),
    st.just({"type": "LaunchRequest"}),
    st.builds(lambda reason: {"type": "SessionEndedRequest", "reason": reason,
                              "error": {"type": "INVALID_RESPONSE", "message": "x"}},
              st.sampled_from(["USER_INITIATED", "ERROR", "EXCEEDED_MAX_REPROMPTS", "?"])),
    st.just({"type": "System.ExceptionEncountered",
             "error": {"type": "INVALID_RESPONSE", "message": "An exception occurred"},
             "cause": {"requestId": "amzn1.echo-api.request.earlier"}}),
    st.builds(lambda i: {"type": "CanFulfillIntentRequest", "intent": i}, intent),
    st.sampled_from([{"type": "AudioPlayer.PlaybackStarted", "token": "t",
                      "offsetInMilliseconds": 0},
                     {"type": "AudioPlayer.PlaybackFailed", "token": "t",
                      "error": {"type": "MEDIA_ERROR_UNKNOWN", "message": "gone"}},
                     {"type": "PlaybackController.PlayCommandIssued"},
                     {"type": "Alexa.Presentation.APL.UserEvent", "arguments": ["next"]},
                     {"type": "Messaging.MessageReceived", "message": {}}]),
    st.builds(lambda kind: {"type": kind}, short_text),
)


def mangle(env: dict, change: tuple[str, Any] | None) -> dict:
    """``env`` with one part removed or replaced (``None``: left as it is)."""
    if change is None:
        return env
    path, value = change
    node = env
    *parents, last = path.split(".")
    for key in parents:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, dict):
        if value is REMOVE:
            node.pop(last, None)
        else:
            node[last] = value
    return env


REMOVE = object()
PARTS = ["session", "session.attributes", "session.new", "session.user", "context",
         "context.System.user", "context.System.device", "request.locale", "request.intent",
         "request.intent.slots", "request.timestamp", "version"]
change = st.none() | st.none() | st.tuples(st.sampled_from(PARTS),
                                           st.just(REMOVE) | json_value)
turn = st.tuples(request, change, st.sampled_from(["en-US", "en-GB", "en-IN", "fr-FR", ""]))
conversation = st.tuples(st.sampled_from(["amzn1.ask.account.one", "amzn1.ask.account.two"]),
                         st.booleans(), attributes, st.lists(turn, min_size=1, max_size=4))

# --------------------------------------------------------------------------- the properties


def answer_problems(sent: dict, status: int, data: Any) -> list[str]:
    """What is wrong with the answer ``status``/``data`` to the envelope ``sent``."""
    if status == 400:
        ok = isinstance(data, dict) and isinstance(data.get("error"), str)
        return [] if ok else [f"400 without a reason: {data!r}"]
    if status != 200:
        return [f"HTTP {status}"]
    if not isinstance(data, dict) or data.get("version") != "1.0" \
            or not isinstance(data.get("response"), dict):
        return [f"not an Alexa response: {str(data)[:300]}"]
    response = data["response"]
    problems = voice_problems(response) + limit_problems(data)
    speech = response.get("outputSpeech")
    if speech is not None and (speech.get("type") != "SSML"
                               or not str(speech.get("ssml", "")).startswith("<speak>")):
        problems.append(f"output speech is not SSML: {speech!r}")
    kind = sent["request"].get("type")
    has_session = isinstance(sent.get("session"), dict)
    silent = not has_session or (isinstance(kind, str) and kind.startswith(SPEECHLESS))
    if silent and ({"outputSpeech", "reprompt", "card"} & set(response)
                   or response.get("shouldEndSession") is False):
        problems.append(f"spoke in reply to {kind} (session: {has_session})")
    if "sessionAttributes" in data and not isinstance(data["sessionAttributes"], dict):
        problems.append("session attributes are not an object")
    return problems


class Conversation:
    """Plays one generated conversation against ``post`` the way a device would."""

    def __init__(self, post) -> None:
        self.post = post

    def play(self, user: str, new: bool, state: Any, turns: list) -> None:
        session_id = "amzn1.echo-api.session.fuzz"
        for request_, change, locale in turns:
            env = envelope(json.loads(json.dumps(request_)), skill_id=SKILL_ID, user_id=user,
                           session_id=session_id, new_session=new, locale=locale)
            env["session"]["attributes"] = state
            env = mangle(env, change)
            status, data = self.post(env)
            problems = answer_problems(env, status, data)
            assert not problems, (problems, json.dumps(env)[:2000])
            if status != 200 or data["response"].get("shouldEndSession") is not False:
                state, new = {}, True  # the session is over: the next turn opens another
                session_id += "+"
            else:
                state, new = data.get("sessionAttributes") or {}, False


@pytest.fixture(scope="module")
def in_process(tmp_path_factory):
    """The app (built-in packs, SQLite, verification off) and its Flask test client."""
    folder = tmp_path_factory.mktemp("fuzz")
    app = create_app({"VERIFY_REQUESTS": False, "SKILL_ID": SKILL_ID, "LOAD_PACKS": BUILT_IN,
                      "DATABASE_URL": f"sqlite:///{folder / 'fuzz.db'}"})
    client = app.test_client()

    def post(env: dict) -> tuple[int, Any]:
        body = json.dumps(env, allow_nan=False).encode()
        response = client.post("/alexa", data=body, content_type="application/json")
        return response.status_code, response.get_json(silent=True)

    return Conversation(post)


@pytest.fixture(scope="module")
def over_http(tmp_path_factory):
    """The app with verification on, served on 127.0.0.1, and a device signing requests."""
    folder = tmp_path_factory.mktemp("fuzz-http")
    chain = default_chain()
    app = make_app(folder, chain, load=BUILT_IN)
    with LiveServer(app) as live:
        from skill.testing import HttpDevice

        device = HttpDevice(live.url + "/alexa")
        device.headers = chain.sign  # type: ignore[method-assign]

        def post(env: dict) -> tuple[int, Any]:
            return device.post(json.dumps(env, allow_nan=False).encode())

        yield Conversation(post)


@FUZZ
@given(conversation)
def test_fuzzed_conversations_in_process(in_process, generated):
    in_process.play(*generated)


@OVER_HTTP
@given(conversation)
def test_fuzzed_conversations_signed_over_http(over_http, generated):
    over_http.play(*generated)
