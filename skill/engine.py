"""The routine engine: routines, steps and a player that walks through them.

Plain Python with no Alexa types. A routine is flattened into *segments*: one
segment is one side of one set of one step, the smallest piece the skill plays
in a turn. The player's whole state is a small dict that fits in session
attributes and in the persistent store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

Kind = Literal["hold", "reps", "rolling", "timed", "instruction"]
LOCALES: tuple[str, ...] = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")

# A turn that expects an answer stays under TURN_SECONDS of speech, so a step is
# played one side at a time, and a long hold or a long set of reps in parts.
TURN_SECONDS = 90.0
PART_SECONDS = 60.0
WORDS_PER_SECOND = 150 / 60


class Text(NamedTuple):
    """Spoken text: one string, or one per locale with an English fallback.

    A named tuple rather than a dataclass: catalogs build tens of thousands of these.
    """

    default: str
    by_locale: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, value: str | dict[str, str] | Text) -> Text:
        """Build from a plain string or a ``{locale: text}`` mapping."""
        if isinstance(value, Text):
            return value
        if isinstance(value, str):
            return cls(value)
        default = value.get("en-US") or value.get("en") or next(iter(value.values()))
        return cls(default, tuple(sorted(value.items())))

    def get(self, locale: str = "en-US") -> str:
        """The text for ``locale``, falling back to English."""
        for key, text in self.by_locale:
            if key == locale:
                return text
        language = locale.split("-")[0]
        for key, text in self.by_locale:
            if key == language:
                return text
        return self.default

    def __str__(self) -> str:
        return self.default


@dataclass(frozen=True)
class Cue:
    """Something said during a hold: ``at`` seconds after it starts."""

    at: float
    text: Text


@dataclass(frozen=True)
class Step:
    """One exercise of a routine."""

    title: Text
    instruction: Text
    kind: Kind = "instruction"
    sides: Literal["one", "both"] = "one"
    seconds: int = 0
    reps: int = 0
    sets: int = 1
    rep_seconds: float = 3.0
    cues: tuple[Cue, ...] = ()
    equipment: tuple[str, ...] = ()
    easier: Text | None = None  # the same step made easier, offered on "too hard"
    harder: Text | None = None  # and made harder, offered on "too easy"
    card: Text = Text("")  # a short line a screen shows instead of the instruction

    @property
    def side_names(self) -> tuple[str | None, ...]:
        """The sides played in order: ``(None,)`` or ``("left", "right")``."""
        return ("left", "right") if self.sides == "both" else (None,)

    @property
    def reps_per_part(self) -> int:
        """How many reps fit in one part."""
        return max(1, int(PART_SECONDS // self.rep_seconds))

    @property
    def parts(self) -> int:
        """How many turns one side of one set is split into."""
        if self.kind == "reps":
            return -(-self.reps // self.reps_per_part)
        return max(1, -(-self.seconds // int(PART_SECONDS)))

    def part_window(self, part: int) -> tuple[float, float]:
        """Start and end (seconds, or reps for a reps step) covered by ``part``."""
        if self.kind == "reps":
            size = self.reps_per_part
            return part * size, min(self.reps, (part + 1) * size)
        return part * PART_SECONDS, min(float(self.seconds), (part + 1) * PART_SECONDS)


@dataclass(frozen=True)
class Routine:
    """An ordered list of steps with what a user needs to know before starting.

    ``step_source`` is the steps, or a function that builds them on first use, so a
    catalog of thousands of routines loads quickly.
    """

    id: str
    name: Text
    step_source: tuple[Step, ...] | Callable[[], tuple[Step, ...]] = field(repr=False)
    synonyms: tuple[str, ...] = ()
    description: Text = field(default_factory=lambda: Text(""))
    when: Text = field(default_factory=lambda: Text(""))
    avoid: Text = field(default_factory=lambda: Text(""))
    equipment: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    pack: str = ""

    @property
    def steps(self) -> tuple[Step, ...]:
        """The steps in order."""
        steps = self.__dict__.get("_steps")
        if steps is None:
            source = self.step_source
            steps = source() if callable(source) else source
            object.__setattr__(self, "_steps", steps)
        return steps

    def segments(self) -> tuple[Segment, ...]:
        """Every playable piece in order."""
        cached = self.__dict__.get("_segments")
        if cached is None:
            cached = tuple(
                Segment(index, side, set_no, part)
                for index, step in enumerate(self.steps)
                for set_no in range(1, step.sets + 1)
                for side in step.side_names
                for part in range(step.parts)
            )
            object.__setattr__(self, "_segments", cached)
        return cached

    def segment_times(self, locale: str = "en-US") -> tuple[float, ...]:
        """Seconds each segment takes to hear, measured on its rendered speech (cached)."""
        key = f"_times_{locale}"
        cached = self.__dict__.get(key)
        if cached is None:
            cached = tuple(segment_seconds(self, s, locale) for s in self.segments())
            object.__setattr__(self, key, cached)
        return cached

    def seconds(self, locale: str = "en-US") -> float:
        """Length of the whole routine as heard: every segment and its closing question."""
        return sum(self.segment_times(locale))


@dataclass(frozen=True)
class Segment:
    """One part of one side of one set of one step."""

    step: int
    side: str | None = None
    set_no: int = 1
    part: int = 0

    @property
    def opens_step(self) -> bool:
        """True for the first segment of a step, where the instruction is said."""
        return self.set_no == 1 and self.side in (None, "left") and self.part == 0


def speech_seconds(text: str) -> float:
    """Estimated time to say ``text`` at about 150 words a minute."""
    return len(text.split()) / WORDS_PER_SECOND


def segment_seconds(routine: Routine, segment: Segment, locale: str = "en-US") -> float:
    """How long a segment takes to hear, with the question that closes its turn: measured
    on the speech it renders to, so stated lengths are what the user hears."""
    from skill.speech import heard_seconds  # the speech module builds on this one

    return heard_seconds(routine, segment, locale)


@dataclass
class Player:
    """Position in a routine plus preferences; ``state()`` is what gets saved."""

    routine: Routine
    position: int = 0
    paused: bool = False
    continuous: bool = False
    done: bool = False
    # False while the user is getting into position: the segment at ``position`` has not
    # been played, and nothing is until ``settle()``. True once it has been played.
    ready: bool = False

    @classmethod
    def start(cls, routine: Routine, continuous: bool = False) -> Player:
        """A new player at the first segment, waiting for the user to get into position."""
        return cls(routine, continuous=continuous)

    @classmethod
    def restore(cls, routine: Routine, state: dict) -> Player:
        """Rebuild from ``state()``; an out-of-range position is clamped."""
        last = len(routine.segments()) - 1
        return cls(
            routine,
            position=max(0, min(int(state.get("position", 0)), last)),
            paused=bool(state.get("paused", False)),
            continuous=bool(state.get("continuous", False)),
            done=bool(state.get("done", False)),
            ready=bool(state.get("ready", False)),
        )

    def state(self) -> dict:
        """A small JSON-serialisable dict."""
        return {
            "routine": self.routine.id,
            "position": self.position,
            "paused": self.paused,
            "continuous": self.continuous,
            "done": self.done,
            "ready": self.ready,
        }

    @property
    def segment(self) -> Segment:
        """The segment at the current position."""
        return self.routine.segments()[self.position]

    @property
    def step(self) -> Step:
        """The step at the current position."""
        return self.routine.steps[self.segment.step]

    @property
    def at_end(self) -> bool:
        """True on the last segment."""
        return self.position >= len(self.routine.segments()) - 1

    def play(
        self, cost: Callable[[Segment], float] | None = None, budget: float = TURN_SECONDS
    ) -> list[Segment]:
        """The segments to speak this turn, moving the position to the last one.

        One segment in step mode; in continuous mode, consecutive segments while
        their ``cost`` (seconds of speech, measured by default) fits in ``budget``. Nothing
        until the user is in position (``settle()``): no hold or rep starts before that.
        """
        if not self.ready:
            return []
        cost = cost or (lambda segment: segment_seconds(self.routine, segment))
        self.paused = False
        played = [self.segment]
        if self.continuous:
            total = cost(self.segment)
            segments = self.routine.segments()
            while self.position + 1 < len(segments):
                following = segments[self.position + 1]
                total += cost(following)
                if total > budget:
                    break
                self.position += 1
                played.append(following)
        return played

    def next(self) -> bool:
        """Move to the next segment; False (and ``done``) when past the end."""
        if self.at_end:
            self.done = True
            return False
        self.position += 1
        return True

    def previous(self) -> bool:
        """Move back to the start of the previous step; False when on the first step."""
        current = self.segment.step
        if current == 0:
            self.position = 0
            return False
        self.position = self._first_segment_of(current - 1)
        return True

    def skip(self) -> bool:
        """Jump to the first segment of the next step; False when on the last step."""
        current = self.segment.step
        if current + 1 >= len(self.routine.steps):
            self.done = True
            return False
        self.position = self._first_segment_of(current + 1)
        return True

    def settle(self) -> None:
        """The user is in position: the segment at ``position`` may be played."""
        self.ready = True

    def wait(self) -> None:
        """Hold still at ``position`` until the user says they are in position again."""
        self.ready = False

    def to_side(self, side: str) -> bool:
        """Jump to ``side`` ("left" or "right") of the current set of this step; False when
        the step is not done one side at a time."""
        here = self.segment
        for i, segment in enumerate(self.routine.segments()):
            if (segment.step, segment.set_no, segment.side, segment.part) == (
                    here.step, here.set_no, side, 0):
                self.position = i
                return True
        return False

    def start_over(self) -> None:
        """Back to the first segment."""
        self.position, self.paused, self.done = 0, False, False

    def pause(self) -> None:
        """Mark paused; the position is kept."""
        self.paused = True

    def resume(self) -> None:
        """Clear the pause."""
        self.paused = False

    def progress(self, locale: str = "en-US") -> Progress:
        """Where the user is and how much is left to hear. A segment already played does
        not count: what is left starts with the next one."""
        segments = self.routine.segments()
        upcoming = self.position + (1 if self.ready else 0)
        step = segments[upcoming].step if upcoming < len(segments) else self.segment.step
        left = sum(self.routine.segment_times(locale)[upcoming:])
        return Progress(
            step=step + 1,
            steps=len(self.routine.steps),
            steps_left=len(self.routine.steps) - step,
            seconds_left=0.0 if self.done or upcoming >= len(segments) else left,
            starts_step=upcoming < len(segments) and segments[upcoming].opens_step,
        )

    def _first_segment_of(self, step_index: int) -> int:
        for i, segment in enumerate(self.routine.segments()):
            if segment.step == step_index:
                return i
        raise IndexError(step_index)


@dataclass(frozen=True)
class Progress:
    """Answer to "how many left"."""

    step: int
    steps: int
    steps_left: int
    seconds_left: float
    starts_step: bool = False  # what comes next opens ``step``
