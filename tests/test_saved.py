"""``Saved``: the store is read on first use only, and only what changed is written back."""

from __future__ import annotations

from skill.saved import Saved


class Reads:
    """A ``load`` that counts its calls."""

    def __init__(self, data: dict) -> None:
        self.data, self.calls = data, 0

    def __call__(self) -> dict:
        self.calls += 1
        return {key: list(value) if isinstance(value, list) else value
                for key, value in self.data.items()}


def test_writing_a_key_reads_nothing_and_writes_that_key():
    load = Reads({"visits": 3, "history": [1]})
    saved = Saved(load)
    saved["player"] = {"position": 2}
    assert load.calls == 0
    assert saved.changes() == ({"player": {"position": 2}}, set())


def test_reading_loads_once_and_sees_earlier_writes():
    load = Reads({"visits": 3, "player": {"position": 1}})
    saved = Saved(load)
    saved["player"] = {"position": 2}
    assert saved["player"] == {"position": 2} and saved.get("visits") == 3
    assert dict(saved) == {"visits": 3, "player": {"position": 2}}
    assert load.calls == 1
    assert saved.changes() == ({"player": {"position": 2}}, set())


def test_values_changed_in_place_and_keys_removed_are_found():
    saved = Saved(Reads({"history": [1], "player": {"position": 1}, "visits": 1}))
    saved.setdefault("history", []).append(2)
    saved.pop("player")
    saved["visits"] = 1  # the same value: nothing to write
    assert saved.changes() == ({"history": [1, 2]}, {"player"})


def test_a_dict_is_taken_as_loaded():
    saved = Saved({"visits": 1})
    assert saved.changes() == ({}, set())
    saved["visits"] = 2
    assert saved.changes() == ({"visits": 2}, set())
    assert repr(Saved(Reads({}))) == "Saved(<not read>)"
