"""The Flask app factory and the thin view that hands verified requests to ask-sdk-core."""

from __future__ import annotations

import json
import logging
from typing import Any

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from flask import Flask, Response, jsonify, request

from skill import config as settings_module
from skill.conversation import Coach
from skill.handlers import build_skill
from skill.plugins import load_packs
from skill.store import open_store
from skill.verify import BadRequest, RequestVerifier, check_application_id, parse_envelope

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides ``HAMSTRING_*`` environment variables.

    Besides the documented settings, tests and embedders may pass ``PLUGINS``
    (name -> plugin object, registered like packs), ``STORE`` (a persistence
    adapter) and ``CERT_FETCHER`` (a callable fetching the certificate chain).
    """
    settings = settings_module.load(config)
    app = Flask(__name__)
    app.config.update(settings)
    packs = load_packs(settings["LOAD_PACKS"], settings["DISABLE_PACKS"],
                       settings.get("PLUGINS"))
    store = settings.get("STORE") or open_store(settings["DATABASE_URL"])
    coach = Coach(packs.catalog, notify=packs.notify, advise=packs.advice)
    skill = build_skill(coach, store)
    serializer = DefaultSerializer()
    verifier = None
    if settings["VERIFY_REQUESTS"]:
        roots = settings["TRUSTED_ROOTS"]
        if isinstance(roots, str):
            with open(roots, "rb") as handle:
                roots = handle.read()
        verifier = RequestVerifier(settings["SKILL_ID"], roots, settings.get("CERT_FETCHER"))
    else:
        log.warning("request verification is OFF: any caller can talk to this skill; "
                    "use this only for local development")
    app.extensions["hamstring"] = {"packs": packs, "store": store, "coach": coach}

    @app.post("/alexa")
    def alexa() -> Response | tuple[Response, int]:
        try:
            if (request.content_length or 0) > MAX_BODY:
                raise BadRequest("request body is too large")
            body = request.stream.read(MAX_BODY + 1)
            if len(body) > MAX_BODY:
                raise BadRequest("request body is too large")
            envelope = parse_envelope(body)
            if verifier is not None:
                verifier.verify(request.headers, body, envelope)
            else:
                check_application_id(envelope, settings["SKILL_ID"])
            request_envelope = _deserialize(serializer, body)
        except BadRequest as error:
            log.warning("rejected request: %s", error.reason)
            return jsonify(error=error.reason), 400
        response = skill.invoke(request_envelope=request_envelope, context=None)
        payload = json.dumps(serializer.serialize(response), separators=(",", ":"))
        return Response(payload, mimetype="application/json")

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    return app


def _deserialize(serializer: DefaultSerializer, body: bytes) -> RequestEnvelope:
    """The typed envelope, or ``BadRequest`` if the SDK cannot read it."""
    try:
        return serializer.deserialize(payload=body.decode("utf-8"), obj_type=RequestEnvelope)
    except Exception as error:  # noqa: BLE001 - the SDK raises many kinds for bad input
        raise BadRequest(f"not a readable Alexa request: {type(error).__name__}") from error
