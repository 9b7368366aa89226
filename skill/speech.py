"""Turning routine segments into SSML that keeps time.

Plain Python with no Alexa types. A hold is spoken as chained breaks of at most
ten seconds with cues at their moments; the speech of the cues is taken out of
the silence, so a 45 second hold lasts 45 seconds from "hold" to "and relax".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Literal, NamedTuple
from xml.sax.saxutils import escape

from skill.engine import Routine, Segment, Step, speech_seconds

MAX_BREAK = 10.0
# How a timed step's clock is started: stretches are held, rollers rolled, and other work
# (a massage with the fingertips, say) just timed.
TIMED_KINDS = {"hold": "Hold for", "rolling": "Roll slowly for", "timed": "Keep at it for"}
# With no cue for longer than QUIET_GAP, the time left is said every FILL_EVERY seconds.
QUIET_GAP = 20.0
FILL_EVERY = 15.0

# What XML 1.0, and so SSML, cannot hold: C0 controls but tab, newline and carriage return,
# lone surrogates, U+FFFE and U+FFFF. Alexa refuses a response with any of them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
HEARD_LENGTH = 80  # characters of something the user said that the coach will say back

NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
).split()


class Part(NamedTuple):
    """One piece of a turn's timeline: words, a cue said during a hold, or silence."""

    kind: Literal["words", "cue", "silence"]
    seconds: float
    text: str = ""


class Hold(NamedTuple):
    """A timed hold in a turn: its clock starts ``start`` seconds into the speech (when
    "starting now" has been said) and runs ``seconds``; ``left`` is the time left of the
    whole hold when this part of it starts (a long hold is played in parts)."""

    start: float
    seconds: float
    left: float


