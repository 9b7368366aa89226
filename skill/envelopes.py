"""Reading Alexa request envelopes into ask-sdk model objects, and writing responses back.

ask-sdk's DefaultSerializer resolves every type name, rebuilds every attribute map and
parses every timestamp with dateutil on each request: reading the envelope cost more than
the rest of a turn together. These readers and writers build and take apart the same model
objects, resolving each type once per process; tests check they agree with the SDK's.
"""

from __future__ import annotations

import copy
import functools
import importlib
import logging
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any

import orjson
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from skill.turn import session_problem
from skill.verify import BadRequest

log = logging.getLogger(__name__)
Reader = Callable[[Any], Any]
_NATIVE: dict[str, type] = {"int": int, "long": int, "float": float, "str": str, "bool": bool,
                            "date": date, "datetime": datetime, "object": object}
_PRIMITIVES = (float, bool, bytes, str, int)
_SDK_SERIALIZER = DefaultSerializer()


def read_envelope(envelope: dict) -> RequestEnvelope:
    """The SDK's typed envelope for a parsed one, or ``BadRequest`` if it can't be read.

    Session attributes this skill can't have sent (see ``turn.session_problem``) are reset
    to none, once: the answer carries the clean ones back. They would otherwise come back
    in every answer, and ones nested past what a JSON writer takes could not be answered.
    """
    session = envelope.get("session")
    attributes = session.get("attributes") if isinstance(session, dict) else None
    if attributes is not None:
        problem = session_problem(attributes)
        if problem is not None:
            log.warning("session attributes reset: %s", problem)
            envelope = {**envelope, "session": {**session, "attributes": {}}}
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
            if item is _same:  # JSON data as it is, like the session attributes
                return lambda value: None if value is None else JsonObject(value)
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


class JsonObject(dict):
    """A JSON object read from a request. The SDK deep-copies the session attributes on
    every turn; being JSON data, they copy much faster through orjson than ``deepcopy``."""

    def __deepcopy__(self, memo: dict) -> dict:
        try:
            return orjson.loads(orjson.dumps(self))
        except TypeError:  # what orjson can't write (an integer past 64 bits): the slow way
            return copy.deepcopy(dict(self), memo)


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
        # A type the SDK doesn't know yet (a new kind of request) is read as the base type,
        # which a handler can still answer.
        return lambda value: _fields(_class(kind.get_real_child_model(value) or
                                            f"{kind.__module__}.{kind.__name__}"))(value)
    return lambda value: _fields(kind)(value)


def _json_names(kind: type) -> dict[str, str]:
    """A model's attribute names and the JSON keys they are written as."""
    return {**{attr: attr for attr in kind.deserialized_types},
            **getattr(kind, "attribute_map", {})}


@functools.cache
def _fields(kind: type) -> Reader:
    # JSON key -> (attribute, reader); a field the payload lacks keeps the model's default.
    plan = {key: (attr, reader(kind.deserialized_types[attr]))
            for attr, key in _json_names(kind).items()}

    def read(value: dict) -> Any:
        model = kind()
        for key, item in value.items():
            field = plan.get(key)
            if field is None:  # like the SDK, keep what the model doesn't declare
                setattr(model, key, item)
            else:
                setattr(model, field[0], field[1](item))
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

