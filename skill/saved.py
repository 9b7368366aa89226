"""A user's saved attributes, read from the store only when a turn needs them.

Plain Python. Most turns in a routine only move the position: they write one key and read
none, so ``Saved`` takes writes without reading the store and says at the end which
top-level keys changed. The store then updates those keys alone, which also keeps what
another session changed in the meantime. Lists that only grow (the history of finished
routines) are written as appends, so two sessions adding to one at the same moment both
keep their entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from typing import Any


class Saved(MutableMapping[str, Any]):
    """A dict of saved attributes that calls ``load`` on the first read.

    ``Saved({...})`` starts loaded. Values read can be changed in place (a list appended
    to): ``changes()`` compares them with what was loaded.
    """

    def __init__(self, load: Callable[[], dict] | dict | None = None) -> None:
        # Set by a ``load`` that could not read the store and returned {} instead: values
        # worked out from that must not be written over the real record.
        self.read_failed = False
        self._load = load if callable(load) else None
        self._data: dict | None = None
        self._loaded: dict[str, str] = {}  # repr of each value as loaded
        self._written: dict[str, Any] = {}  # set before anything was read
        self._appended: dict[str, tuple[list, int]] = {}  # key -> (new items, how many kept)
        if not callable(load):
            self._take(dict(load or {}))

    def _take(self, data: dict) -> None:
        self._loaded = {key: repr(value) for key, value in data.items()}
        self._data = data
        for key, (items, keep) in self._appended.items():
            for item in items:
                self._grow(key, item, keep)

    def _grow(self, key: str, item: Any, keep: int) -> None:
        """Show ``item`` appended to ``key`` in the loaded data, as the store will have it.
        Appending is no change of the whole key, unless the key was changed otherwise too."""
        assert self._data is not None
        current = self._data.get(key)
        unchanged = self._loaded.get(key) == repr(current) if key in self._loaded \
            else key not in self._data
        self._data[key] = [*(current if isinstance(current, list) else []), item][-keep:]
        if unchanged:
            self._loaded[key] = repr(self._data[key])

    @property
    def data(self) -> dict:
        """The attributes as a plain dict, loaded if need be."""
        if self._data is None:
            assert self._load is not None
            self._take(dict(self._load()))
            self._data.update(self._written)
        return self._data

    def append(self, key: str, item: Any, keep: int) -> None:
        """Add ``item`` to the list at ``key`` and keep its last ``keep`` items: written with
        ``appends()``, without reading the store if nothing else needs it."""
        if self._data is None and key in self._written:  # set whole this turn: stays whole
            written = self._written[key]
            self._written[key] = [*(written if isinstance(written, list) else []), item][-keep:]
            return
        items = self._appended.get(key, ([], keep))[0]
        self._appended[key] = ([*items, item], keep)
        if self._data is not None:
            self._grow(key, item, keep)

    def appends(self) -> dict[str, tuple[list, int]]:
        """What to append: top-level key -> (items, how many of the list's last to keep).
        A key set or removed as a whole (see ``changes``) is written whole instead."""
        changed, removed = self.changes()
        return {key: value for key, value in self._appended.items()
                if key not in changed and key not in removed}

    def changes(self) -> tuple[dict[str, Any], set[str]]:
        """What to write back: top-level keys to set, with their values, and keys to remove."""
        if self._data is None:
            return dict(self._written), set()
        changed = {key: value for key, value in self._data.items()
                   if self._loaded.get(key) != repr(value)}
        return changed, set(self._loaded) - set(self._data)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if self._data is None:
            self._written[key] = value
        else:
            self._data[key] = value

    def __delitem__(self, key: str) -> None:
        del self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return "Saved(<not read>)" if self._data is None else f"Saved({self._data!r})"
