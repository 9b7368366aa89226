"""A real WSGI server on 127.0.0.1 and a client that talks to it like an Alexa device."""

from __future__ import annotations

import threading
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server

from skill import create_app, hookimpl
from skill.testing import Answer, HttpDevice
from tests.support.alexa_ca import AlexaTestChain

SKILL_ID = "amzn1.ask.skill.test"
DATA = Path(__file__).parent.parent / "data"


class FilePack:
    """A pack defined in a test, shipping the YAML files it is given."""

    def __init__(self, *paths: Path) -> None:
        self.paths = list(paths)

    @hookimpl
    def register_content(self) -> list[Path]:
        return self.paths


class DemoPack(FilePack):
    """The demo pack: one routine with every kind of step."""

    def __init__(self) -> None:
        super().__init__(DATA / "demo.yaml")


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


class SkillClient(HttpDevice):
    """A device talking over real HTTP with signed requests."""

    def __init__(self, url: str, chain: AlexaTestChain, user_id: str = "amzn1.ask.account.test",
                 locale: str = "en-US", skill_id: str = SKILL_ID, device: str = "echo") -> None:
        super().__init__(url + "/alexa", user_id=user_id, locale=locale, skill_id=skill_id,
                         device=device)
        self.chain = chain

    def headers(self, body: bytes) -> dict[str, str]:
        return self.chain.sign(body)

    def send(self, request: dict) -> Answer:
        """Send one request; the answer must follow Alexa's voice rules."""
        answer = super().send(request)
        assert not answer.problems, (answer.problems, answer.body)
        return answer
