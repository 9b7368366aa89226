"""Checking SSML against Alexa's rules, and measuring how long it takes to say.

Used by the tests on every response and by the simulator to show pauses.
``limit_problems`` checks a whole response envelope against Alexa's size limits, an APL
for Audio document's among them.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from skill.engine import speech_seconds
from skill.presentation import MAX_AUDIO_CLIPS, audio_clips, audio_timeline

MAX_CHARACTERS = 8000
MAX_BREAK_SECONDS = 10.0
MAX_TURN_SECONDS = 90.0
MAX_RESPONSE_BYTES = 24 * 1024  # the whole response envelope, session attributes included
MAX_AUDIO_SECONDS = 240.0  # an APL for Audio document, all of it
APLA = "Alexa.Presentation.APLA.RenderDocument"

ALLOWED_TAGS = {
    "speak", "amazon:domain", "amazon:effect", "amazon:emotion", "audio", "break", "emphasis",
    "lang", "p", "phoneme", "prosody", "s", "say-as", "sub", "voice", "w",
}
NAMESPACE = "{https://amazon.com/ssml}"
BREAK_STRENGTHS = {"none", "x-weak", "weak", "medium", "strong", "x-strong"}
STRENGTH_SECONDS = {
    "none": 0, "x-weak": 0, "weak": 0.35, "medium": 0.75, "strong": 1, "x-strong": 1,
}
TIME = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)$")


def break_seconds(element: ET.Element) -> float:
    """Length of a ``<break>``: its time, or the usual length of its strength."""
    time = element.get("time")
    if time is not None:
        match = TIME.match(time)
        if not match:
            raise ValueError(f"break time {time!r} is not like '500ms' or '3s'")
        value = float(match.group(1))
        return value / 1000 if match.group(2) == "ms" else value
    return STRENGTH_SECONDS.get(element.get("strength", "medium"), 0.75)


def _tag(element: ET.Element) -> str:
    return element.tag.replace(NAMESPACE, "amazon:")


def _parse(ssml: str) -> ET.Element:
    wrapped = ssml.replace("<speak>", '<speak xmlns:amazon="https://amazon.com/ssml">', 1)
    return ET.fromstring(wrapped)


def check(ssml: str, expects_answer: bool = False) -> list[str]:
    """Every rule ``ssml`` breaks, as short messages; empty when it is fine."""
    problems: list[str] = []
    if len(ssml) >= MAX_CHARACTERS:
        problems.append(f"{len(ssml)} characters; Alexa takes fewer than {MAX_CHARACTERS}")
    try:
        root = _parse(ssml)
    except ET.ParseError as error:
        return [*problems, f"not well-formed XML: {error}"]
    if root.tag != "speak":
        problems.append(f"root element is <{root.tag}>, not <speak>")
    for element in root.iter():
        tag = _tag(element)
        if tag not in ALLOWED_TAGS:
            problems.append(f"<{tag}> is not an Alexa SSML tag")
        elif tag == "break":
            strength = element.get("strength")
            if strength is not None and strength not in BREAK_STRENGTHS:
                problems.append(f"break strength {strength!r} is not allowed")
            try:
                if break_seconds(element) > MAX_BREAK_SECONDS:
                    problems.append(f"break of {element.get('time')} is longer than 10s")
            except ValueError as error:
                problems.append(str(error))
        elif tag == "audio" and not (element.get("src") or "").startswith(
            ("https://", "soundbank://")
        ):
            problems.append("audio src must be https or soundbank")
    if expects_answer and not problems:
        seconds = duration(ssml)
        if seconds > MAX_TURN_SECONDS:
            problems.append(f"about {seconds:.0f}s of speech in a turn that expects an answer")
    return problems


def limit_problems(envelope: dict[str, Any]) -> list[str]:
    """Alexa's size limits broken by a whole response envelope (as JSON data): at most
    ``MAX_RESPONSE_BYTES`` written compactly, fewer than ``MAX_CHARACTERS`` of SSML in
    the speech and in the reprompt, at most ``MAX_AUDIO_CLIPS`` audio clips in all, and an
    audio document within ``audio_problems``."""
    problems = []
    size = len(json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_RESPONSE_BYTES:
        problems.append(f"response is {size} bytes; Alexa takes at most {MAX_RESPONSE_BYTES}")
    response = envelope.get("response") or {}
    clips = 0
    for name, speech in (("speech", response.get("outputSpeech")),
                         ("reprompt", (response.get("reprompt") or {}).get("outputSpeech"))):
        ssml = (speech or {}).get("ssml") or ""
        if len(ssml) >= MAX_CHARACTERS:
            problems.append(f"{name} has {len(ssml)} characters of SSML; Alexa takes fewer "
                            f"than {MAX_CHARACTERS}")
        clips += ssml.count("<audio")
    for directive in response.get("directives") or ():
        if directive.get("type") == APLA:
            problems += audio_problems(directive, response.get("shouldEndSession") is False)
            clips += audio_clips(directive["document"], directive.get("datasources") or {})
    if clips > MAX_AUDIO_CLIPS:
        problems.append(f"{clips} audio clips; Alexa plays at most {MAX_AUDIO_CLIPS}")
    return problems


def audio_problems(directive: dict, expects_answer: bool) -> list[str]:
    """An APL for Audio document's limits: at most 240 s in all, about 90 s of it when the
    skill waits for an answer (as with SSML), and no unreadable parts."""
    try:
        pieces = audio_timeline(directive["document"], directive.get("datasources") or {})
    except (KeyError, TypeError, ValueError) as error:
        return [f"the audio document cannot be read: {error}"]
    seconds = sum(piece[1] for piece in pieces)
    problems = []
    if seconds > MAX_AUDIO_SECONDS:
        problems.append(f"about {seconds:.0f}s of audio; Alexa plays at most "
                        f"{MAX_AUDIO_SECONDS:.0f}s")
    elif expects_answer and seconds > MAX_TURN_SECONDS:
        problems.append(f"about {seconds:.0f}s of audio in a turn that expects an answer")
    return problems


def duration(ssml: str) -> float:
    """Estimated seconds to say ``ssml``: words at 150 a minute plus every break."""
    return sum(seconds for kind, seconds, _ in timeline(ssml))


def timeline(ssml: str) -> list[tuple[str, float, str]]:
    """The SSML as ``("say", seconds, text)`` and ``("pause", seconds, "")`` pieces."""
    pieces: list[tuple[str, float, str]] = []

    def walk(element: ET.Element) -> None:
        if _tag(element) == "break":
            pieces.append(("pause", break_seconds(element), ""))
        elif element.text and element.text.strip():
            pieces.append(("say", speech_seconds(element.text), element.text.strip()))
        for child in element:
            walk(child)
            if child.tail and child.tail.strip():
                pieces.append(("say", speech_seconds(child.tail), child.tail.strip()))

    walk(_parse(ssml))
    return pieces
