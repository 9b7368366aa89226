"""What a turn shows on a screen (APL) and how a hold sounds (APL for Audio): the documents in
``skill/documents`` and the data they show, built from the core's turn.

Plain Python with no Alexa types. The data comes from the ``Screen`` a reply names (the
routine, the segment) and from the speech's timeline (its parts and holds), never from the
SSML, so a card's countdown starts when the speech says "starting now" and an audio
document places each cue at the second the SSML does.
"""

from __future__ import annotations

import functools
import json
import math
import re
from importlib.resources import files
from typing import Any

from skill.engine import Routine, Step, speech_seconds
from skill.inflate import inflate
from skill.speech import TIMED_KINDS, Hold, Speech, number, seconds_phrase, spoken_list
from skill.turn import Reply, Screen

APL_TOKEN = "hamstring-coach"
# Sounds from Alexa's sound library: a quiet clock under a hold, a chime at its end.
TICKING_BED = "soundbank://soundlibrary/clocks/ticks/ticks_01"
END_SOUND = "soundbank://soundlibrary/ui/gameshow/amzn_ui_sfx_gameshow_positive_response_01"
BED_VOLUME = "30%"
MAX_AUDIO_CLIPS = 5  # SSML <audio> tags and APL for Audio clips Alexa plays in one response
# Sizes in dp by kind of screen, chosen so text reads from two metres: a round small hub
# (480 dp), landscape hubs (960, 1280, 1920 dp wide) and TV (960 dp seen from a sofa).
PROFILES: dict[str, dict[str, Any]] = {
    "round": {"small": 20, "body": 22, "title": 28, "huge": 40, "big": 52, "clock": 92,
              "button": 19, "padding": 56, "paddingTop": 52, "paddingBottom": 84, "gap": 4,
              "buttonPad": 10, "clockWidth": 200, "lines": 0, "direction": "column",
              "align": "center", "textAlign": "center"},
    "hub-small": {"small": 24, "body": 28, "title": 40, "huge": 56, "big": 64, "clock": 128,
                  "button": 28, "padding": 36, "paddingTop": 20, "paddingBottom": 20,
                  "gap": 10, "buttonPad": 22, "clockWidth": 300, "lines": 2,
                  "direction": "row", "align": "start", "textAlign": "left"},
    "hub-medium": {"small": 30, "body": 36, "title": 52, "huge": 72, "big": 88, "clock": 176,
                   "button": 34, "padding": 56, "paddingTop": 32, "paddingBottom": 32,
                   "gap": 14, "buttonPad": 30, "clockWidth": 400, "lines": 3,
                   "direction": "row", "align": "start", "textAlign": "left"},
    "hub-large": {"small": 40, "body": 48, "title": 72, "huge": 96, "big": 120, "clock": 240,
                  "button": 44, "padding": 80, "paddingTop": 48, "paddingBottom": 48,
                  "gap": 20, "buttonPad": 40, "clockWidth": 560, "lines": 4,
                  "direction": "row", "align": "start", "textAlign": "left"},
    "tv": {"small": 24, "body": 30, "title": 44, "huge": 60, "big": 72, "clock": 140,
           "button": 28, "padding": 48, "paddingTop": 28, "paddingBottom": 28, "gap": 10,
           "buttonPad": 24, "clockWidth": 320, "lines": 3, "direction": "row",
           "align": "start", "textAlign": "left"},
}
# The viewports of the devices each profile stands for, as context.Viewport reports them.
VIEWPORTS: dict[str, dict[str, Any]] = {
    "round": {"shape": "ROUND", "mode": "HUB", "pixelWidth": 480, "pixelHeight": 480,
              "dpi": 160},
    "hub-small": {"shape": "RECTANGLE", "mode": "HUB", "pixelWidth": 960, "pixelHeight": 480,
                  "dpi": 160},
    "hub-medium": {"shape": "RECTANGLE", "mode": "HUB", "pixelWidth": 1280,
                   "pixelHeight": 800, "dpi": 160},
    "hub-large": {"shape": "RECTANGLE", "mode": "HUB", "pixelWidth": 1920,
                  "pixelHeight": 1080, "dpi": 160},
    "tv": {"shape": "RECTANGLE", "mode": "TV", "pixelWidth": 1920, "pixelHeight": 1080,
           "dpi": 320},
}
SYMPTOM_BUTTONS = (("Tight", "tight"), ("Sore", "sore"), ("Stiff", "stiff"),
                   ("Cramping", "cramp"))
STEP_BUTTONS = (("Back", "AMAZON.PreviousIntent"), ("Repeat", "AMAZON.RepeatIntent"),
                ("Pause", "AMAZON.PauseIntent"), ("Next", "AMAZON.NextIntent"))
DURING = {"hold": "Hold", "rolling": "Roll slowly", "timed": "Keep at it"}
SENTENCE = re.compile(r"(?<=[.!?])\s+")


