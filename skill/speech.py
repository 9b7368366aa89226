"""Turning routine segments into SSML that keeps time.

Plain Python with no Alexa types. A hold is spoken as chained breaks of at most
ten seconds with cues at their moments; the speech of the cues is taken out of
the silence, so a 45 second hold lasts 45 seconds from "hold" to "and relax".
"""

from __future__ import annotations

import math
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
# No silence in a hold runs longer than MAX_QUIET: a gap between cues is filled with the
# time left (in round numbers where it fits), "halfway", or a breathing cue, about every
# FILL_EVERY seconds. A user hearing nothing for longer thinks the skill has died.
MAX_QUIET = 12.0
FILL_EVERY = 10.0
HALFWAY = "Halfway there."
HALFWAY_FROM = 40  # holds this long get "halfway" when no cue of the pack's is near it
BREATHING = ("Keep breathing easily.", "Stay relaxed.", "Breathe slowly.")

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
    """The cues of a timed step as ``(seconds, text)``: the pack's, "halfway" on a long hold,
    and fillers so that no silence is longer than ``MAX_QUIET``."""
    seconds = float(step.seconds)
    cues = sorted((c.at, c.text.get(locale)) for c in step.cues if 0 < c.at < seconds)
    middle = seconds / 2
    if seconds >= HALFWAY_FROM and all(abs(at - middle) > FILL_EVERY / 2 for at, _ in cues):
        cues = sorted([*cues, (middle, HALFWAY)])
    filled: list[tuple[float, str]] = []
    quiet_from = 0.0  # when the last thing said ends
    breaths = 0
    for at, text in [*cues, (seconds, "")]:
        while at - quiet_from > MAX_QUIET:
            # the time left and a breathing cue take turns, so the count is not a nag
            said_time = bool(filled) and filled[-1][1].endswith(" to go.")
            filler = _filler(seconds, quiet_from, at, breaths if said_time else None)
            breaths += filler[1] in BREATHING
            filled.append(filler)
            quiet_from = filler[0] + speech_seconds(filler[1])
        if text:
            filled.append((at, text))
            quiet_from = max(quiet_from, at + speech_seconds(text))
    return filled


def _filler(seconds: float, quiet_from: float, until: float,
            breath: int | None) -> tuple[float, str]:
    """The next cue to break the silence from ``quiet_from`` to ``until``, spaced evenly:
    breathing cue number ``breath`` if given, else the time left when a round number fits
    (else a breathing cue)."""
    needed = math.ceil((until - quiet_from) / FILL_EVERY)  # quiet stretches, fillers + 1
    ideal = quiet_from + (until - quiet_from) / needed
    if breath is None:
        early, late = 5 * math.ceil((seconds - ideal) / 5), 5 * math.floor((seconds - ideal) / 5)
        for left in sorted({early, late}, key=lambda left: (abs(seconds - left - ideal), left)):
            text, mark = f"{seconds_phrase(left)} to go.", seconds - left
            quiet_after = until - (mark + speech_seconds(text))
            if left > 0 and 6 <= mark - quiet_from <= MAX_QUIET \
                    and 3 <= quiet_after <= MAX_QUIET * (needed - 1):
                return mark, text
    return round(ideal, 1), BREATHING[(breath or 0) % len(BREATHING)]


def _timed(step: Step, start: float, end: float, locale: str) -> Speech:
    """Silence from ``start`` to ``end`` of a hold, with the cues that fall inside (a cue
    that would run past ``end`` is said a little earlier, so the part keeps its length)."""
    speech = Speech()
    now = start
    for at, text in hold_cues(step, locale):
        if start <= at < end and at >= now:
            at = max(now, min(at, end - speech_seconds(text)))
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


def closing(routine: Routine, position: int, locale: str = "en-US",
            continuous: bool = False) -> str:
    """What is said after the segment at ``position``: what to say to go on, or the end of
    the routine after the last one."""
    segments = routine.segments()
    if position >= len(segments) - 1:
        return (f"That's the end of the {routine.name.get(locale)}. Nicely done. Drink some "
                "water, and come back any time.")
    if continuous:
        return "Say keep going when you're ready."
    here, following = segments[position], segments[position + 1]
    if following.step == here.step:
        if following.part:
            return "Say next to keep going."
        if following.set_no == here.set_no:
            return "Say next for the right side."
        return f"Say next for set {number(following.set_no)}."
    return "Say next when you're ready, or repeat to do it again."


def heard_seconds(routine: Routine, segment: Segment, locale: str = "en-US") -> float:
    """Seconds of speech and silence a segment's turn takes: the segment, then its
    closing (step by step, the way a routine is usually heard)."""
    position = routine.segments().index(segment)
    return (render_segment(routine, segment, locale).seconds
            + speech_seconds(closing(routine, position, locale)))


def about(seconds: float) -> str:
    """A length said the way people say it, close enough to trust (within 5%): to five
    seconds under two minutes, then ten, fifteen, and half minutes from ten minutes."""
    step = 5 if seconds < 120 else 10 if seconds < 300 else 15 if seconds < 600 else 30
    rounded = max(step, step * round(seconds / step))
    minutes, rest = divmod(rounded, 60)
    if minutes and rest == 30:
        return f"{minutes} and a half minutes"
    return seconds_phrase(rounded)


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


