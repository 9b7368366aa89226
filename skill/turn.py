"""The data a turn of the conversation works on: plain Python with no Alexa types.

A ``Turn`` carries the session attributes (a dict) and the user's saved attributes (a
``Saved`` mapping, read from the store on first use); the coach's methods read and change
them and return a ``Reply``. A reply with a reprompt keeps the session open; one without
ends it, so the microphone is never left open without a question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from skill.engine import Routine, Segment
from skill.plan import WeekPlan
from skill.saved import Saved
from skill.speech import Speech

# The session attributes the coach reads, and the JSON type each must have. Alexa hands
# back what the skill sent, but a caller that skips verification can send anything.
SESSION_SHAPES: dict[str, type] = {"player": dict, "offer": dict, "profile": dict,
                                   "question": str, "heard_by": str, "ticking": bool,
                                   "check": dict, "misses": int, "checked": bool,
                                   "steered": bool, "later": str}
# What the skill itself ever puts there is far smaller: a few hundred bytes, four levels.
SESSION_LIMITS = {"bytes": 6000, "depth": 8, "string": 1000}

ScreenKind = Literal["menu", "overview", "step", "red-flag", "end"]


@dataclass(frozen=True)
class Screen:
    """What a device with a screen shows for a turn: a kind of card and what it is about.
    ``lines`` are short sentences the card shows as they are (the red flag's advice)."""

    kind: ScreenKind
    routine: Routine | None = None
    segment: Segment | None = None
    lines: tuple[str, ...] = ()


@dataclass
class Reply:
    """What to say; ``reprompt`` set means the session stays open for an answer.
    ``screen`` is what a screen shows; ``ticking`` asks for holds played over a ticking
    bed where the device can (the user's preference); ``plan`` is the week's plan when the
    user asked for one."""

    speech: Speech
    reprompt: str | None = None
    card: tuple[str, str] | None = None
    screen: Screen | None = None
    ticking: bool = False
    plan: WeekPlan | None = None

    @property
    def ends_session(self) -> bool:
        """True when the skill is not waiting for an answer."""
        return self.reprompt is None


@dataclass
class Turn:
    """One request's view of the user: session and saved attributes, mutated in place."""

    locale: str = "en-US"
    session: dict = field(default_factory=dict)
    saved: Saved = field(default_factory=Saved)  # a dict given here is taken as loaded
    new_session: bool = False
    heard: tuple[str, ...] = ()  # every slot value as it was heard, for the safety guard
    unmatched: tuple[str, ...] = ()  # those of them that resolved to no value of a pack's
    misses: int = 0  # turns in a row just before this one that were not understood
    check: dict | None = None  # "does anything hurt?", when the last turn asked it

    def __post_init__(self) -> None:
        if not isinstance(self.saved, Saved):
            self.saved = Saved(self.saved)

    @property
    def offer(self) -> dict:
        """The yes/no question the skill asked last, if any."""
        return self.session.get("offer") or {}


@dataclass(frozen=True)
class RoutineEvent:
    """Something that happened in a routine, for packs that observe."""

    name: str  # "started", "step_done" or "completed"
    routine: str
    step: int | None = None
    user: str | None = None


def ask(speech: Speech, question: str, reprompt: str | None = None) -> Reply:
    """Say ``speech`` then ``question`` and wait for an answer."""
    return Reply(speech.say(question), reprompt or question)


def session_problem(attributes: Any) -> str | None:
    """Why ``attributes`` can't be the session attributes this skill sent (they travel
    back in every response), or ``None`` when they could be."""
    if not isinstance(attributes, dict):
        return "not an object"
    for key, kind in SESSION_SHAPES.items():
        if key in attributes and not isinstance(attributes[key], kind):
            return f"{key} is not a {kind.__name__}"
    budget = SESSION_LIMITS["bytes"]
    pending: list[tuple[Any, int]] = [(attributes, 1)]
    while pending:  # iterative: no recursion limit however deep they are
        value, depth = pending.pop()
        if depth > SESSION_LIMITS["depth"]:
            return f"nested deeper than {SESSION_LIMITS['depth']} levels"
        if isinstance(value, dict):
            items = list(value.items())
            budget -= 2 + sum(len(str(key)) + 4 for key, _ in items)
            pending += [(item, depth + 1) for _, item in items]
        elif isinstance(value, list):
            budget -= 2 + len(value)
            pending += [(item, depth + 1) for item in value]
        elif isinstance(value, str):
            if len(value) > SESSION_LIMITS["string"]:
                return f"a string longer than {SESSION_LIMITS['string']} characters"
            budget -= len(value) + 2
        else:
            budget -= 8
        if budget < 0:
            return f"larger than {SESSION_LIMITS['bytes']} bytes"
    return None
