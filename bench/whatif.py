"""A what-if for the turn benchmark: the same app with SQLite's ``synchronous=NORMAL``.

In WAL mode, ``NORMAL`` skips the fsync on every commit (a power cut may lose the last
turns' positions; the database stays intact). The store uses SQLite's default, ``FULL``;
this module sets ``NORMAL`` on every connection the app opens, to show what that costs.

    gunicorn -c infra/gunicorn.conf.py 'bench.whatif:create_app()'
"""

from __future__ import annotations

import sqlite3

from flask import Flask

from tests.support import gunicorn_app

_connect = sqlite3.connect


def _connect_normal(*args, **kwargs) -> sqlite3.Connection:
    connection = _connect(*args, **kwargs)
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def create_app() -> Flask:
    """The benchmarked app, every SQLite connection with ``synchronous=NORMAL``."""
    sqlite3.connect = _connect_normal
    return gunicorn_app.create_app()