def profile(viewport: dict | None) -> str:
    """The kind of screen a ``context.Viewport`` describes."""
    viewport = viewport or {}
    if str(viewport.get("mode", "")).upper() == "TV":
        return "tv"
    if str(viewport.get("shape", "")).upper() == "ROUND":
        return "round"
    width = viewport.get("pixelWidth") or 1280
    dp = width * 160 / (viewport.get("dpi") or 160)
    return "hub-small" if dp < 1100 else "hub-medium" if dp < 1600 else "hub-large"


@functools.cache
def _load(name: str) -> dict:
    return json.loads((files("skill") / "documents" / f"{name}.json").read_text("utf-8"))


@functools.cache
def _document(kind: str) -> str:
    """A screen's whole APL document (its file plus the shared layouts), as JSON text."""
    document = _load(kind)
    return json.dumps({**document, "background": "#000000", "theme": "dark",
                       "layouts": {**_load("common")["layouts"], **document["layouts"]}})


def document(kind: str) -> dict:
    """A fresh copy of the APL document for a kind of screen."""
    return json.loads(_document(kind))


def _button(label: str, intent: str, **slots: str) -> dict:
    return {"label": label, "intent": intent, "slots": slots}


def _lines(text: str, limit: int) -> list[str]:
    """The first ``limit`` sentences of ``text``, each a line."""
    return [line for line in SENTENCE.split(text.strip()) if line][:limit]


def screen_data(screen: Screen, speech: Speech, locale: str, kind: str) -> dict:
    """What the card shows (the ``payload`` data source), for a kind of screen."""
    layout = PROFILES[kind]
    data: dict[str, Any] = {"screen": screen.kind, "layout": layout,
                            "heading": "Hamstring Coach", "lines": [], "buttons": []}
    routine = screen.routine
    if screen.kind == "menu":
        data["title"] = "How do your hamstrings feel?"
        data["lines"] = ["Say it, or touch one."][:layout["lines"]]
        data["buttons"] = [_button(label, "ReportSymptomIntent", symptom=value)
                           for label, value in SYMPTOM_BUTTONS]
        data["buttons"].append(_button("Routines", "ListRoutinesIntent"))
    elif screen.kind == "overview" and routine:
        data["title"] = routine.name.get(locale).capitalize()
        lines = [*screen.lines, *_overview_lines(routine, locale)]
        data["lines"] = lines[:layout["lines"] + 1]
        if screen.lines:  # coming back to a routine left unfinished
            data["heading"] = "Welcome back"
            data["buttons"] = [_button("Pick up", "AMAZON.YesIntent"),
                               _button("Fresh start", "AMAZON.NoIntent")]
        else:
            data["heading"] = "Getting ready"
            data["buttons"] = [_button("Start", "AMAZON.NextIntent"),
                               _button("Routines", "ListRoutinesIntent")]
    elif screen.kind == "step" and routine and screen.segment:
        data.update(_step_data(routine, screen, speech, locale, layout))
        data["buttons"] = [_button(label, intent) for label, intent in STEP_BUTTONS]
    elif screen.kind == "end" and routine:
        data["heading"] = "Finished"
        data["title"] = f"That's the {routine.name.get(locale)}."
        minutes = max(1, round(routine.seconds() / 60))
        data["lines"] = [f"{len(routine.steps)} steps in about {minutes} minutes.",
                         "Drink some water.", "Come back any time."][:layout["lines"] + 1]
        data["buttons"] = [_button("More routines", "ListRoutinesIntent")]
    elif screen.kind == "red-flag":
        data["title"], *lines = screen.lines or ("Stop now.",)
        data["lines"] = lines[-(layout["lines"] + 1):]  # who to see comes last: keep it
    else:
        raise ValueError(f"no screen {screen.kind!r} without a routine")
    return data


def _overview_lines(routine: Routine, locale: str) -> list[str]:
    minutes = max(1, round(routine.seconds() / 60))
    lines = [f"About {minutes} minute{'s' if minutes > 1 else ''}, "
             f"{len(routine.steps)} step{'s' if len(routine.steps) > 1 else ''}."]
    if routine.equipment:
        lines.append(f"You need: {spoken_list(routine.equipment)}.")
    lines += _lines(routine.avoid.get(locale), 1)
    return lines


def _step_data(routine: Routine, screen: Screen, speech: Speech, locale: str,
               layout: dict) -> dict:
    segment = screen.segment
    step = routine.steps[segment.step]
    total = len(routine.steps)
    status = []
    if segment.side:
        status.append(f"{segment.side.capitalize()} side")
    if step.sets > 1:
        status.append(f"Set {number(segment.set_no)} of {number(step.sets)}")
    if step.kind == "reps":
        status.append(f"{step.reps} reps")
    card = step.card.get(locale)
    lines = [card] if card else _lines(step.instruction.get(locale), layout["lines"])
    hold = speech.holds[0] if speech.holds and step.kind in TIMED_KINDS else None
    return {
        "heading": f"Step {segment.step + 1} of {total}" if total > 1 else "One step",
        "title": step.title.get(locale),
        "lines": lines,
        "step": {"status": " · ".join(status), "clock": _clock(step, hold),
                 "big": _big(step)},
    }


