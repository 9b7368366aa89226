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


def test_an_append_reads_nothing_and_is_written_as_an_append():
    load = Reads({"history": [1, 2, 3]})
    saved = Saved(load)
    saved.append("history", 4, keep=3)
    saved.append("history", 5, keep=3)
    assert load.calls == 0
    assert saved.changes() == ({}, set())
    assert saved.appends() == {"history": ([4, 5], 3)}


def test_an_append_after_a_read_shows_in_the_list_and_is_still_an_append():
    saved = Saved(Reads({"history": [1, 2, 3], "visits": 1}))
    assert saved["visits"] == 1
    saved.append("history", 4, keep=3)
    saved.append("new", "a", keep=5)
    assert saved["history"] == [2, 3, 4] and saved["new"] == ["a"]
    assert saved.changes() == ({}, set())
    assert saved.appends() == {"history": ([4], 3), "new": (["a"], 5)}


def test_a_read_after_an_append_sees_it():
    saved = Saved(Reads({"history": [1]}))
    saved.append("history", 2, keep=10)
    assert saved["history"] == [1, 2]
    assert saved.changes() == ({}, set()) and saved.appends() == {"history": ([2], 10)}


def test_a_list_also_replaced_is_written_whole():
    saved = Saved(Reads({"history": [1]}))
    saved["history"] = [9]
    saved.append("history", 2, keep=10)
    assert saved.changes() == ({"history": [9, 2]}, set()) and saved.appends() == {}
