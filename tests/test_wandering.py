"""A user who says anything, in any order, in any locale, never meets an error.

Seeded random walks over every intent the skill handles, with slot values that are real names,
near misses and free speech, and sessions that end or time out at random. Every answer must be
a 200 that keeps Alexa's voice rules and is not the apology for a handler error.
"""

from __future__ import annotations

import logging
import random

import pytest

from skill import create_app
from skill.handlers import handled_intents
from skill.plugins import load_packs
from skill.testing import AppDevice
from skill.triage import SYMPTOMS, TIMINGS

BUILT_IN = ["stretching", "strengthening", "massage", "recovery"]
CATALOG = load_packs(BUILT_IN).catalog
LOCALES = ["en-US", "en-GB", "en-CA", "en-AU", "en-IN"]
WALKS, TURNS = 100, 40
APOLOGY = "something went wrong on my side"
# Said more often than the rest, so that walks get deep into routines and triage.
LIKELY = ["AMAZON.NextIntent"] * 10 + ["AMAZON.YesIntent"] * 3 + ["StartRoutineIntent"] * 3 \
    + ["ReportSymptomIntent"] * 2


def slot_values(rng: random.Random, intent: str) -> dict[str, str]:
    """Slots a person might fill for ``intent``, or none at all."""
    routines = [r.name.default for r in CATALOG.routines.values()]
    products = [p.name.default for p in CATALOG.products.values()]
    heard = ["yoga for cats", "the blue one", "a bit wobbly", "I felt something tear", ""]
    choices = {
        "StartRoutineIntent": {"routine": routines + products + heard},
        "ProductTipsIntent": {"product": products + routines + heard},
        "ReportSymptomIntent": {"symptom": [*SYMPTOMS, *heard], "timing": [*TIMINGS, ""],
                                "habit": ["stretches-a-lot", ""]},
    }.get(intent, {})
    return {name: value for name, values in choices.items()
            if (value := rng.choice(values)) and rng.random() < 0.8}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wandering")
    return create_app({"VERIFY_REQUESTS": False, "LOAD_PACKS": ",".join(BUILT_IN),
                       "DATABASE_URL": f"sqlite:///{folder / 'wandering.db'}"})


@pytest.mark.parametrize("seed", range(WALKS))
def test_a_random_walk_through_the_skill_never_errs(app, seed, caplog):
    rng = random.Random(seed)
    intents = sorted(set(handled_intents()))
    device = AppDevice(app, user_id=f"amzn1.ask.account.walker{seed}",
                       locale=rng.choice(LOCALES))
    history = []
    with caplog.at_level(logging.ERROR, logger="skill"):
        for _ in range(TURNS):
            roll = rng.random()
            if roll < 0.08:
                history.append("launch")
                answer = device.launch()
            elif roll < 0.12:
                history.append("session ends")
                answer = device.end(rng.choice(["USER_INITIATED", "EXCEEDED_MAX_REPROMPTS"]))
            else:
                intent = rng.choice(intents + LIKELY)
                slots = slot_values(rng, intent)
                history.append(f"{intent} {slots}")
                answer = device.say(intent, **slots)
            where = " -> ".join(history[-6:])
            assert answer.status == 200, where
            assert not answer.problems, (where, answer.problems)
            assert APOLOGY not in answer.text, where
    assert "handler failed" not in caplog.text, caplog.text