def _clock(step: Step, hold: Hold | None) -> dict | None:
    """The countdown the device runs: from ``left`` seconds at ``startMs`` into the speech,
    down to ``end`` (the time left after this part of a long hold)."""
    if hold is None:
        return None
    end = round(hold.left - hold.seconds)
    return {"startMs": round(hold.start * 1000), "left": round(hold.left), "end": end,
            "total": step.seconds, "ready": "Get ready", "during": DURING[step.kind],
            "after": "And relax" if end <= 0 else "Keep going"}


def _big(step: Step) -> str:
    if step.kind == "reps":
        return f"{step.reps} reps"
    if step.kind in TIMED_KINDS:
        return seconds_phrase(step.seconds)
    return ""


def render_screen(reply: Reply, locale: str, viewport: dict | None) -> dict:
    """The ``Alexa.Presentation.APL.RenderDocument`` directive for a reply's screen."""
    kind = profile(viewport)
    return {"type": "Alexa.Presentation.APL.RenderDocument", "token": APL_TOKEN,
            "document": document(reply.screen.kind),
            "datasources": {"payload": screen_data(reply.screen, reply.speech, locale, kind)}}


# -- sound -----------------------------------------------------------------------------


def audio_data(speech: Speech) -> dict | None:
    """The hold document's data: the turn's speech as pieces (words, silence, a hold with
    its cues over the ticking bed, the end sound); None when the turn has no hold or would
    need more audio clips than Alexa plays."""
    if not speech.holds or 2 * len(speech.holds) > MAX_AUDIO_CLIPS:
        return None
    pieces: list[dict] = []
    holds = list(speech.holds)
    now = 0.0
    current: dict | None = None
    gap = 0.0
    for part in speech.timeline:
        if current is None and holds and now >= holds[0].start - 1e-6:
            hold = holds.pop(0)
            current = {"kind": "hold", "cues": [], "ms": round(hold.seconds * 1000),
                       "repeat": math.ceil(hold.seconds), "until": hold.start + hold.seconds}
            pieces.append(current)
            gap = 0.0
        if current is not None:
            if part.kind == "silence":
                gap += part.seconds
            else:
                current["cues"].append({"before": round(gap * 1000), "text": part.text})
                gap = 0.0
            now += part.seconds
            if now >= current["until"] - 1e-6:
                current["cues"].append({"before": round(gap * 1000), "text": ""})
                del current["until"]
                current = None
                pieces.append({"kind": "end"})
            continue
        if part.kind == "silence":
            pieces.append({"kind": "silence", "ms": round(part.seconds * 1000)})
        elif pieces and pieces[-1]["kind"] == "words":
            pieces[-1]["text"] += " " + part.text
        else:
            pieces.append({"kind": "words", "text": part.text})
        now += part.seconds
    if current is not None:  # a hold at the very end of the speech
        current["cues"].append({"before": round(gap * 1000), "text": ""})
        del current["until"]
        pieces.append({"kind": "end"})
    return {"bed": TICKING_BED, "endSound": END_SOUND, "volume": BED_VOLUME,
            "pieces": pieces}


def render_audio(reply: Reply) -> dict | None:
    """The ``Alexa.Presentation.APLA.RenderDocument`` directive playing a reply's speech
    with its holds over a ticking clock, or None when the reply has no hold."""
    data = audio_data(reply.speech)
    if data is None:
        return None
    return {"type": "Alexa.Presentation.APLA.RenderDocument", "token": APL_TOKEN + "-audio",
            "document": json.loads(_audio_document()), "datasources": {"payload": data}}


@functools.cache
def _audio_document() -> str:
    return json.dumps(_load("hold"))


def audio_timeline(document: dict, datasources: dict) -> list[tuple[str, float, str]]:
    """What an audio document plays, in order, as ``(kind, seconds, text)``: ``"say"`` for
    speech (estimated), ``"pause"`` for silence, ``"tick"`` for silence under the ticking
    bed, ``"sound"`` for a clip on its own (its length unknown here, counted as 1 s)."""
    def play(component: dict, ticking: bool) -> list[tuple[str, float, str]]:
        kind = component["type"]
        if kind == "Speech":
            return [("say", speech_seconds(component["content"]), component["content"])]
        if kind == "Silence":
            return [("tick" if ticking else "pause", component["duration"] / 1000, "")]
        if kind == "Audio":
            return [] if ticking else [("sound", 1.0, component["source"])]
        children = component["children"]
        if kind == "Sequencer":
            return [piece for child in children for piece in play(child, ticking)]
        if kind == "Mixer":  # the bed is cut to the longest of the other children
            bed = any(c["type"] == "Audio" and c.get("duration") == "trimToParent"
                      for c in children)
            timed = [c for c in children if c.get("duration") != "trimToParent"]
            return [piece for child in timed for piece in play(child, ticking or bed)]
        raise ValueError(f"no {kind} in APL for Audio")

    return play(inflate(document, datasources), False)


def audio_clips(document: dict, datasources: dict) -> int:
    """How many audio clips an audio document plays (Alexa plays at most five)."""
    def count(component: dict) -> int:
        own = component["type"] == "Audio"
        return own + sum(count(child) for child in component["children"])

    return count(inflate(document, datasources))
