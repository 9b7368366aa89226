"""What every store shares: the user key and the interface the skill relies on."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Protocol

from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope

# Top-level key -> (items to add to the list there, how many of the list's last to keep).
Appends = dict[str, tuple[list, int]]


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
                          removed: Iterable[str] = (), appends: Appends | None = None) -> None:
        """Set the top-level keys in ``changes``, drop those in ``removed`` and add to the
        lists in ``appends``, leaving the user's other keys as they are; a user with no
        record gets one. Atomic: an append made by another session at the same moment
        is kept."""

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None: ...

    def ping(self) -> None:
        """Raise ``PersistenceException`` unless the store answers (readiness checks)."""

    def close(self) -> None:
        """Release connections; the store must not be used afterwards."""


def removals(changes: dict[str, Any], removed: Iterable[str]) -> list[str]:
    """The keys of ``removed`` that ``changes`` does not set again."""
    return [key for key in removed if key not in changes]


def merge(record: dict, changes: dict[str, Any], removed: Iterable[str] = (),
          appends: Appends | None = None) -> dict:
    """``record`` with ``changes``, ``removed`` and ``appends`` applied (changed in place)."""
    for key in removed:
        record.pop(key, None)
    record.update(changes)
    for key, (items, keep) in (appends or {}).items():
        current = record.get(key)
        record[key] = [*(current if isinstance(current, list) else []), *items][-keep:]
    return record


def update(store: Any, request_envelope: RequestEnvelope, changes: dict[str, Any],
           removed: Iterable[str] = (), appends: Appends | None = None) -> None:
    """``store.update_attributes``, or a read, merge and write for an ask-sdk adapter that
    only has ``get_attributes`` and ``save_attributes`` (not atomic: another session's
    write between the two is lost)."""
    if hasattr(store, "update_attributes"):
        if appends:
            store.update_attributes(request_envelope, changes, removed, appends)
        else:
            store.update_attributes(request_envelope, changes, removed)
        return
    attributes = store.get_attributes(request_envelope=request_envelope) or {}
    store.save_attributes(request_envelope=request_envelope,
                          attributes=merge(attributes, changes, removed, appends))
