"""Many instances: one row per user in PostgreSQL, attributes as JSONB, through a pool.

``postgresql://user:password@host:port/database?options`` is a libpq URL; besides
libpq's own options it takes ``pool_min`` (1), ``pool_max`` (8) and
``pool_timeout`` (seconds to wait for a connection, 2). The schema is created on
first use and upgraded by ``MIGRATIONS``, under an advisory lock so that
instances starting together don't race.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import unquote

import psycopg
from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from skill.stores.common import Appends, dump, merge, removals, user_id

log = logging.getLogger(__name__)
T = TypeVar("T")

# The schema's history: append, never edit. Entry n brings a database to version n.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    ("CREATE TABLE hamstring_attributes ("
     "user_id text PRIMARY KEY, "
     "attributes jsonb NOT NULL, "
     "updated_at timestamptz NOT NULL DEFAULT now())",),
)
# Insert a user's row, or set its attributes to {attributes}, an expression of the old row
# (``hamstring_attributes``) and the new one (``EXCLUDED``).
UPSERT = ("INSERT INTO hamstring_attributes (user_id, attributes) VALUES (%s, %s::jsonb) "
          "ON CONFLICT (user_id) DO UPDATE SET attributes = {attributes}, updated_at = now()")
# The list at a key of the old row with items added, of which the last so many are kept:
# parameters key, key, key, the items (JSON), how many to keep.
APPEND = ("jsonb_build_object(%s::text, (SELECT coalesce(jsonb_agg(item ORDER BY n), '[]') "
          "FROM (SELECT item, n FROM jsonb_array_elements(CASE WHEN jsonb_typeof("
          "hamstring_attributes.attributes -> %s::text) = 'array' THEN "
          "hamstring_attributes.attributes -> %s::text ELSE '[]' END || %s::jsonb) "
          "WITH ORDINALITY AS listed(item, n) ORDER BY n DESC LIMIT %s) AS kept))")
MIGRATION_LOCK = 0x68616D73  # pg_advisory_xact_lock key ("hams")
POOL_OPTIONS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "pool_min": ("min_size", int), "pool_max": ("max_size", int),
    "pool_timeout": ("timeout", float)}
CONNECT_DEFAULTS = {"connect_timeout": "5", "application_name": "hamstring-coach"}


def split_url(url: str) -> tuple[str, dict[str, Any]]:
    """The libpq URL without the pool options, and the pool's keyword arguments."""
    base, _, query = url.partition("?")
    kept, options = [], {"min_size": 1, "max_size": 8, "timeout": 2.0}
    for pair in filter(None, query.split("&")):
        key, _, value = pair.partition("=")
        if key in POOL_OPTIONS:
            name, convert = POOL_OPTIONS[key]
            options[name] = convert(unquote(value))
        else:
            kept.append(pair)
    return base + ("?" + "&".join(kept) if kept else ""), options


def migrate(connection: psycopg.Connection) -> int:
    """Bring the schema up to date; the version it is at afterwards."""
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        connection.execute(
            "CREATE TABLE IF NOT EXISTS hamstring_schema (version integer PRIMARY KEY, "
            "applied_at timestamptz NOT NULL DEFAULT now())")
        row = connection.execute("SELECT coalesce(max(version), 0) FROM hamstring_schema")
        current = row.fetchone()[0]
        for version, statements in enumerate(MIGRATIONS, start=1):
            if version > current:
                for statement in statements:
                    connection.execute(statement)
                connection.execute("INSERT INTO hamstring_schema (version) VALUES (%s)",
                                   (version,))
                log.info("postgresql schema migrated to version %d", version)
    if current > len(MIGRATIONS):
        log.warning("postgresql schema version %d is newer than this code's %d",
                    current, len(MIGRATIONS))
    return max(current, len(MIGRATIONS))


