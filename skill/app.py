"""The Flask app factory and the thin view that hands verified requests to ask-sdk-core.

``build_service`` assembles the skill from the settings once; the Flask view here and the
Lambda entry point in ``skill.aws_lambda`` both answer through the ``Service`` it returns.
Flask is imported by ``create_app`` alone: a Lambda container never needs it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.skill import CustomSkill

from skill import config as settings_module
from skill.conversation import Coach
from skill.envelopes import read_envelope, to_json
from skill.handlers import build_skill, turn_error
from skill.logs import RequestLog
from skill.plugins import Packs, load_packs
from skill.store import open_store
from skill.verify import BadRequest, RequestVerifier, check_application_id, parse_envelope

if TYPE_CHECKING:
    from flask import Flask, Response

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024

@dataclass
class Service:
    """The skill and what it is built from: all a turn needs, however the request arrives."""

    settings: dict[str, Any]
    packs: Packs
    store: AbstractPersistenceAdapter
    coach: Coach
    skill: CustomSkill

    def answer(self, envelope: dict, context: Any = None) -> tuple[dict, BaseException | None]:
        """Run a checked envelope through the skill (``context``: Lambda's, if any).

        Returns the response envelope as JSON-ready data, and the exception a handler raised
        if the answer is the skill's apology. Raises ``BadRequest`` if the SDK can't read it.
        """
        request_envelope = read_envelope(envelope)
        token = turn_error.set(None)
        try:
            response = self.skill.invoke(request_envelope=request_envelope, context=context)
            return to_json(response), turn_error.get()
        finally:
            turn_error.reset(token)

    def readiness(self) -> list[str]:
        """Why the service cannot answer turns right now; empty when it can."""
        problems = []
        ping = getattr(self.store, "ping", None)
        if ping is not None:
            try:
                ping()
            except Exception as error:  # noqa: BLE001 - any failure means "not ready"
                problems.append(f"store unreachable: {type(error).__name__}: {error}")
        if not any(record.ok for record in self.packs.records.values()):
            problems.append("no content packs loaded")
        elif not self.packs.catalog.routines:
            problems.append("the loaded packs have no routines")
        return problems


def build_service(settings: dict[str, Any]) -> Service:
    """Load the packs, open the store and build the skill (``settings`` from ``config.load``)."""
    packs = load_packs(settings["LOAD_PACKS"], settings["DISABLE_PACKS"],
                       settings.get("PLUGINS"), settings["HOOK_DEADLINE"])
    store = settings.get("STORE") or open_store(settings["DATABASE_URL"])
    coach = Coach(packs.catalog, notify=packs.notify, advise=packs.advice)
    skill = build_skill(coach, store)
    return Service(settings, packs, store, coach, skill)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides ``HAMSTRING_*`` environment variables.

    Besides the documented settings, tests and embedders may pass ``PLUGINS``
    (name -> plugin object, registered like packs), ``STORE`` (a persistence
    adapter) and ``CERT_FETCHER`` (a callable fetching the certificate chain).
    """
    from flask import Flask, Response, jsonify, request

    settings = settings_module.load(config)
    app = Flask(__name__)
    app.config.update(settings)
    service = build_service(settings)
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
    app.extensions["hamstring"] = {"packs": service.packs, "store": service.store,
                                   "coach": service.coach, "service": service}
    server_logs_requests = settings["REQUEST_LOG"] == "server"

    @app.post("/alexa")
    def alexa() -> Response | tuple[Response, int]:
        record = RequestLog(request.environ if server_logs_requests else None)
        try:
            length = request.content_length
            if (length or 0) > MAX_BODY:
                raise BadRequest("request body is too large")
            # Ask for the declared length: the stream allocates as much as it is asked for.
            body = request.stream.read(MAX_BODY + 1 if length is None else length)
            if len(body) > MAX_BODY:
                raise BadRequest("request body is too large")
            envelope = record.envelope = parse_envelope(body)
            if verifier is not None:
                verifier.verify(request.headers, body, envelope)
            else:
                check_application_id(envelope, settings["SKILL_ID"])
            payload, failure = service.answer(envelope)
        except BadRequest as error:
            record.rejected(error.reason)
            return jsonify(error=error.reason), 400
        except Exception as error:
            record.failed(error)
            raise
        record.answered(failure)
        return Response(orjson.dumps(payload), mimetype="application/json")

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz() -> Response | tuple[Response, int]:
        problems = service.readiness()
        if problems:
            return jsonify(status="unavailable", reasons=problems), 503
        return jsonify(status="ready")

    return app
