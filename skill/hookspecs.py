"""The hooks a content pack can implement.

A pack is an ordinary Python package registered under the entry-point group
``hamstring_coach.packs``. It implements any of these functions, decorated with
``skill.hookimpl``. pluggy passes arguments by name, so a pack may accept only the
arguments it needs, and new arguments can be added later without breaking it.
The built-in packs use exactly these hooks.
"""

from __future__ import annotations

from pathlib import Path

import pluggy

from skill.catalog import ProductTip
from skill.triage import Advice, Profile
from skill.turn import RoutineEvent

PROJECT = "hamstring_coach"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_content() -> list[str | Path]:
    """Paths of the YAML files this pack ships: its metadata, routines, advice
    rules, product tips and interaction-model words, in the format of
    ``skill/pack.schema.json``. The files are validated before anything is used."""


@hookspec
def register_advice(profile: Profile, locale: str) -> list[Advice]:
    """Advice for how the user says their hamstrings feel.

    ``profile`` holds the symptom, when it happens, and the answers to follow-up
    questions. Return zero or more ``Advice``; the triage picks the one with the
    highest priority. Red flags are answered by the core before this is called.
    The advice rules in YAML files are served through this hook too."""


@hookspec
def register_product_tips() -> list[ProductTip]:
    """Tips on recovery products (what, when, how long, when not). The
    ``products`` section of YAML files is served through this hook too."""


@hookspec
def register_model_words(locale: str) -> dict[str, dict[str, list[str]]]:
    """Words that teach the interaction model, by slot type then value id:
    ``{"symptoms": {"tight": ["tight", "tense"]}}``. Routine names and synonyms
    come from the routines themselves. The ``words`` section of YAML files is
    served through this hook too."""


@hookspec
def routine_event(event: RoutineEvent) -> None:
    """Called when a routine starts, a step is done, or a routine is completed.
    For observers: the return value is ignored and an error costs nothing."""
