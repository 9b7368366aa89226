"""One box: attributes as JSON in a SQLite file (WAL, one connection per thread).

``synchronous=NORMAL``: in WAL mode the file stays consistent whatever happens, and
only the last few saved positions can be lost to a power cut, while each turn's
write skips an fsync that cost more than the rest of the turn together.

A connection keeps using its file after the file (or its folder) is deleted or replaced,
and everything written then is lost without a word. So each call checks that the path
still names the file the connection opened (one ``stat``, about a microsecond); when it
doesn't, the connection is dropped and the call fails, logged. The file is only created
when the store is first used: once it has existed, a missing file is an outage until it
is put back (or the service restarted), not a reason to start again from nothing.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope

from skill.stores.common import Appends, dump, merge, removals, user_id

log = logging.getLogger(__name__)
T = TypeVar("T")
PATIENCE = 5.0  # seconds a statement waits for the locks of other connections

SCHEMA = ("CREATE TABLE IF NOT EXISTS attributes "
          "(user_id TEXT PRIMARY KEY, data TEXT NOT NULL, updated REAL NOT NULL)")
# Insert a user's record with the data {new}, or set its data to {data} (an expression of
# the old ``data``); ?1 is the user id.
UPSERT = ("INSERT INTO attributes (user_id, data, updated) VALUES (?1, {new}, julianday('now')) "
          "ON CONFLICT(user_id) DO UPDATE SET data = {data}, updated = excluded.updated")


def _patiently(run: Callable[[], T]) -> T:
    """``run()``, tried again for up to ``PATIENCE`` seconds while another connection holds
    the lock it needs.

    SQLite's own busy handler sleeps 1, 2, 5, 10... 100 ms between tries, when a turn's write
    holds the lock for a few dozen microseconds: with several workers on one file, turns
    spent more time asleep than working. This waits 50 us, doubling up to 2 ms.
    """
    deadline, pause = None, 50e-6
    while True:
        try:
            return run()
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # or a kind of it
                raise
            now = time.monotonic()
            deadline = deadline or now + PATIENCE
            if now > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.002)


@functools.cache
def _update(changed: int, removed: int) -> str:
    """The statement that sets ``changed`` top-level keys and drops ``removed`` others.

    Its parameters: the user id, each changed key followed by its value as JSON, then the
    removed keys. A new user's record is made of the changed keys alone.
    """
    def path(number: int) -> str:  # the JSON path of the key in parameter ``number``
        return f"""'$."' || ?{number} || '"'"""

    keys = range(2, 2 + 2 * changed, 2)
    new = ", ".join(f"?{key}, json(?{key + 1})" for key in keys)
    data = "data"
    if removed:
        gone = range(2 + 2 * changed, 2 + 2 * changed + removed)
        data = f"json_remove(data, {', '.join(path(key) for key in gone)})"
    if changed:
        data = f"json_set({data}, {', '.join(f'{path(key)}, json(?{key + 1})' for key in keys)})"
    return UPSERT.format(new=f"json_object({new})", data=data)


def _identity(path: str) -> tuple[int, int] | None:
    """Which file ``path`` names (device and inode), or ``None`` if none."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _check_key(key: str) -> str:
    """A top-level key as it goes into a JSON path (which can't quote a double quote)."""
    if not isinstance(key, str) or '"' in key:
        raise PersistenceException(f"sqlite can't update the attribute {key!r} alone")
    return key


