"""Observability: one JSON log line per request with its outcome, and /healthz and /readyz."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
import sys

import pytest

from skill.logs import ENVIRON_KEY, REQUEST_LOGGER, JsonFormatter, configure
from skill.store import SqliteStore
from tests.support.alexa_ca import envelope
from tests.support.client import make_app

HELP = {"type": "IntentRequest", "intent": {"name": "AMAZON.HelpIntent",
                                            "confirmationStatus": "NONE"}}


@pytest.fixture
def log_lines():
    """The JSON lines the request logger writes during the test, parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(REQUEST_LOGGER)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
def app(tmp_path, chain):
    return make_app(tmp_path, chain)


def post(app, chain, data: dict, signed: bool = True):
    body = json.dumps(data).encode()
    return app.test_client().post("/alexa", data=body, headers=chain.sign(body) if signed else {})


def test_an_answered_request_is_logged_as_ok(app, chain, log_lines):
    data = envelope(HELP, locale="en-GB")
    assert post(app, chain, data).status_code == 200
    [line] = log_lines()
    assert line["logger"] == REQUEST_LOGGER and line["level"] == "INFO"
    assert line["request_id"] == data["request"]["requestId"]
    assert (line["request_type"], line["intent"], line["locale"]) == (
        "IntentRequest", "AMAZON.HelpIntent", "en-GB")
    assert line["outcome"] == "ok" and "reason" not in line
    assert isinstance(line["latency_ms"], float) and 0 < line["latency_ms"] < 5000
    assert line["time"].endswith("+00:00")


def test_a_refused_request_is_logged_with_its_reason(app, chain, log_lines):
    data = envelope()
    assert post(app, chain, data, signed=False).status_code == 400
    assert app.test_client().post("/alexa", data=b"not json").status_code == 400
    unsigned, garbage = log_lines()
    assert unsigned["level"] == "WARNING" and unsigned["outcome"] == "rejected"
    assert unsigned["reason"] == "missing SignatureCertChainUrl header"
    assert unsigned["request_id"] == data["request"]["requestId"]
    assert unsigned["request_type"] == "LaunchRequest" and unsigned["intent"] is None
    assert garbage["outcome"] == "rejected" and garbage["reason"] == "body is not JSON"
    assert garbage["request_id"] is None


def test_a_handler_error_is_logged_as_error(app, chain, log_lines):
    def broken(*args, **kwargs):
        raise RuntimeError("bug in help")

    app.extensions["hamstring"]["coach"].help = broken
    response = post(app, chain, envelope(HELP))
    assert response.status_code == 200  # the user hears an apology
    assert "something went wrong" in response.get_json()["response"]["outputSpeech"]["ssml"]
    [line] = log_lines()
    assert line["level"] == "ERROR" and line["outcome"] == "error"
    assert line["reason"] == "RuntimeError: bug in help"
    assert line["intent"] == "AMAZON.HelpIntent"


def test_behind_a_logging_server_the_fields_wait_in_the_environ(tmp_path, chain, log_lines):
    """REQUEST_LOG=server (infra/gunicorn.conf.py): the access line carries the fields."""
    app = make_app(tmp_path, chain, request_log="server")
    environs, wsgi_app = [], app.wsgi_app
    app.wsgi_app = lambda environ, start: environs.append(environ) or wsgi_app(environ, start)
    data = envelope(HELP)
    body = json.dumps(data).encode()
    assert app.test_client().post("/alexa", data=body, headers=chain.sign(body)).status_code == 200
    assert app.test_client().post("/alexa", data=body).status_code == 400
    answered, refused = (environ[ENVIRON_KEY] for environ in environs)
    assert (answered["request_id"], answered["intent"], answered["outcome"]) == (
        data["request"]["requestId"], "AMAZON.HelpIntent", "ok")
    assert answered["latency_ms"] > 0 and "reason" not in answered
    assert (refused["outcome"], refused["reason"]) == (
        "rejected", "missing SignatureCertChainUrl header")
    assert log_lines() == []  # and no line of the skill's own


def test_request_log_takes_app_or_server(tmp_path, chain):
    with pytest.raises(ValueError, match="REQUEST_LOG must be one of app, server, not 'both'"):
        make_app(tmp_path, chain, request_log="both")


def test_the_formatter_keeps_fields_and_exceptions():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("here",),
                                   exc_info=sys.exc_info())
    record.fields = {"answer": 42, "when": object()}
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed here" and line["answer"] == 42
    assert "ValueError: boom" in line["exception"]
    assert line["when"].startswith("<object")


def test_configure_gives_a_logger_json_output():
    logger = logging.getLogger("tests.configure")
    logger.propagate = False
    configure(logger)
    try:
        [handler] = logger.handlers
        assert isinstance(handler.formatter, JsonFormatter)
        configure(logger)  # a second call keeps the one handler
        assert len(logger.handlers) == 1 and logger.level == logging.INFO
    finally:
        logger.handlers.clear()


# --------------------------------------------------------------------------- probes


class UnreachableStore(SqliteStore):
    def ping(self) -> None:
        raise sqlite3.OperationalError("unable to open database file")


def test_ready_when_the_store_answers_and_packs_are_loaded(app):
    response = app.test_client().get("/readyz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ready"})


def test_not_ready_when_the_store_is_unreachable(tmp_path, chain):
    app = make_app(tmp_path, chain, store=UnreachableStore(str(tmp_path / "down.db")))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "reasons": [
        "store unreachable: OperationalError: unable to open database file"]}
    assert app.test_client().get("/healthz").status_code == 200  # the process is fine


def test_not_ready_without_packs(tmp_path, chain):
    app = make_app(tmp_path, chain, load="")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["reasons"] == ["no content packs loaded"]
