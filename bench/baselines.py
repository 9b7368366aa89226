"""The two baselines our turn is measured against, as gunicorn app factories.

``bare_app()``: a Flask view that reads the body and returns a fixed JSON document of
``BENCH_BODY_BYTES`` bytes (the size of our turn's answer). ``sdk_app()``: the least an
ask-sdk-core skill does: deserialize the envelope, invoke a launch handler, serialize.
``core_app()``: our own skill without the three things the SDK baseline doesn't do (request
verification, the store and the per-request log), or with those named in ``$BENCH_KEEP``, to
show what they cost.
"""

from __future__ import annotations

import json
import logging
import os

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import RequestEnvelope
from flask import Flask, Response, request

from skill.logs import REQUEST_LOGGER
from tests.support import gunicorn_app

EXTRAS = ("verify", "store", "log")  # what our turn does that the SDK baseline doesn't


def _app_with_health() -> Flask:
    app = Flask(__name__)
    app.add_url_rule("/healthz", "healthz", lambda: {"status": "ok"})
    return app


def bare_app() -> Flask:
    """A fixed answer of ``$BENCH_BODY_BYTES`` bytes to any POST /alexa."""
    size = int(os.environ.get("BENCH_BODY_BYTES", "800"))
    skeleton = json.dumps({"version": "1.0", "response": {"text": ""}})
    payload = json.dumps({"version": "1.0", "response": {"text": "x" * (size - len(skeleton))}})
    app = _app_with_health()

    @app.post("/alexa")
    def alexa() -> Response:
        request.get_data()
        return Response(payload, mimetype="application/json")

    return app


def sdk_app() -> Flask:
    """A one-handler ask-sdk-core skill behind a Flask view."""
    builder = CustomSkillBuilder()

    @builder.request_handler(can_handle_func=is_request_type("LaunchRequest"))
    def launch(handler_input):
        return (handler_input.response_builder
                .speak("Welcome to the minimal skill. What would you like?")
                .ask("What would you like?").response)

    skill = builder.create()
    serializer = DefaultSerializer()
    app = _app_with_health()

    @app.post("/alexa")
    def alexa() -> Response:
        envelope = serializer.deserialize(payload=request.get_data(as_text=True),
                                          obj_type=RequestEnvelope)
        response = skill.invoke(request_envelope=envelope, context=None)
        return Response(json.dumps(serializer.serialize(response)), mimetype="application/json")

    return app


class NoStore:
    """A persistence adapter that remembers nothing."""

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict:
        return {}

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict) -> None:
        pass


def core_app() -> Flask:
    """Our skill as ``OUR_APP`` serves it, minus each of verification, store and request log
    that ``$BENCH_KEEP`` (comma-separated: verify, store, log) does not name."""
    keep = set(filter(None, os.environ.get("BENCH_KEEP", "").split(",")))
    unknown = keep - set(EXTRAS)
    if unknown:
        raise ValueError(f"BENCH_KEEP: unknown {', '.join(sorted(unknown))}")
    if "log" not in keep:
        logging.getLogger(REQUEST_LOGGER).setLevel(logging.WARNING)
    overrides: dict = {} if "verify" in keep else {"VERIFY_REQUESTS": False}
    if "store" not in keep:
        overrides["STORE"] = NoStore()
    return gunicorn_app.create_app(overrides)
