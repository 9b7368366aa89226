"""Persistent attributes: the ask-sdk persistence-adapter interface on three backends.

``open_store(url)`` picks one for ``HAMSTRING_DATABASE_URL``:

- ``sqlite:///relative.db``, ``sqlite:////absolute.db``: one box (``SqliteStore``);
- ``postgresql://user@host:5432/db``: many instances behind a load balancer
  (``PostgresStore``; needs the ``postgres`` extra);
- ``dynamodb://table-name`` (``?create=1`` creates the table): AWS Lambda
  (``DynamoStore``; needs the ``dynamodb`` extra).

Every store raises ``PersistenceException`` on failure and has ``ping()`` and ``close()``.
"""

from __future__ import annotations

import importlib
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlparse

from skill.config import as_bool
from skill.stores.common import Store, user_id
from skill.stores.sqlite import SqliteStore

if TYPE_CHECKING:
    from skill.stores.dynamodb import DynamoStore
    from skill.stores.postgres import PostgresStore

__all__ = ["DynamoStore", "PostgresStore", "SqliteStore", "Store", "open_store", "user_id"]
TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")


def open_store(url: str) -> Store:
    """The store for ``url``; ``ValueError`` if the URL is not one of the forms above."""
    scheme = url.partition("://")[0].lower()
    if scheme == "sqlite":
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
        return SqliteStore(path or ":memory:")
    if scheme in ("postgresql", "postgres"):
        return _extra("postgres", "PostgresStore")(url)
    if scheme == "dynamodb":
        parsed = urlparse(url)
        if not TABLE_NAME.fullmatch(parsed.netloc) or parsed.path not in ("", "/"):
            raise ValueError(f"bad DynamoDB table name in {url!r}")
        options = dict(parse_qsl(parsed.query))
        unknown = set(options) - {"create"}
        if unknown:
            raise ValueError(f"unknown dynamodb:// options: {', '.join(sorted(unknown))}")
        return _extra("dynamodb", "DynamoStore")(parsed.netloc,
                                                 create=as_bool(options.get("create", "0")))
    raise ValueError(f"unsupported DATABASE_URL scheme {scheme!r}")


def _extra(module: str, name: str) -> type:
    """A store class whose dependencies are an optional extra."""
    try:
        loaded = importlib.import_module(f"skill.stores.{module}")
    except ImportError as error:
        raise RuntimeError(f"{name} needs the '{module}' extra: "
                           f"pip install 'hamstring-coach[{module}]' ({error})") from error
    return getattr(loaded, name)


def __getattr__(name: str) -> type:
    """``PostgresStore`` and ``DynamoStore`` import their drivers only when asked for."""
    if name == "PostgresStore":
        return _extra("postgres", name)
    if name == "DynamoStore":
        return _extra("dynamodb", name)
    raise AttributeError(name)
