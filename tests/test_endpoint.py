"""The /alexa endpoint over real HTTP: good requests are answered, forged or stale ones are
refused with 400 before the SDK sees them, and settings come from config or the environment.

A request "reaches the SDK" exactly when the request interceptor reads the store, so the
apps here get a store that counts ``get_attributes`` calls.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from skill import create_app
from skill.store import SqliteStore
from tests.support.alexa_ca import CERT_URL, AlexaTestChain, default_chain, envelope
from tests.support.client import SKILL_ID, DemoPack, LiveServer, make_app

OTHER_SKILL = "amzn1.ask.skill.other"
URL_HEADER = "SignatureCertChainUrl"
SIG_HEADER = "Signature-256"
BAD_CHAINS = ("wrong-san", "expired", "untrusted")

Request = tuple[bytes, dict[str, str]]


# --------------------------------------------------------------------------- helpers


class CountingStore(SqliteStore):
    """SQLite store that counts reads: one read per request that reaches the SDK."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.reads = 0

    def get_attributes(self, request_envelope) -> dict:
        self.reads += 1
        return super().get_attributes(request_envelope)


@functools.cache
def bad_chain(kind: str) -> AlexaTestChain:
    """A chain the verifier must refuse, served from its own URL under /echo.api/."""
    url = f"https://s3.amazonaws.com/echo.api/{kind}.pem"
    now = datetime.now(UTC)
    if kind == "wrong-san":
        return AlexaTestChain(san="evil.example.com", ca=default_chain(), url=url)
    if kind == "expired":
        return AlexaTestChain(leaf_not_before=now - timedelta(days=30),
                              leaf_not_after=now - timedelta(days=1), ca=default_chain(), url=url)
    if kind == "untrusted":  # a whole new root CA, not the one the app trusts
        return AlexaTestChain(url=url)
    raise ValueError(kind)


def fetch_by_url(url: str) -> bytes:
    """CERT_FETCHER serving the good chain and every bad chain, each from its own URL."""
    for chain in (default_chain(), *map(bad_chain, BAD_CHAINS)):
        if chain.url == url:
            return chain.chain_pem
    raise LookupError(url)


def ago(seconds: float) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=seconds)


def signed(env: dict | None = None, chain: AlexaTestChain | None = None) -> Request:
    """Body and headers of ``env`` (default: a fresh LaunchRequest) signed by ``chain``."""
    body = json.dumps(env or envelope()).encode()
    return body, (chain or default_chain()).sign(body)


def signed_raw(body: bytes) -> Callable[[], Request]:
    """A builder for an arbitrary body with a genuine signature over it."""
    return lambda: (body, default_chain().sign(body))


def with_headers(changes: dict[str, str | None]) -> Callable[[], Request]:
    """A builder for a good signed request with headers replaced (``None``: removed)."""

    def build() -> Request:
        body, headers = signed()
        for name, value in changes.items():
            if value is None:
                headers.pop(name)
            else:
                headers[name] = value
        return body, headers

    return build


def tampered() -> Request:
    """Sign one body, send another."""
    env = envelope()
    _, headers = signed(env)
    env["session"]["attributes"] = {"admin": True}
    return json.dumps(env).encode(), headers


def oversized() -> Request:
    """A genuine, signed envelope padded past 256 KiB."""
    env = envelope()
    env["padding"] = "x" * (256 * 1024)
    return signed(env)