class PostgresStore(AbstractPersistenceAdapter):
    """One row per user, JSONB attributes; a pool opened (and the schema made) on first use.

    When a connection turns out broken (server restart, ``pg_terminate_backend``) the
    idle ones are checked and replaced, and the statement is tried once more. A server
    that is down costs ``pool_timeout`` per call and raises ``PersistenceException``.
    The pool reconnects on demand, without a back-off, so saving resumes with the first
    request after an outage.
    """

    def __init__(self, url: str) -> None:
        conninfo, options = split_url(url)
        try:
            given = conninfo_to_dict(conninfo)
        except psycopg.ProgrammingError as error:
            raise ValueError(f"bad postgresql URL: {error}") from error
        kwargs: dict[str, Any] = {"autocommit": True}
        kwargs.update({key: value for key, value in CONNECT_DEFAULTS.items()
                       if key not in given})
        self._pool = ConnectionPool(conninfo, kwargs=kwargs, open=False, name="hamstring",
                                    reconnect_timeout=0, **options)
        self._lock = threading.Lock()
        self._opened = False
        self._migrated = False

    def _run(self, what: str, work: Callable[[psycopg.Connection], T]) -> T:
        """``work`` on a pooled connection with the schema in place; one retry if it broke."""
        if not self._opened:
            with self._lock:
                if not self._opened:
                    self._pool.open(wait=False)
                    self._opened = True
        for attempt in (1, 2):
            try:
                with self._pool.connection() as connection:
                    if not self._migrated:
                        migrate(connection)
                        self._migrated = True
                    return work(connection)
            except PoolTimeout as error:
                raise PersistenceException(f"postgresql {what} failed: {error}") from error
            except psycopg.OperationalError as error:
                if attempt == 2:
                    raise PersistenceException(f"postgresql {what} failed: {error}") from error
                log.warning("postgresql %s failed, checking the pool and retrying: %s",
                            what, error)
                self._pool.check()  # a restart breaks every idle connection, not only this one
            except psycopg.Error as error:
                raise PersistenceException(f"postgresql {what} failed: {error}") from error
        raise AssertionError("unreachable")

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict:
        """The user's saved attributes, or an empty dict."""
        key = user_id(request_envelope)
        row = self._run("read", lambda connection: connection.execute(
            "SELECT attributes FROM hamstring_attributes WHERE user_id = %s", (key,)).fetchone())
        return row[0] if row else {}

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict) -> None:
        """Replace the user's saved attributes (one statement: the last write wins)."""
        key, data = user_id(request_envelope), dump(attributes)
        self._run("write", lambda connection: connection.execute(
            UPSERT.format(attributes="EXCLUDED.attributes"), (key, data)))

    def update_attributes(self, request_envelope: RequestEnvelope, changes: dict[str, Any],
                          removed: Iterable[str] = (), appends: Appends | None = None) -> None:
        """Set the keys in ``changes``, drop those in ``removed`` and add to the lists in
        ``appends`` with JSONB's ``-`` and ``||`` in one statement: keys another session
        changed meanwhile stay, and so do its appends (the row is locked while the new
        value is worked out from the one there)."""
        removed = removals(changes, removed)
        appends = appends or {}
        if not changes and not removed and not appends:
            return
        key = user_id(request_envelope)
        new = dump(merge(dict(changes), (), (), appends))  # the record of a new user
        attributes = ["(hamstring_attributes.attributes - %s::text[])",
                      "(EXCLUDED.attributes - %s::text[])"]
        parameters: list[Any] = [key, new, removed, list(appends)]
        for name, (items, keep) in appends.items():
            attributes.append(APPEND)
            parameters += [name, name, name, dump(items), keep]
        self._run("write", lambda connection: connection.execute(
            UPSERT.format(attributes=" || ".join(attributes)), parameters))

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        """Forget the user."""
        key = user_id(request_envelope)
        self._run("delete", lambda connection: connection.execute(
            "DELETE FROM hamstring_attributes WHERE user_id = %s", (key,)))

    def ping(self) -> None:
        """Raise ``PersistenceException`` unless the database answers (schema included)."""
        self._run("ping", lambda connection: connection.execute("SELECT 1"))

    def close(self) -> None:
        """Close the pool and its connections."""
        with self._lock:
            if self._opened:
                self._pool.close()
