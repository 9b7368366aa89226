"""A week's plan from what the user did lately: plain Python, no Alexa types.

Strength work a couple of times a week helps hamstrings most, stretching belongs after
runs and rolling whenever they feel tight or sore. ``plan_week`` counts the routines the
user finished in the last seven days against that, and the turn speaks the result in a
few sentences; a screen can show the same ``WeekPlan``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from skill.engine import Routine
from skill.speech import number

STRENGTH_GOAL = 2  # strength sessions a week
WEEK_DAYS = 7
# What a routine counts as, from its tags, first match wins.
KINDS = (("strength", {"strength"}), ("roll", {"rolling", "massage"}), ("stretch", {"static"}))


@dataclass(frozen=True)
class PlanItem:
    """One kind of work in the week: how many sessions were done, the aim, what to say."""

    kind: str  # "strength", "stretch" or "roll"
    done: int  # finished in the last seven days
    goal: int | None  # sessions to aim for; None: after each run, or as needed
    text: str


@dataclass(frozen=True)
class WeekPlan:
    """The week ahead: the items, a caution when trouble was reported lately, and the
    routine to offer now (if any)."""

    items: tuple[PlanItem, ...]
    caution: str | None = None
    offer: str | None = None

    def sentences(self) -> list[str]:
        """What the coach says, in order."""
        return ([self.caution] if self.caution else []) + [item.text for item in self.items]


def kind_of(routine: Routine) -> str | None:
    """'strength', 'roll' or 'stretch' for a routine, by its tags; None for a warm-up."""
    tags = set(routine.tags)
    return next((kind for kind, marks in KINDS if tags & marks), None)


def times(n: int) -> str:
    """'once', 'twice', 'three times'."""
    return {1: "once", 2: "twice"}.get(n, f"{number(n)} times")


def sessions(n: int) -> str:
    """'one strength session', 'three strength sessions'."""
    return f"{number(n)} strength session{'s' if n != 1 else ''}"


def plan_week(history: Iterable[Mapping], routines: Mapping[str, Routine],
              troubled: bool = False, red_flag: bool = False,
              today: date | None = None) -> WeekPlan:
    """The plan for the coming week from the finished routines in ``history`` (entries of
    ``{"routine": id, "finished": iso time}``); ``troubled``: tightness or soreness was
    reported this week; ``red_flag``: a warning sign was reported lately."""
    today = today or datetime.now(UTC).date()
    done = {"strength": 0, "roll": 0, "stretch": 0}
    last_strength = None
    for entry in history:
        routine = routines.get(entry.get("routine", ""))
        try:
            day = datetime.fromisoformat(entry["finished"]).date()
        except (KeyError, TypeError, ValueError):
            continue
        kind = kind_of(routine) if routine else None
        if kind and (today - day).days < WEEK_DAYS:
            done[kind] += 1
        if kind == "strength":
            last_strength = routine.id
    if red_flag:
        return WeekPlan((), "You told me about a warning sign lately, so this week's plan is "
                            "rest and having it checked by a professional. Only stretch, roll "
                            "or strengthen once it has been checked and feels fine.")
    left = max(0, STRENGTH_GOAL - done["strength"])
    strength = (f"Aim for {sessions(STRENGTH_GOAL)} this week, on rest days or after easy "
                "runs.")
    if done["strength"]:
        strength += (f" You've done {sessions(done['strength'])} in the last seven days, so "
                     + ("that's covered." if not left else f"{number(left)} more to go."))
    stretch = "Stretch for a few minutes after each run, never before one."
    if done["stretch"]:
        stretch += f" You've stretched with me {times(done['stretch'])} this week."
    roll = "Roll whenever they feel tight or sore, before or after a run."
    caution = None
    if troubled:
        caution = ("They've been bothering you this week, so keep your runs easy and "
                   "shorter, with no speed work, until that settles.")
    offer = None
    if left:
        offer = last_strength or next((r.id for r in routines.values()
                                       if kind_of(r) == "strength"), None)
    items = (PlanItem("strength", done["strength"], STRENGTH_GOAL, strength),
             PlanItem("stretch", done["stretch"], None, stretch),
             PlanItem("roll", done["roll"], None, roll))
    return WeekPlan(items, caution, offer)
