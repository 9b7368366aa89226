"""What every store shares: the user key and the interface the skill relies on."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Protocol

from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope


def user_id(request_envelope: RequestEnvelope) -> str:
    """The key a user's attributes are stored under."""
    try:
        key = request_envelope.context.system.user.user_id
    except AttributeError as error:
        raise PersistenceException("request has no user id") from error
    if not key:
        raise PersistenceException("request has no user id")
    return key


def dump(attributes: Any) -> str:
    """Attributes as compact JSON; ``PersistenceException`` if they aren't JSON data."""
    try:
        return json.dumps(attributes, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise PersistenceException(f"attributes are not JSON: {error}") from error


class Store(Protocol):
    """An ask-sdk persistence adapter plus the two calls operations need.

    The skill calls the adapter methods by keyword; every failure is raised as
    ``PersistenceException``.
    """

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict: ...

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict) -> None: ...

    def update_attributes(self, request_envelope: RequestEnvelope, changes: dict[str, Any],
                          removed: Iterable[str] = ()) -> None:
        """Set the top-level keys in ``changes`` and drop those in ``removed``, leaving the
        user's other keys as they are; a user with no record gets one."""

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None: ...

    def ping(self) -> None:
        """Raise ``PersistenceException`` unless the store answers (readiness checks)."""

    def close(self) -> None:
        """Release connections; the store must not be used afterwards."""


def removals(changes: dict[str, Any], removed: Iterable[str]) -> list[str]:
    """The keys of ``removed`` that ``changes`` does not set again."""
    return [key for key in removed if key not in changes]


def update(store: Any, request_envelope: RequestEnvelope, changes: dict[str, Any],
           removed: Iterable[str] = ()) -> None:
    """``store.update_attributes``, or a read, merge and write for an ask-sdk adapter that
    only has ``get_attributes`` and ``save_attributes``."""
    if hasattr(store, "update_attributes"):
        store.update_attributes(request_envelope, changes, removed)
        return
    attributes = store.get_attributes(request_envelope=request_envelope) or {}
    for key in removed:
        attributes.pop(key, None)
    attributes.update(changes)
    store.save_attributes(request_envelope=request_envelope, attributes=attributes)