class SqliteStore(AbstractPersistenceAdapter):
    """One row per user in a SQLite file; one connection per thread (closed when it ends).

    The file, its folder and the table are created on first use, so a path that
    cannot be opened yet is an outage (``PersistenceException``), not a crash.
    ``:memory:`` keeps one connection that all threads share, one at a time.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._ready = False
        self._existed = False  # the file was there (or made) once: never make it again
        self._shared: sqlite3.Connection | None = None
        self._serial = threading.Lock() if path == ":memory:" else contextlib.nullcontext()

    def _open(self) -> sqlite3.Connection:
        target, uri = self.path, False
        if self.path != ":memory:":
            if self._existed:
                target, uri = f"file:{quote(self.path)}?mode=rw", True
            elif not Path(self.path).exists():
                log.warning("sqlite database %s does not exist: starting a new, empty one",
                            self.path)
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # No busy timeout: _patiently waits for other connections' locks instead.
        connection = sqlite3.connect(target, timeout=0, isolation_level=None,
                                     check_same_thread=False, uri=uri)
        try:
            _patiently(lambda: connection.execute("PRAGMA journal_mode=WAL"))
            connection.execute("PRAGMA synchronous=NORMAL")
            if not self._ready:
                _patiently(lambda: connection.execute(SCHEMA))
                self._ready = True
        except sqlite3.Error:
            connection.close()
            raise
        if self.path == ":memory:":
            return connection
        self._existed = True
        self._local.identity = _identity(self.path)
        with self._lock:  # close what threads that have ended left behind
            for owner, old in self._connections:
                if not owner.is_alive():
                    old.close()
            self._connections = [(owner, old) for owner, old in self._connections
                                 if owner.is_alive()]
            self._connections.append((threading.current_thread(), connection))
        return connection

    def _connect(self) -> sqlite3.Connection:
        if self.path == ":memory:":  # callers hold self._serial
            if self._shared is None:
                self._shared = self._open()
            return self._shared
        connection = getattr(self._local, "connection", None)
        if connection is not None and _identity(self.path) != self._local.identity:
            self._local.connection = None
            self._forget(connection)
            log.error("sqlite database %s was removed or replaced while in use: not writing "
                      "into the old file", self.path)
            raise PersistenceException(f"sqlite database {self.path} was removed or replaced")
        if connection is None:
            connection = self._local.connection = self._open()
        return connection

    def _forget(self, connection: sqlite3.Connection) -> None:
        with self._lock:
            self._connections = [(owner, kept) for owner, kept in self._connections
                                 if kept is not connection]
        connection.close()

    def _execute(self, what: str, sql: str, parameters: tuple = ()) -> list[tuple]:
        try:
            with self._serial:
                connection = self._connect()
                return _patiently(lambda: connection.execute(sql, parameters).fetchall())
        except (sqlite3.Error, OSError) as error:
            raise PersistenceException(f"sqlite {what} failed: {error}") from error

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict:
        """The user's saved attributes, or an empty dict."""
        rows = self._execute("read", "SELECT data FROM attributes WHERE user_id = ?",
                             (user_id(request_envelope),))
        return json.loads(rows[0][0]) if rows else {}

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict) -> None:
        """Replace the user's saved attributes."""
        self._execute("write", UPSERT.format(new="?2", data="excluded.data"),
                      (user_id(request_envelope), dump(attributes)))

    def update_attributes(self, request_envelope: RequestEnvelope, changes: dict[str, Any],
                          removed: Iterable[str] = (), appends: Appends | None = None) -> None:
        """Set the keys in ``changes`` and drop those in ``removed`` with ``json_set`` and
        ``json_remove`` in one statement: keys another session changed meanwhile stay.

        With ``appends`` the record is read, merged and written in one ``BEGIN IMMEDIATE``
        transaction instead: SQLite lets one writer in at a time, so no other session's
        append falls between the read and the write.
        """
        removed = removals(changes, removed)
        if appends:
            key = user_id(request_envelope)
            self._transaction("write", lambda connection: self._merge(
                connection, key, changes, removed, appends))
            return
        if not changes and not removed:
            return
        parameters = [user_id(request_envelope)]
        for key, value in changes.items():
            parameters += (_check_key(key), dump(value))
        parameters += map(_check_key, removed)
        self._execute("write", _update(len(changes), len(removed)), tuple(parameters))

    @staticmethod
    def _merge(connection: sqlite3.Connection, key: str, changes: dict[str, Any],
               removed: list[str], appends: Appends) -> None:
        rows = connection.execute("SELECT data FROM attributes WHERE user_id = ?",
                                  (key,)).fetchall()
        record = merge(json.loads(rows[0][0]) if rows else {}, changes, removed, appends)
        connection.execute(UPSERT.format(new="?2", data="excluded.data"), (key, dump(record)))

    def _transaction(self, what: str, work: Callable[[sqlite3.Connection], None]) -> None:
        """``work`` in a write transaction taken before it reads anything."""
        def run() -> None:
            connection.execute("BEGIN IMMEDIATE")
            try:
                work(connection)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

        try:
            with self._serial:
                connection = self._connect()
                _patiently(run)
        except (sqlite3.Error, OSError) as error:
            raise PersistenceException(f"sqlite {what} failed: {error}") from error

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        """Forget the user."""
        self._execute("delete", "DELETE FROM attributes WHERE user_id = ?",
                      (user_id(request_envelope),))

    def ping(self) -> None:
        """Raise ``PersistenceException`` unless the table (made on first use) can be read,
        by this thread's connection and by a new one (a moved file fails only the latter)."""
        self._execute("ping", "SELECT count(*) FROM attributes WHERE 0")
        if self.path == ":memory:":
            return
        try:
            connection = sqlite3.connect(f"file:{quote(self.path)}?mode=rw", uri=True, timeout=5)
            try:
                connection.execute("SELECT count(*) FROM attributes WHERE 0")
            finally:
                connection.close()
        except sqlite3.Error as error:
            raise PersistenceException(f"sqlite ping failed: {error}") from error

    def close(self) -> None:
        """Close every connection this store opened."""
        with self._lock:
            connections, self._connections = self._connections, []
        self._local = threading.local()
        for _, connection in connections:
            connection.close()
        if self._shared is not None:
            self._shared.close()
            self._shared = None
