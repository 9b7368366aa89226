"""Helpers for testing the skill and content packs: envelopes, a device, Alexa's voice rules.

A pack author's test can play a routine through the real app with no network::

    from skill import create_app
    from skill.testing import AppDevice

    device = AppDevice(create_app({"VERIFY_REQUESTS": False, "LOAD_PACKS": "mine"}))
    answer = device.say("StartRoutineIntent", routine="my routine")
    assert not answer.problems
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime

from skill.presentation import audio_timeline
from skill.ssml import check, limit_problems, timeline

SKILL_ID = "amzn1.ask.skill.local"
USER_ID = "amzn1.ask.account.local"
APL = {"Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.2"}}}
APLA = {"Alexa.Presentation.APLA": {"runtime": {"maxVersion": "0.91"}}}
# Devices as their envelopes describe them: what they support and their screen (a
# context.Viewport; the pixel sizes are those of the device each name stands for).
DEVICES: dict[str, dict] = {
    "echo": {"interfaces": {}},
    "echo-show": {"interfaces": {**APL, **APLA}, "viewport": {
        "shape": "RECTANGLE", "mode": "HUB", "pixelWidth": 1280, "pixelHeight": 800,
        "dpi": 160}},
    "echo-show-5": {"interfaces": {**APL, **APLA}, "viewport": {
        "shape": "RECTANGLE", "mode": "HUB", "pixelWidth": 960, "pixelHeight": 480,
        "dpi": 160}},
    "echo-show-15": {"interfaces": {**APL, **APLA}, "viewport": {
        "shape": "RECTANGLE", "mode": "HUB", "pixelWidth": 1920, "pixelHeight": 1080,
        "dpi": 160}},
    "round-hub": {"interfaces": {**APL, **APLA}, "viewport": {
        "shape": "ROUND", "mode": "HUB", "pixelWidth": 480, "pixelHeight": 480, "dpi": 160}},
    "tv": {"interfaces": {**APL}, "viewport": {
        "shape": "RECTANGLE", "mode": "TV", "pixelWidth": 1920, "pixelHeight": 1080,
        "dpi": 320}},
    "echo-show-apl-only": {"interfaces": {**APL}, "viewport": {
        "shape": "RECTANGLE", "mode": "HUB", "pixelWidth": 1280, "pixelHeight": 800,
        "dpi": 160}},
}


def iso_timestamp(when: datetime) -> str:
    """Format like Alexa: ``2024-05-01T12:34:56Z`` (naive datetimes are taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(
    request: dict | None = None,
    *,
    skill_id: str = SKILL_ID,
    user_id: str = USER_ID,
    session_id: str | None = None,
    timestamp: datetime | None = None,
    new_session: bool = True,
    attributes: dict | None = None,
    locale: str = "en-US",
    device: str = "echo",
) -> dict:
    """A realistic Alexa request envelope; ``request`` defaults to a LaunchRequest.

    Fields missing from ``request`` (``type``, ``requestId``, ``timestamp``, ``locale``) are
    filled in; ``timestamp`` defaults to now. ``device`` is one of ``DEVICES``: what it
    supports and, for a screen, its ``context.Viewport``.
    """
    application = {"applicationId": skill_id}
    user = {"userId": user_id}
    kind = DEVICES[device]
    screen = {"Viewport": {**kind["viewport"], "touch": ["SINGLE"], "keyboard": [],
                           "currentPixelWidth": kind["viewport"]["pixelWidth"],
                           "currentPixelHeight": kind["viewport"]["pixelHeight"]}} \
        if "viewport" in kind else {}
    return {
        "version": "1.0",
        "session": {
            "new": new_session,
            "sessionId": session_id or f"amzn1.echo-api.session.{uuid.uuid4()}",
            "application": application,
            "user": user,
            "attributes": attributes or {},
        },
        "context": {
            "System": {
                "application": application,
                "user": user,
                "device": {"deviceId": "amzn1.ask.device.local",
                           "supportedInterfaces": dict(kind["interfaces"])},
                "apiEndpoint": "https://api.amazonalexa.com",
                "apiAccessToken": "local-api-access-token",
            },
            **screen,
        },
        "request": {
            "type": "LaunchRequest",
            "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
            "timestamp": iso_timestamp(timestamp or datetime.now(UTC)),
            "locale": locale,
            **(request or {}),
        },
    }


def intent_request(name: str, slots: dict[str, str | dict] | None = None) -> dict:
    """An IntentRequest; a slot is a heard value, or a full slot dict (with resolutions)."""
    return {"type": "IntentRequest", "intent": {
        "name": name, "confirmationStatus": "NONE",
        "slots": {slot: value if isinstance(value, dict) else
                  {"name": slot, "value": value, "confirmationStatus": "NONE"}
                  for slot, value in (slots or {}).items()}}}


def user_event(intent: str, **slots: str) -> dict:
    """A touch on a screen's button: the ``SendEvent`` arguments the skill's cards send."""
    return {"type": "Alexa.Presentation.APL.UserEvent", "token": "hamstring-coach",
            "arguments": [intent, slots], "source": {"type": "TouchWrapper",
                                                     "handler": "Press", "id": ""}}


def voice_problems(response: dict) -> list[str]:
    """Alexa's rules for one response: SSML, reprompts, and no open mic without a question."""
    problems = []
    ends = response.get("shouldEndSession", True) is not False
    speech = (response.get("outputSpeech") or {}).get("ssml")
    if speech:
        problems += check(speech, expects_answer=not ends)
    reprompt = ((response.get("reprompt") or {}).get("outputSpeech") or {}).get("ssml")
    if not ends:
        if not reprompt:
            problems.append("session stays open without a reprompt")
        elif "?" not in reprompt + (speech or "") and "Say " not in reprompt:
            problems.append("session stays open without a question")
        else:
            problems += check(reprompt, expects_answer=True)
    return problems


@dataclass
class Answer:
    """One response from the skill, unpacked."""

    status: int
    body: dict
    ssml: str = ""
    reprompt: str = ""
    ends: bool = True
    card: dict | None = None
    attributes: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    directives: list[dict] = field(default_factory=list)

    def directive(self, kind: str) -> dict | None:
        """The directive of type ``kind`` (like ``Alexa.Presentation.APL.RenderDocument``)."""
        return next((d for d in self.directives if d.get("type") == kind), None)

    @property
    def screen(self) -> dict | None:
        """The APL document the response shows, if any."""
        return self.directive("Alexa.Presentation.APL.RenderDocument")

    @property
    def sound(self) -> dict | None:
        """The APL for Audio document the response plays instead of its speech, if any."""
        return self.directive("Alexa.Presentation.APLA.RenderDocument")

    @property
    def text(self) -> str:
        """The speech without tags (the words of the audio document where it has one)."""
        if not self.ssml and self.sound:
            return " ".join(text for kind, _, text in self.heard() if kind == "say")
        return " ".join(re.sub(r"<[^>]+>", " ", self.ssml).split())

    def heard(self) -> list[tuple[str, float, str]]:
        """What the user hears, in order: ``("say", seconds, text)``, ``("pause", ...)``,
        and, from an audio document, ``("tick", ...)`` (silence under the ticking clock)
        and ``("sound", ...)``."""
        if self.sound:
            return audio_timeline(self.sound["document"], self.sound["datasources"])
        return timeline(self.ssml) if self.ssml else []


class Device(ABC):
    """Talks to the skill like an Echo: keeps the session across turns and the user across
    sessions. Subclasses say how a request body travels (``post``)."""

    def __init__(self, user_id: str = USER_ID, locale: str = "en-US",
                 skill_id: str = SKILL_ID, device: str = "echo") -> None:
        self.user_id, self.locale, self.skill_id = user_id, locale, skill_id
        self.device = device
        self.session_id: str | None = None
        self.attributes: dict = {}

    @abstractmethod
    def post(self, body: bytes) -> tuple[int, dict]:
        """Send a request body; the HTTP status and the JSON answer."""

    def envelope(self, request: dict) -> dict:
        """An envelope for the current session (a new one if none is open)."""
        new = self.session_id is None
        if new:
            self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
            self.attributes = {}
        return envelope(request, skill_id=self.skill_id, user_id=self.user_id,
                        session_id=self.session_id, new_session=new,
                        attributes=self.attributes, locale=self.locale, device=self.device)

    def send(self, request: dict) -> Answer:
        """Send one request and unpack the answer, with any voice-rule problems."""
        status, data = self.post(json.dumps(self.envelope(request)).encode())
        answer = Answer(status, data)
        if status != 200:
            return answer
        response = data.get("response", {})
        answer.problems = voice_problems(response) + limit_problems(data)
        answer.ssml = (response.get("outputSpeech") or {}).get("ssml", "")
        answer.reprompt = ((response.get("reprompt") or {}).get("outputSpeech") or {}).get(
            "ssml", "")
        answer.ends = response.get("shouldEndSession", True) is not False
        answer.card = response.get("card")
        answer.directives = response.get("directives") or []
        answer.attributes = data.get("sessionAttributes") or {}
        if answer.ends or request["type"] == "SessionEndedRequest":
            self.session_id, self.attributes = None, {}
        else:
            self.attributes = answer.attributes
        return answer

    def launch(self) -> Answer:
        """"Alexa, open hamstring coach"."""
        self.session_id = None
        return self.send({"type": "LaunchRequest"})

    def say(self, intent: str, **slots: str | dict) -> Answer:
        """An intent with slot values, in the current session or a new one."""
        return self.send(intent_request(intent, slots))

    def touch(self, intent: str, **slots: str) -> Answer:
        """Press a button on the screen that stands for ``intent``."""
        return self.send(user_event(intent, **slots))

    def end(self, reason: str = "EXCEEDED_MAX_REPROMPTS") -> Answer:
        """The session ends without the user (timeout, "exit")."""
        return self.send({"type": "SessionEndedRequest", "reason": reason})


class AppDevice(Device):
    """A device talking to a Flask app in-process (verification must be off)."""

    def __init__(self, app, **kwargs) -> None:
        super().__init__(**kwargs)
        self.client = app.test_client()

    def post(self, body: bytes) -> tuple[int, dict]:
        response = self.client.post("/alexa", data=body, content_type="application/json")
        return response.status_code, response.get_json() or {}


class HttpDevice(Device):
    """A device posting over HTTP, to ``hamstring serve`` or any server of the skill.

    ``headers`` adds per-request headers (the tests sign requests there).
    """

    def __init__(self, url: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.url = url

    def headers(self, body: bytes) -> dict[str, str]:
        """Extra headers for a request body; none by default."""
        return {}

    def post(self, body: bytes) -> tuple[int, dict]:
        request = urllib.request.Request(
            self.url, data=body, method="POST",
            headers={"Content-Type": "application/json", **self.headers(body)})
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")
        except urllib.error.URLError as error:
            raise ConnectionError(f"cannot reach {self.url}: {error.reason}. Is the skill "
                                  "running there?") from error