def send(url: str, body: bytes | None = None, headers: dict[str, str] | None = None,
         method: str = "POST") -> tuple[int, dict]:
    """One real HTTP request; the status and the JSON answer (which must be JSON, never 500)."""
    request = urllib.request.Request(
        url, data=body, method=method,
        headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw, kind = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, raw, kind = error.code, error.read(), error.headers
    assert status < 500, (status, raw[:500])
    assert kind.get_content_type() == "application/json", (status, raw[:500])
    return status, json.loads(raw)


def launch(url: str, **envelope_kw) -> tuple[int, dict]:
    """Send a good signed LaunchRequest."""
    return send(url, *signed(envelope(**envelope_kw)))


def unsigned_launch(url: str, **envelope_kw) -> tuple[int, dict]:
    """Send a LaunchRequest with no signature headers at all."""
    return send(url, json.dumps(envelope(**envelope_kw)).encode())


def demo_settings(**config) -> dict:
    """make_app's keyword arguments for an app with only the demo pack."""
    return {"load": "", "PLUGINS": {"demo": DemoPack()}, **config}


@pytest.fixture
def serve():
    """Start a LiveServer for an app; returns its /alexa URL. Stopped after the test."""
    with contextlib.ExitStack() as stack:
        yield lambda app: stack.enter_context(LiveServer(app)).url + "/alexa"


@pytest.fixture
def store(tmp_path) -> CountingStore:
    return CountingStore(str(tmp_path / "counted.db"))


@pytest.fixture
def guarded(tmp_path, chain, store, serve) -> str:
    """URL of a verifying app that uses ``store`` and fetches chains with ``fetch_by_url``."""
    return serve(make_app(tmp_path, chain, **demo_settings(
        STORE=store, CERT_FETCHER=fetch_by_url)))


# --------------------------------------------------------------------------- good requests


def test_good_launch_gets_an_alexa_response(client):
    """A signed LaunchRequest is answered with 200 and SSML speech."""
    answer = client.launch()
    assert answer.status == 200
    assert answer.body["version"] == "1.0"
    ssml = answer.body["response"]["outputSpeech"]["ssml"]
    assert ssml.startswith("<speak>") and ssml.endswith("</speak>")


def test_good_request_reaches_the_sdk_once(guarded, store):
    """The counting store sees exactly one read per accepted request."""
    assert store.reads == 0
    status, body = launch(guarded)
    assert status == 200 and "outputSpeech" in body["response"]
    assert store.reads == 1


def test_healthz(server):
    """GET /healthz answers 200 {"status": "ok"}."""
    assert send(server.url + "/healthz", method="GET") == (200, {"status": "ok"})


# --------------------------------------------------------------------------- refused requests


BAD_REQUESTS = [
    pytest.param(with_headers({URL_HEADER: None}), "missing SignatureCertChainUrl",
                 id="no-cert-url"),
    pytest.param(with_headers({SIG_HEADER: None}), "missing Signature-256", id="no-signature"),
    pytest.param(with_headers({URL_HEADER: ""}), "missing SignatureCertChainUrl",
                 id="empty-cert-url"),
    pytest.param(with_headers({URL_HEADER: CERT_URL.replace("https:", "http:")}), "not https",
                 id="http-url"),
    pytest.param(with_headers({URL_HEADER: "https://evil.example.com/echo.api/cert.pem"}),
                 "host is not s3.amazonaws.com", id="wrong-host"),
    pytest.param(with_headers({URL_HEADER: "https://s3.amazonaws.com:563/echo.api/cert.pem"}),
                 "port is not 443", id="wrong-port"),
    pytest.param(with_headers({URL_HEADER: "https://s3.amazonaws.com/EcHo.aPi/cert.pem"}),
                 "path is not under /echo.api/", id="bad-path"),
    pytest.param(with_headers({URL_HEADER: "https://s3.amazonaws.com/echo.api/../evil/c.pem"}),
                 "path is not under /echo.api/", id="dotdot-path"),
    pytest.param(with_headers({URL_HEADER: "https://s3.amazonaws.com/echo.api/%2e%2e/c.pem"}),
                 "path is not under /echo.api/", id="encoded-dotdot-path"),
    pytest.param(lambda: signed(chain=bad_chain("wrong-san")),
                 "certificate is not for echo-api.amazon.com", id="wrong-san"),
    pytest.param(lambda: signed(chain=bad_chain("expired")), "expired", id="expired-leaf"),
    pytest.param(lambda: signed(chain=bad_chain("untrusted")), "not trusted",
                 id="untrusted-root"),
    pytest.param(with_headers({SIG_HEADER: "this is not base64!"}), "not valid base64",
                 id="garbage-signature"),
    pytest.param(with_headers({SIG_HEADER: base64.b64encode(b"\0" * 256).decode()}),
                 "signature does not match", id="wrong-signature"),
    pytest.param(tampered, "signature does not match", id="body-changed"),
    pytest.param(lambda: signed(envelope(timestamp=ago(200))), "too old", id="stale"),
    pytest.param(lambda: signed(envelope(timestamp=ago(-200))), "in the future", id="future"),
    pytest.param(lambda: signed(envelope(skill_id=OTHER_SKILL)), "application id does not match",
                 id="wrong-skill"),
    pytest.param(signed_raw(b"this is not json"), "not JSON", id="not-json"),
    pytest.param(signed_raw(b"[1, 2, 3]"), "not a JSON object", id="json-array"),
    pytest.param(signed_raw(b'{"hello": "world"}'), "envelope has no version",
                 id="not-an-envelope"),
    pytest.param(oversized, "too large", id="oversized"),
]


@pytest.mark.parametrize(("build", "reason"), BAD_REQUESTS)
def test_bad_request_is_refused_before_the_sdk(guarded, store, build, reason):
    """400 with a specific JSON reason; the store is untouched until a good request comes."""
    status, body = send(guarded, *build())
    assert status == 400
    assert list(body) == ["error"] and reason in body["error"]
    assert store.reads == 0
    assert launch(guarded)[0] == 200  # the same app still answers, and the count works
    assert store.reads == 1


# --------------------------------------------------------------------------- settings


def test_verification_off_by_config_accepts_unsigned(tmp_path, chain, serve, caplog):
    """VERIFY_REQUESTS=False: unsigned requests pass, and a warning says so."""
    with caplog.at_level(logging.WARNING):
        app = make_app(tmp_path, chain, **demo_settings(VERIFY_REQUESTS=False))
    assert any(r.levelno == logging.WARNING and "verification is OFF" in r.getMessage()
               for r in caplog.records)
    assert unsigned_launch(serve(app))[0] == 200


@pytest.mark.parametrize("value", ["0", "off"])
def test_verification_off_by_env_accepts_unsigned(tmp_path, chain, serve, caplog, monkeypatch,
                                                  value):
    """HAMSTRING_VERIFY_REQUESTS=0: the same as the config setting."""
    monkeypatch.setenv("HAMSTRING_VERIFY_REQUESTS", value)
    with caplog.at_level(logging.WARNING):
        app = make_app(tmp_path, chain, **demo_settings())
    assert any(r.levelno == logging.WARNING and "verification is OFF" in r.getMessage()
               for r in caplog.records)
    assert unsigned_launch(serve(app))[0] == 200


def test_verification_on_by_default_refuses_unsigned(guarded, store):
    """Without any setting, an unsigned request is refused."""
    status, body = unsigned_launch(guarded)
    assert (status, body) == (400, {"error": "missing SignatureCertChainUrl header"})
    assert store.reads == 0


def test_verification_off_still_checks_the_skill_id(tmp_path, chain, serve, store):
    """With verification off and SKILL_ID set, another skill's request gets 400."""
    url = serve(make_app(tmp_path, chain, **demo_settings(
        VERIFY_REQUESTS=False, STORE=store)))
    status, body = unsigned_launch(url, skill_id=OTHER_SKILL)
    assert status == 400 and "application id does not match" in body["error"]
    assert store.reads == 0
    assert unsigned_launch(url)[0] == 200
    assert store.reads == 1


def test_skill_id_from_environment(tmp_path, chain, serve, store, monkeypatch):
    """HAMSTRING_SKILL_ID is used when the config doesn't set SKILL_ID."""
    monkeypatch.setenv("HAMSTRING_SKILL_ID", OTHER_SKILL)
    url = serve(create_app({
        "DATABASE_URL": f"sqlite:///{tmp_path / 'env.db'}",
        "TRUSTED_ROOTS": chain.roots_pem,
        "CERT_FETCHER": chain.fetch,
        "LOAD_PACKS": "",
        "PLUGINS": {"demo": DemoPack()},
        "STORE": store,
    }))
    status, body = launch(url, skill_id=SKILL_ID)
    assert status == 400 and "application id does not match" in body["error"]
    assert store.reads == 0
    assert launch(url, skill_id=OTHER_SKILL)[0] == 200
    assert store.reads == 1
