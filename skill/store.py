"""Persistent attributes: the ask-sdk persistence-adapter interface on SQLite.

``open_store(url)`` picks the adapter for a ``HAMSTRING_DATABASE_URL``. Records
are keyed by the Alexa user id; the attributes are stored as JSON.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from urllib.parse import urlparse

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope


def user_id(request_envelope: RequestEnvelope) -> str:
    """The key a user's attributes are stored under."""
    try:
        return request_envelope.context.system.user.user_id
    except AttributeError as error:
        raise PersistenceException("request has no user id") from error


class SqliteStore(AbstractPersistenceAdapter):
    """One row per user in a SQLite file; one connection per thread."""

    def __init__(self, path: str) -> None:
        self.path = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connect().execute(
            "CREATE TABLE IF NOT EXISTS attributes "
            "(user_id TEXT PRIMARY KEY, data TEXT NOT NULL, updated REAL NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=5, isolation_level=None,
                                         check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            self._local.connection = connection
        return connection

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict:
        """The user's saved attributes, or an empty dict."""
        try:
            row = self._connect().execute(
                "SELECT data FROM attributes WHERE user_id = ?", (user_id(request_envelope),)
            ).fetchone()
        except sqlite3.Error as error:
            raise PersistenceException(f"sqlite read failed: {error}") from error
        return json.loads(row[0]) if row else {}

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict) -> None:
        """Replace the user's saved attributes."""
        try:
            self._connect().execute(
                "INSERT INTO attributes (user_id, data, updated) VALUES (?, ?, julianday('now')) "
                "ON CONFLICT(user_id) DO UPDATE SET data = excluded.data, "
                "updated = excluded.updated",
                (user_id(request_envelope), json.dumps(attributes, separators=(",", ":"))))
        except sqlite3.Error as error:
            raise PersistenceException(f"sqlite write failed: {error}") from error

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        """Forget the user."""
        try:
            self._connect().execute(
                "DELETE FROM attributes WHERE user_id = ?", (user_id(request_envelope),))
        except sqlite3.Error as error:
            raise PersistenceException(f"sqlite delete failed: {error}") from error

    def ping(self) -> None:
        """Raise if the store cannot be reached."""
        self._connect().execute("SELECT 1")


def open_store(url: str) -> AbstractPersistenceAdapter:
    """The adapter for ``url``: ``sqlite:///relative.db``, ``sqlite:////abs.db``."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
        return SqliteStore(path or ":memory:")
    raise ValueError(f"unsupported DATABASE_URL scheme {parsed.scheme!r}")
