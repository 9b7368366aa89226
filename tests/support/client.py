"""A real WSGI server on 127.0.0.1 and a client that talks to it like an Alexa device."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

from skill import create_app, hookimpl
from skill.ssml import check
from tests.support.alexa_ca import AlexaTestChain, envelope

SKILL_ID = "amzn1.ask.skill.test"
DATA = Path(__file__).parent.parent / "data"


class DemoPack:
    """A pack defined in the tests: one routine with every kind of step."""

    @hookimpl
    def register_content(self) -> list[Path]:
        return [DATA / "demo.yaml"]


def make_app(tmp_path: Path, chain: AlexaTestChain, load: str | None = None, **config):
    """The app with verification on, trusting ``chain``, on SQLite under ``tmp_path``."""
    settings = {
        "SKILL_ID": SKILL_ID,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'hamstring.db'}",
        "TRUSTED_ROOTS": chain.roots_pem,
        "CERT_FETCHER": chain.fetch,
    }
    if load is not None:
        settings["LOAD_PACKS"] = load
    settings.update({key.upper(): value for key, value in config.items()})
    return create_app(settings)


class QuietHandler(WSGIRequestHandler):
    """No access log lines in the test output."""

    def log_request(self, *args) -> None:
        pass


class LiveServer:
    """Serves a WSGI app from a thread on an ephemeral port of 127.0.0.1."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True,
                                  request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(5)


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    """POST over real HTTP; the status and the decoded JSON answer."""
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


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

    @property
    def text(self) -> str:
        """The speech without tags."""
        return " ".join(re.sub(r"<[^>]+>", " ", self.ssml).split())


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


class SkillClient:
    """Talks to the skill like a device: signs requests and keeps the session across turns."""

    def __init__(self, url: str, chain: AlexaTestChain, user_id: str = "amzn1.ask.account.test",
                 locale: str = "en-US", skill_id: str = SKILL_ID) -> None:
        self.url, self.chain, self.user_id = url + "/alexa", chain, user_id
        self.locale, self.skill_id = locale, skill_id
        self.session_id: str | None = None
        self.attributes: dict = {}

    def envelope(self, request: dict) -> dict:
        """An envelope for the current session (a new one if none is open)."""
        new = self.session_id is None
        if new:
            self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
            self.attributes = {}
        data = envelope(request, skill_id=self.skill_id, user_id=self.user_id,
                        new_session=new, attributes=self.attributes, locale=self.locale)
        data["session"]["sessionId"] = self.session_id
        return data

    def send(self, request: dict) -> Answer:
        """Send one request; check the answer against Alexa's voice rules."""
        body = json.dumps(self.envelope(request)).encode()
        status, data = post(self.url, body, self.chain.sign(body))
        answer = Answer(status, data)
        if status != 200:
            return answer
        response = data.get("response", {})
        problems = voice_problems(response)
        assert not problems, (problems, response)
        answer.ssml = (response.get("outputSpeech") or {}).get("ssml", "")
        answer.reprompt = ((response.get("reprompt") or {}).get("outputSpeech") or {}).get(
            "ssml", "")
        answer.ends = response.get("shouldEndSession", True) is not False
        answer.card = response.get("card")
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

    def say(self, intent: str, **slots: str) -> Answer:
        """An intent with slot values, in the current session or a new one."""
        return self.send({"type": "IntentRequest", "intent": {
            "name": intent, "confirmationStatus": "NONE",
            "slots": {name: {"name": name, "value": value, "confirmationStatus": "NONE"}
                      for name, value in slots.items()}}})

    def end(self, reason: str = "EXCEEDED_MAX_REPROMPTS") -> Answer:
        """The session ends without the user (timeout, "exit")."""
        return self.send({"type": "SessionEndedRequest", "reason": reason})
