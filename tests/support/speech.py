"""Reading hold lengths back out of SSML."""

from __future__ import annotations

import re

from skill.engine import speech_seconds

BREAK = re.compile(r'<break time="([\d.]+)(ms|s)"/>')
STARTS = re.compile(r"starting now\.|Keep going\.")
ENDS = re.compile(r"And relax\.|Stay with it\.")


def hold_spans(ssml: str) -> list[float]:
    """Seconds of every timed hold in ``ssml``: from the words that start it to the words
    that end it, counting breaks and the estimated speech of cues in between."""
    marked = BREAK.sub(lambda m: f" <{float(m[1]) / (1000 if m[2] == 'ms' else 1)}> ", ssml)
    marked = re.sub(r"</?speak>", "", marked)
    spans = []
    for piece in STARTS.split(marked)[1:]:
        inner = ENDS.split(piece)[0]
        pauses = sum(float(p) for p in re.findall(r"<([\d.]+)>", inner))
        spans.append(pauses + speech_seconds(re.sub(r"<[\d.]+>", " ", inner)))
    return spans