class Speech:
    """SSML being built, with a running estimate of how long it takes to say, and the same
    speech as a timeline of parts and holds, which screens and audio documents are built
    from (never from the SSML)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.seconds = 0.0
        self.timeline: list[Part] = []
        self.holds: list[Hold] = []

    def say(self, text: str, kind: Literal["words", "cue"] = "words") -> Speech:
        """Add a sentence (escaped; characters SSML can't hold are left out); ``kind="cue"``
        for what is said during a hold."""
        text = NOT_XML.sub("", text).strip()
        if text:
            self.parts.append(escape(text))
            seconds = speech_seconds(text)
            self.timeline.append(Part(kind, seconds, text))
            self.seconds += seconds
        return self

    def hold(self, seconds: float, left: float | None = None) -> Speech:
        """Mark that a hold of ``seconds`` starts here (the clock a screen shows)."""
        self.holds.append(Hold(self.seconds, float(seconds),
                               float(seconds if left is None else left)))
        return self

    def pause(self, seconds: float) -> Speech:
        """Add silence as breaks of at most ten seconds each."""
        millis = int(max(0.0, seconds) * 10 + 0.5) * 100
        self.seconds += millis / 1000
        if millis:
            self.timeline.append(Part("silence", millis / 1000))
        while millis > 0:
            chunk = min(millis, int(MAX_BREAK * 1000))
            self.parts.append(f'<break time="{chunk}ms"/>' if chunk % 1000 else
                              f'<break time="{chunk // 1000}s"/>')
            millis -= chunk
        return self

    def extend(self, other: Speech) -> Speech:
        """Append another piece of speech."""
        self.parts.extend(other.parts)
        self.timeline.extend(other.timeline)
        self.holds.extend(hold._replace(start=hold.start + self.seconds) for hold in other.holds)
        self.seconds += other.seconds
        return self

    def ssml(self) -> str:
        """The whole thing wrapped in ``<speak>``."""
        return "<speak>" + " ".join(self.parts) + "</speak>"

    def text(self) -> str:
        """The words alone, for cards and logs."""
        return " ".join(p for p in self.parts if not p.startswith("<"))


def heard(value: str) -> str:
    """Something the user said (a slot value), fit to say back: control and format
    characters out, white space collapsed, at most ``HEARD_LENGTH`` characters."""
    if not value.isprintable():
        value = "".join(" " if unicodedata.category(char)[0] in "CZ" else char
                        for char in value)
    text = " ".join(value.split())
    if len(text) > HEARD_LENGTH:
        text = text[:HEARD_LENGTH + 1].rsplit(" ", 1)[0][:HEARD_LENGTH]
    return text


def spoken_list(items: Iterable[str], more: int = 0, conjunction: str = "and") -> str:
    """'a', 'a and b', 'a, b and c' (or 'a, b or c'); with ``more`` left unsaid, 'a, b, c
    and 3 more'."""
    items = list(items)
    if more:
        return ", ".join(items) + f" and {more} more"
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def with_article(thing: str) -> str:
    """'a strap', 'an exercise ball'; plurals and 'some ...' are left alone."""
    if thing.endswith("s") or thing.split()[0] in ("a", "an", "some", "your", "two"):
        return thing
    return ("an " if thing[0] in "aeiou" else "a ") + thing


def number(n: int) -> str:
    """Small numbers as words, so every speech engine counts the same way."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def seconds_phrase(seconds: float) -> str:
    """'45 seconds', '1 minute', '1 minute 30 seconds'."""
    seconds = int(round(seconds))
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{rest} seconds"
    words = f"{minutes} minute{'s' if minutes > 1 else ''}"
    return f"{words} {rest} seconds" if rest else words


def hold_cues(step: Step, locale: str = "en-US") -> list[tuple[float, str]]:
    """The cues of a timed step as ``(seconds, text)``, gaps filled with time left."""
    cues = sorted((c.at, c.text.get(locale)) for c in step.cues if 0 < c.at < step.seconds)
    filled: list[tuple[float, str]] = []
    last = 0.0
    for at, text in [*cues, (float(step.seconds), "")]:
        # about FILL_EVERY after the last cue, where the time left is a round five seconds
        mark = step.seconds - max(5.0, 5.0 * round((step.seconds - last - FILL_EVERY) / 5))
        while at - last > QUIET_GAP and at - mark >= 5:
            filled.append((mark, f"{seconds_phrase(step.seconds - mark)} to go."))
            mark += FILL_EVERY
        if text:
            filled.append((at, text))
        last = at
    return filled


def _timed(step: Step, start: float, end: float, locale: str) -> Speech:
    """Silence from ``start`` to ``end`` of a hold, with the cues that fall inside."""
    speech = Speech()
    now = start
    for at, text in hold_cues(step, locale):
        if start <= at < end and at >= now:
            speech.pause(at - now)
            speech.say(text, kind="cue")
            now = at + speech_seconds(text)
    speech.pause(max(0.0, end - now))
    return speech


def _reps(step: Step, first: int, last: int) -> Speech:
    """Count reps ``first+1`` to ``last`` aloud, one every ``rep_seconds``."""
    speech = Speech()
    for rep in range(first + 1, last + 1):
        word = f"{number(rep).capitalize()}."
        speech.say(word)
        speech.pause(max(0.0, step.rep_seconds - speech_seconds(word)))
    return speech


def render_segment(routine: Routine, segment: Segment, locale: str = "en-US") -> Speech:
    """What to say for one segment: the step's opening, the side, then the work."""
    step = routine.steps[segment.step]
    speech = Speech()
    if segment.opens_step:
        total = len(routine.steps)
        where = f"Step {segment.step + 1} of {total}" if total > 1 else "One step"
        speech.say(f"{where}: {step.title.get(locale)}.")
        speech.say(step.instruction.get(locale))
    if segment.part == 0:
        if step.sets > 1 and segment.side in (None, "left"):
            speech.say(f"Set {number(segment.set_no)} of {number(step.sets)}.")
        if segment.side == "left":
            speech.say("Left side first.")
        elif segment.side == "right":
            speech.say("Now the right side.")
    start, end = step.part_window(segment.part)
    last_part = segment.part == step.parts - 1
    if step.kind in TIMED_KINDS:
        if segment.part == 0:
            speech.say(f"{TIMED_KINDS[step.kind]} {seconds_phrase(step.seconds)}, starting now.")
        else:
            speech.say("Keep going.")
        speech.hold(end - start, step.seconds - start)
        speech.extend(_timed(step, start, end, locale))
        speech.say("And relax." if last_part else "Stay with it.")
    elif step.kind == "reps":
        if segment.part == 0:
            speech.say(f"{number(step.reps).capitalize()} reps. Ready, go.")
        speech.extend(_reps(step, int(start), int(end)))
        speech.say("And rest." if last_part else "Keep that pace.")
    return speech


