"""The data a turn of the conversation works on: plain Python with no Alexa types.

A ``Turn`` carries the session attributes (a dict) and the user's saved attributes (a
``Saved`` mapping, read from the store on first use); the coach's methods read and change
them and return a ``Reply``. A reply with a reprompt keeps the session open; one without
ends it, so the microphone is never left open without a question.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from skill.saved import Saved
from skill.speech import Speech


@dataclass
class Reply:
    """What to say; ``reprompt`` set means the session stays open for an answer."""

    speech: Speech
    reprompt: str | None = None
    card: tuple[str, str] | None = None

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
