"""Persistent attributes; the backends live in ``skill.stores`` (kept for existing imports)."""

from skill.stores import SqliteStore, Store, open_store, user_id

__all__ = ["SqliteStore", "Store", "open_store", "user_id"]
