"""Reading a whole spoken phrase for the words in it: how the legs feel, and what routine is
wanted (category, exercise, equipment, time, a place in a list)."""

from __future__ import annotations

import pytest

from skill.plugins import load_packs
from skill.reading import Reader, Wish, minutes_in, words

READER = Reader(load_packs(["stretching", "strengthening", "massage", "recovery"]).catalog)


@pytest.mark.parametrize(("said", "symptom", "timing", "habit"), [
    ("really tight after my long run yesterday", "tight", "after-run", False),
    ("it's not a sharp pain, it's just tight", "tight", None, False),
    ("I stretch every day but they are still stiff", "stiff", None, True),
    ("a bit knackered after parkrun", "sore", "after-run", False),
    ("kind of fizzy and weird", None, None, False),
])
def test_a_phrase_is_read_for_how_the_legs_feel(said, symptom, timing, habit):
    feeling = READER.feeling(said)
    assert (feeling.symptom, feeling.timing, feeling.stretches_a_lot) == (symptom, timing, habit)


@pytest.mark.parametrize(("said", "wish"), [
    ("the stretching one", Wish(category="stretching")),
    ("some strength work", Wish(category="strengthening")),
    ("a bit of foam rolling", Wish(category="massage")),
    ("only a tennis ball", Wish(equipment=("tennis ball",))),
    ("I've got a towel and a dumbbell", Wish(equipment=("weights", "towel"))),
    ("no equipment", Wish(equipment=())),
    ("I don't have a roller", Wish()),
    ("ten minutes", Wish(minutes=10)),
    ("half an hour", Wish(minutes=30)),
    ("something short", Wish(length="short")),
    ("the second one", Wish(ordinal=2)),
    ("the last one", Wish(ordinal=-1)),
    ("bridges", Wish(exercise=("bridges",))),
    ("leg swings please", Wish(exercise=("leg", "swings"))),
    ("yoga for cats", Wish()),
])
def test_a_phrase_is_read_for_the_routine_wanted(said, wish):
    assert READER.wish(said) == wish


def test_exercises_are_found_inside_routines_whatever_the_plural():
    assert {r.id for r in READER.with_exercise(("bridges",))} >= {
        "hamstring-strength", "no-equipment-strength", "pre-run-warm-up"}
    assert {r.id for r in READER.with_exercise(("plank",))} >= {
        "hamstring-strength", "no-equipment-strength"}
    assert READER.with_exercise(("finish",)) == []  # an instruction, not an exercise


def test_minutes_and_words():
    assert minutes_in("i have 5 mins") == 5
    assert minutes_in("twenty five minutes") == 25
    assert minutes_in("a few minutes") == 3
    assert minutes_in("no idea") is None
    assert words("Let’s do the Pre-Run one!") == "let's do the pre run one"
