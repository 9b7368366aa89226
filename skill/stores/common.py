"""What every store shares: the user key and the interface the skill relies on."""

from __future__ import annotations

from typing import Protocol

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


class Store(Protocol):
    """An ask-sdk persistence adapter plus the two calls operations need.

    The skill calls the adapter methods by keyword; every failure is raised as
    ``PersistenceException``.
    """

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict: ...

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict) -> None: ...

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None: ...

    def ping(self) -> None:
        """Raise ``PersistenceException`` unless the store answers (readiness checks)."""

    def close(self) -> None:
        """Release connections; the store must not be used afterwards."""
