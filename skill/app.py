"""The Flask app factory and the thin view that hands verified requests to ask-sdk-core.

``build_service`` assembles the skill from the settings once; the Flask view here and the
Lambda entry point in ``skill.aws_lambda`` both answer through the ``Service`` it returns.
"""

from __future__ import annotations

import functools
import importlib
import json
import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.dispatch_components import AbstractExceptionHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope
from ask_sdk_model import Response as AlexaResponse
from flask import Flask, Response, jsonify, request

from skill import config as settings_module
from skill.conversation import Coach
from skill.handlers import build_skill
from skill.logs import RequestLog
from skill.plugins import Packs, load_packs
from skill.store import open_store
from skill.verify import BadRequest, RequestVerifier, check_application_id, parse_envelope

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024

# The exception a handler raised during the current turn (the skill still answers it).
_turn_error: ContextVar[BaseException | None] = ContextVar("turn_error", default=None)


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
        token = _turn_error.set(None)
        try:
            response = self.skill.invoke(request_envelope=request_envelope, context=context)
            return to_json(response), _turn_error.get()
        finally:
            _turn_error.reset(token)

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


class _NotedError(AbstractExceptionHandler):
    """Wraps the skill's exception handler so the caller learns that the turn failed."""

    def __init__(self, inner: AbstractExceptionHandler) -> None:
        self.inner = inner

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return self.inner.can_handle(handler_input=handler_input, exception=exception)

    def handle(self, handler_input: HandlerInput, exception: Exception) -> AlexaResponse:
        _turn_error.set(exception)
        return self.inner.handle(handler_input=handler_input, exception=exception)


def build_service(settings: dict[str, Any]) -> Service:
    """Load the packs, open the store and build the skill (``settings`` from ``config.load``)."""
    packs = load_packs(settings["LOAD_PACKS"], settings["DISABLE_PACKS"],
                       settings.get("PLUGINS"))
    store = settings.get("STORE") or open_store(settings["DATABASE_URL"])
    coach = Coach(packs.catalog, notify=packs.notify, advise=packs.advice)
    skill = build_skill(coach, store)
    mapper = skill.request_dispatcher.exception_mapper
    mapper.exception_handlers = [_NotedError(h) for h in mapper.exception_handlers]
    return Service(settings, packs, store, coach, skill)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides ``HAMSTRING_*`` environment variables.

    Besides the documented settings, tests and embedders may pass ``PLUGINS``
    (name -> plugin object, registered like packs), ``STORE`` (a persistence
    adapter) and ``CERT_FETCHER`` (a callable fetching the certificate chain).
    """
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

    @app.post("/alexa")
    def alexa() -> Response | tuple[Response, int]:
        record = RequestLog()
        try:
            if (request.content_length or 0) > MAX_BODY:
                raise BadRequest("request body is too large")
            body = request.stream.read(MAX_BODY + 1)
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
        return Response(json.dumps(payload, separators=(",", ":")), mimetype="application/json")

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


# --------------------------------------------------------------------------- SDK objects <-> JSON
# ask-sdk's DefaultSerializer resolves every type name, rebuilds every attribute map and
# parses every timestamp with dateutil on each request: reading the envelope cost more than
# the rest of a turn together. The readers and writers below build and take apart the same
# model objects, resolving each type once per process.

Reader = Callable[[Any], Any]
_NATIVE: dict[str, type] = {"int": int, "long": int, "float": float, "str": str, "bool": bool,
                            "date": date, "datetime": datetime, "object": object}
_PRIMITIVES = (float, bool, bytes, str, int)
_SDK_SERIALIZER = DefaultSerializer()


def read_envelope(envelope: dict) -> RequestEnvelope:
    """The SDK's typed envelope for a parsed one, or ``BadRequest`` if it can't be read."""
    try:
        return reader(RequestEnvelope)(envelope)
    except Exception as error:  # noqa: BLE001 - malformed input fails in many ways
        raise BadRequest(f"not a readable Alexa request: {type(error).__name__}") from error


@functools.cache
def reader(kind: type | str) -> Reader:
    """A function that reads JSON data of an SDK type the way ``DefaultSerializer`` does."""
    if isinstance(kind, str):
        if kind.startswith("list["):
            item = reader(kind[5:-1].strip())
            return lambda value: None if value is None else [item(v) for v in value]
        if kind.startswith("dict("):
            item = reader(kind[5:-1].split(",", 1)[1].strip())
            return lambda value: None if value is None else {k: item(v) for k, v in value.items()}
        kind = _NATIVE.get(kind) or _class(kind)
    if kind is object:
        return _same
    if kind in _PRIMITIVES:
        read = _primitive(kind)
    elif kind in (date, datetime):
        read = _moment(kind)
    elif issubclass(kind, Enum):
        read = kind
    elif hasattr(kind, "deserialized_types"):
        read = _model(kind)
    else:
        return _same
    return lambda value: None if value is None else read(value)


def _same(value: Any) -> Any:
    return value


@functools.cache
def _class(name: str) -> type:
    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def _primitive(kind: type) -> Reader:
    def read(value: Any) -> Any:
        try:
            return kind(value)
        except TypeError:
            return value

    return read


def _moment(kind: type) -> Reader:
    def read(value: str) -> date | datetime:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:  # not ISO 8601: what the SDK accepts, at its import cost
            from dateutil.parser import parse

            moment = parse(value)
        return moment.date() if kind is date else moment

    return read


def _model(kind: type) -> Reader:
    """Model fields are resolved on first use: the SDK's types refer to each other."""
    if hasattr(kind, "get_real_child_model"):  # a base type: the payload names the subtype
        return lambda value: _fields(_class(kind.get_real_child_model(value)))(value)
    return lambda value: _fields(kind)(value)


def _json_names(kind: type) -> dict[str, str]:
    """A model's attribute names and the JSON keys they are written as."""
    return {**{attr: attr for attr in kind.deserialized_types},
            **getattr(kind, "attribute_map", {})}


@functools.cache
def _fields(kind: type) -> Reader:
    names = _json_names(kind)
    plan = [(attr, key, kind.deserialized_types[attr]) for attr, key in names.items()]
    known = set(names.values())

    def read(value: dict) -> Any:
        model = kind()
        for attr, key, type_name in plan:
            if key in value:
                setattr(model, attr, reader(type_name)(value[key]))
        for key in value.keys() - known:  # like the SDK, keep what the model doesn't declare
            setattr(model, key, value[key])
        return model

    return read


def to_json(value: Any) -> Any:
    """JSON-ready data for an SDK object, exactly as ``DefaultSerializer.serialize`` gives."""
    kind = type(value)
    if value is None or kind in (str, int, float, bool):
        return value
    if kind is list:
        return [to_json(item) for item in value]
    if kind is dict:
        return {key: to_json(item) for key, item in value.items()}
    return _writer(kind)(value)


@functools.cache
def _writer(kind: type) -> Callable[[Any], Any]:
    if not hasattr(kind, "deserialized_types"):  # dates, enums, decimals, tuples...
        return _SDK_SERIALIZER.serialize
    names = _json_names(kind)
    pairs = [(attr, names[attr]) for attr in kind.deserialized_types]

    def write(model: Any) -> dict:
        data = {}
        for attr, key in pairs:
            item = getattr(model, attr)
            if item is not None:  # like the SDK, leave unset fields out
                data[key] = to_json(item)
        return data

    return write

