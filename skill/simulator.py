"""``hamstring simulate``: talk to the skill in a terminal, the way a device would.

Each line typed (or read from a script) is resolved to an intent and slots with the
interaction model, exactly as Alexa does with sample utterances and slot values: the slots
carry entity-resolution ids. The request goes through the same app code as production, in
process or over HTTP; the answer is printed with its pauses as timed gaps, and can be spoken
through espeak-ng or written to a WAV file.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import logging
import math
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import wave
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TextIO
from xml.sax.saxutils import escape

from skill import config
from skill.app import create_app
from skill.engine import LOCALES, WORDS_PER_SECOND
from skill.html_screen import render_html
from skill.model import SLOT_REF, build_model
from skill.plugins import installed_packs
from skill.ssml import timeline
from skill.testing import (
    DEVICES,
    SKILL_ID,
    Answer,
    AppDevice,
    Device,
    HttpDevice,
    intent_request,
)

# What Alexa understands for the built-in intents without any sample utterances.
BUILT_IN_PHRASES = {
    "AMAZON.CancelIntent": ("cancel", "never mind", "forget it"),
    "AMAZON.HelpIntent": ("help", "help me", "can you help me"),
    "AMAZON.StopIntent": ("stop", "off", "shut up"),
    "AMAZON.NextIntent": ("next", "skip", "skip forward"),
    "AMAZON.PreviousIntent": ("previous", "go back", "skip back", "back up"),
    "AMAZON.RepeatIntent": ("repeat", "repeat that", "say that again"),
    "AMAZON.StartOverIntent": ("start over", "restart", "start again"),
    "AMAZON.PauseIntent": ("pause", "pause that"),
    "AMAZON.ResumeIntent": ("resume", "continue", "keep going"),
    "AMAZON.YesIntent": ("yes", "yeah", "sure", "yes please"),
    "AMAZON.NoIntent": ("no", "no thanks"),
    "AMAZON.NavigateHomeIntent": ("go home",),
}
LAUNCH_WORDS = "ask|tell|open|launch|start|begin|load|run|use|talk to"
CONNECTING_WORDS = "to|for|about|that|if|whether|and"
POLITE = re.compile(r"^(?:alexa|please|okay alexa) | (?:please|thanks|thank you)$")
END_WORDS = {"exit", "quit"}
VOICES = {"en-US": "en-us", "en-CA": "en-us"}  # espeak-ng voice; British English otherwise
WIDTH = 100
INDENT = " " * 6


def clean(text: str) -> str:
    """Lower case, straight apostrophes, no other punctuation, single spaces."""
    text = text.lower().replace("\u2019", "'")
    return " ".join(re.sub(r"[^\w' ]+", " ", text).split())


@dataclass(frozen=True)
class Heard:
    """An utterance resolved to an intent, with Alexa slot objects."""

    intent: str
    slots: dict[str, dict] = field(default_factory=dict)

    def values(self) -> dict[str, str]:
        """Each filled slot's resolved id, or what was heard when nothing resolved."""
        out = {}
        for name, slot in self.slots.items():
            if "value" not in slot:
                continue
            authority = slot["resolutions"]["resolutionsPerAuthority"][0]
            matched = authority["status"]["code"] == "ER_SUCCESS_MATCH"
            out[name] = authority["values"][0]["value"]["id"] if matched else slot["value"]
        return out

    def describe(self) -> str:
        """'ReportSymptomIntent symptom=sore timing=after-run'."""
        return " ".join([self.intent, *(f"{k}={v}" for k, v in self.values().items())])


@dataclass(frozen=True)
class Pattern:
    """One sample utterance as cleaned words, with ``{slot}`` tokens where slots go."""

    intent: str
    sample: str
    tokens: tuple[str, ...]
    slots: tuple[str, ...]
    weight: int  # characters of carrier phrase: longer carriers are more specific

    @classmethod
    def of(cls, intent: str, sample: str) -> Pattern:
        """The pattern of one sample utterance."""
        tokens: list[str] = []
        for token in sample.split():
            tokens += [token] if SLOT_REF.fullmatch(token) else clean(token).split()
        slots = tuple(t[1:-1] for t in tokens if t.startswith("{"))
        return cls(intent, sample, tuple(tokens), slots,
                   len(SLOT_REF.sub("", sample).replace(" ", "")))

    @property
    def takes_any_value(self) -> bool:
        """True when a value the model does not list may fill the slot: there is exactly one,
        in a carrier phrase, so what it heard is unambiguous."""
        return len(self.slots) == 1 and self.weight > 0

    def match(self, words: list[str], accepts: Callable[[str, str], bool]) -> dict | None:
        """The slot values when ``words`` fit this pattern, each accepted by ``accepts(slot,
        phrase)``; None when they do not fit."""

        def walk(t: int, w: int) -> dict | None:
            if t == len(self.tokens):
                return {} if w == len(words) else None
            token = self.tokens[t]
            if not token.startswith("{"):
                return walk(t + 1, w + 1) if w < len(words) and words[w] == token else None
            for end in range(w + 1, len(words) + 1):
                phrase = " ".join(words[w:end])
                rest = walk(t + 1, end) if accepts(token[1:-1], phrase) else None
                if rest is not None:
                    return {token[1:-1]: phrase, **rest}
            return None

        return walk(0, 0)


class Understanding:
    """Alexa's part: text to intent and slots, using one locale's interaction model."""

    def __init__(self, model: dict, skill_id: str = SKILL_ID) -> None:
        language = model["interactionModel"]["languageModel"]
        self.invocation = clean(language["invocationName"])
        self.skill_id = skill_id
        self.values: dict[str, dict[str, tuple[str, str]]] = {}
        for slot_type in language.get("types", ()):
            phrases = self.values.setdefault(slot_type["name"], {})
            for value in slot_type.get("values", ()):
                name = value["name"]
                for phrase in (name["value"], *name.get("synonyms", ())):
                    phrases.setdefault(clean(phrase), (value.get("id") or name["value"],
                                                       name["value"]))
        self.types: dict[str, dict[str, str]] = {}
        self.patterns: list[Pattern] = []
        for intent in language["intents"]:
            kinds = {s["name"]: s["type"] for s in intent.get("slots", ())}
            self.types[intent["name"]] = kinds
            self.patterns += [Pattern.of(intent["name"], s) for s in intent.get("samples", ())]
        self.built_ins = {phrase: name for name, phrases in BUILT_IN_PHRASES.items()
                          if name in self.types for phrase in phrases}
        self.invoke = re.compile(
            rf"^(?:{LAUNCH_WORDS}) {re.escape(self.invocation)}"
            rf"(?: (?:{CONNECTING_WORDS}))?(?: (?P<rest>.+))?$")
        self._examples: dict[str, str] | None = None

    def invocation_of(self, text: str) -> str | None:
        """What follows the invocation when ``text`` opens the skill ("ask hamstring coach to
        ...": ``""`` for a plain launch), or None when it does not."""
        match = self.invoke.match(POLITE.sub("", text))
        return (match.group("rest") or "") if match else None

    def hear(self, text: str) -> Heard | None:
        """The intent and slots Alexa would send for ``text``, or None when nothing matches.

        Sample utterances whose slots hold listed values come first, then the phrases Alexa
        knows for built-in intents, then samples with a value the model does not list.
        """
        said = clean(text)
        texts = list(dict.fromkeys(t for t in (said, POLITE.sub("", said)) if t))
        tiers: tuple[Callable[[str], Heard | None], ...] = (
            lambda t: self._best(t, loose=False),
            lambda t: Heard(self.built_ins[t]) if t in self.built_ins else None,
            lambda t: self._best(t, loose=True),
        )
        for tier in tiers:
            for candidate in texts:
                heard = tier(candidate)
                if heard:
                    return heard
        return None

    def _best(self, text: str, loose: bool) -> Heard | None:
        """The most specific pattern ``text`` fits, slots holding listed values (or, when
        ``loose``, any value where the pattern takes one)."""
        words = text.split()
        best: tuple[tuple[bool, int], Pattern, dict] | None = None
        for pattern in self.patterns:
            if loose and not pattern.takes_any_value:
                continue
            found = pattern.match(words, self._accepts(pattern.intent, loose))
            if found is None:
                continue
            # Like Alexa, a slot whose words hold one of its type's values fits better.
            rank = (loose and self._holds_value(pattern.intent, found), pattern.weight)
            if best is None or rank > best[0]:
                best = (rank, pattern, found)
        return Heard(best[1].intent, self.slots(best[1].intent, best[2])) if best else None

    def _holds_value(self, intent: str, heard: dict[str, str]) -> bool:
        """Whether each heard slot phrase contains one of its slot type's values."""
        kinds = self.types[intent]
        return all(any(f" {value} " in f" {phrase} "
                       for value in self.values.get(kinds.get(slot, ""), {}))
                   for slot, phrase in heard.items())

    def _accepts(self, intent: str, loose: bool) -> Callable[[str, str], bool]:
        """Whether a phrase may fill a slot of ``intent``: a listed value, or anything."""
        kinds = self.types[intent]
        return lambda slot, phrase: loose or phrase in self.values.get(kinds.get(slot, ""), {})

    def slots(self, intent: str, heard: dict[str, str]) -> dict[str, dict]:
        """Alexa slot objects for ``intent``: every slot, the heard ones entity-resolved."""
        slots = {}
        for name, kind in self.types[intent].items():
            slot: dict = {"name": name, "confirmationStatus": "NONE"}
            if name in heard:
                found = self.values.get(kind, {}).get(heard[name])
                authority: dict = {
                    "authority": f"amzn1.er-authority.echo-sdk.{self.skill_id}.{kind}",
                    "status": {"code": "ER_SUCCESS_MATCH" if found else "ER_SUCCESS_NO_MATCH"},
                }
                if found:
                    authority["values"] = [{"value": {"name": found[1], "id": found[0]}}]
                slot["value"] = heard[name]
                slot["resolutions"] = {"resolutionsPerAuthority": [authority]}
            slots[name] = slot
        return slots

    def nearest(self, text: str) -> str | None:
        """The sample phrasing closest to ``text``, with example slot values filled in."""
        if self._examples is None:
            self._examples = {clean(p): p for p in self.built_ins}
            for pattern in self.patterns:
                for example in self._fill(pattern):
                    self._examples.setdefault(clean(example), example)
        found = difflib.get_close_matches(clean(text), self._examples, n=1, cutoff=0.5)
        return self._examples[found[0]] if found else None

    def _fill(self, pattern: Pattern) -> list[str]:
        """The sample with its slot filled by each value, or by the first value of each."""
        kinds = self.types[pattern.intent]
        names = {slot: sorted({name for _, name in self.values.get(kinds[slot], {}).values()})
                 for slot in pattern.slots}
        if any(not found for found in names.values()):
            return []
        if len(pattern.slots) == 1:
            slot = pattern.slots[0]
            return [pattern.sample.replace("{" + slot + "}", name) for name in names[slot]]
        return [SLOT_REF.sub(lambda m: names[m.group(1)][0], pattern.sample)]


# -- voices ----------------------------------------------------------------------------


class Voice(Protocol):
    """Something that voices each response (its passages)."""

    def say(self, heard: list[Passage]) -> None: ...

    def close(self) -> None: ...


class Ticking(float):
    """Seconds of silence under the ticking clock of an audio document."""


class Chime(float):
    """A sound clip of an audio document (the end of a hold), of about these seconds."""


Passage = str | float  # words; or seconds of silence, a Ticking or a Chime


def passages(heard: str | list[tuple[str, float, str]]) -> list[Passage]:
    """What is said (text) between silences (seconds), each run together, from SSML or from
    what an answer plays (``Answer.heard``)."""
    pieces: list[Passage] = []
    kinds = {"pause": float, "tick": Ticking}
    for kind, seconds, text in timeline(heard) if isinstance(heard, str) else heard:
        if kind in kinds and pieces and type(pieces[-1]) is kinds[kind]:
            pieces[-1] = kinds[kind](pieces[-1] + seconds)
        elif kind == "say" and pieces and isinstance(pieces[-1], str):
            pieces[-1] += " " + text
        elif kind == "sound":
            pieces.append(Chime(seconds))
        else:
            pieces.append(kinds[kind](seconds) if kind in kinds else text)
    return pieces


def for_espeak(heard: str | list[Passage]) -> tuple[float, str]:
    """Leading silence, and SSML that espeak-ng honours, from SSML or passages.

    espeak-ng keeps only the longest of several breaks in a row and drops a break at the
    very start, so each silence becomes one break and a leading one is returned apart.
    """
    pieces = passages(heard) if isinstance(heard, str) else list(heard)
    lead = pieces.pop(0) if pieces and isinstance(pieces[0], float) else 0.0
    body = " ".join(escape(p) if isinstance(p, str) else f'<break time="{round(p * 1000)}ms"/>'
                    for p in pieces)
    return lead, f"<speak>{body}</speak>"


def espeak_command(locale: str, ssml: str, wav: Path | None = None) -> list[str]:
    """espeak-ng in SSML mode at the pace the skill's timings assume."""
    command = ["espeak-ng", "-m", "-v", VOICES.get(locale, "en-gb"),
               "-s", str(round(WORDS_PER_SECOND * 60))]
    return [*command, *(["-w", str(wav)] if wav else []), ssml]


class Speaker:
    """Speaks each response aloud through espeak-ng; the audio keeps real time."""

    def __init__(self, locale: str) -> None:
        self.locale, self.working = locale, True

    def say(self, heard: list[Passage]) -> None:
        lead, text = for_espeak(heard)
        time.sleep(lead)
        if not self.working or text == "<speak></speak>":
            return
        result = subprocess.run(espeak_command(self.locale, text), capture_output=True,
                                text=True, check=False)
        if result.returncode:
            self.working = False
            print(f"(espeak-ng could not play audio: {result.stderr.strip()}; try --wav FILE)",
                  file=sys.stderr)

    def close(self) -> None:
        pass


class WavRecorder:
    """Collects every response of the session, one after another, into one WAV file."""

    def __init__(self, path: Path, locale: str) -> None:
        self.path, self.locale = path, locale
        self.params: tuple | None = None
        self.frames: list[bytes] = []

    def say(self, heard: list[Passage]) -> None:
        """Add one answer: all of it through espeak-ng at once (its breaks keep the time),
        or, with the ticking clock or a chime in it, passage by passage with the clock's
        ticks mixed in under each hold."""
        if not any(isinstance(p, Ticking | Chime) for p in heard):
            lead, text = for_espeak(heard)
            self.silence(lead)
            self.speak(text)
            return
        for piece in heard:
            if isinstance(piece, str):
                self.speak(f"<speak>{escape(piece)}</speak>")
            elif isinstance(piece, Ticking):
                self.frames.append(ticks(piece, self.rate))
            elif isinstance(piece, Chime):
                self.frames.append(chime(self.rate))
            else:
                self.silence(piece)

    @property
    def rate(self) -> int:
        """Frames a second (espeak-ng's, once it has spoken)."""
        return self.params.framerate if self.params else 22050

    def silence(self, seconds: float) -> None:
        """Add ``seconds`` of silence."""
        self.frames.append(b"\0\0" * round(seconds * self.rate))

    def speak(self, ssml: str) -> None:
        """Add what espeak-ng makes of ``ssml``."""
        if ssml == "<speak></speak>":
            return
        with tempfile.TemporaryDirectory() as folder:
            piece = Path(folder) / "piece.wav"
            subprocess.run(espeak_command(self.locale, ssml, piece), check=True,
                           capture_output=True)
            with wave.open(str(piece), "rb") as audio:
                self.params = self.params or audio.getparams()
                self.frames.append(audio.readframes(audio.getnframes()))

    def close(self) -> None:
        """Write the file (an empty one in espeak-ng's format when nothing was said)."""
        with wave.open(str(self.path), "wb") as out:
            out.setparams(self.params or (1, 2, 22050, 0, "NONE", "not compressed"))
            out.writeframes(b"".join(self.frames))


def tone(seconds: float, rate: int, pitch: float, loudness: float, decay: float) -> list[int]:
    """Samples of a fading sine (16-bit)."""
    return [round(loudness * 32767 * math.exp(-t / rate / decay)
                  * math.sin(2 * math.pi * pitch * t / rate)) for t in range(round(seconds * rate))]


def ticks(seconds: float, rate: int) -> bytes:
    """A quiet clock for ``seconds``: a short tick, then a tock, once a second each."""
    tick, tock = (tone(0.03, rate, pitch, 0.12, 0.006) for pitch in (2400, 1800))
    samples = [0] * round(seconds * rate)
    for second in range(math.ceil(seconds)):
        sound = tick if second % 2 == 0 else tock
        start = second * rate
        samples[start:start + len(sound)] = sound[:max(0, len(samples) - start)]
    return array("h", samples[:round(seconds * rate)]).tobytes()


def chime(rate: int) -> bytes:
    """The end of a hold: two soft bell notes, about a second."""
    notes = tone(0.45, rate, 880, 0.25, 0.15) + tone(0.55, rate, 1318.5, 0.25, 0.2)
    return array("h", notes).tobytes()


# -- the conversation ------------------------------------------------------------------


class Simulator:
    """Hears lines, sends the requests a device would, and shows (and voices) the answers."""

    def __init__(self, device: Device, understanding: Understanding, out: TextIO | None = None,
                 voice: Voice | None = None, wait: bool = True,
                 screens: Path | None = None) -> None:
        self.device, self.understanding, self.out = device, understanding, out or sys.stdout
        self.voice, self.wait = voice, wait
        self.screens, self.turns = screens, 0
        if screens:
            screens.mkdir(parents=True, exist_ok=True)
        self.heard: Heard | None = None  # the intent the last line was heard as, if any

    @classmethod
    def for_app(cls, app, locale: str = "en-US", device: str = "echo", **kwargs) -> Simulator:
        """A simulator talking in process to ``app`` (built with ``VERIFY_REQUESTS`` off) as
        a ``device`` of ``skill.testing.DEVICES``, understanding speech with the model built
        from the app's own packs."""
        model = build_model(app.extensions["hamstring"]["packs"], locale)
        return cls(AppDevice(app, locale=locale, device=device), Understanding(model),
                   **kwargs)

    def write(self, text: str, prefix: str = INDENT) -> None:
        """One paragraph, wrapped and indented under the speaker's name."""
        print(textwrap.fill(text, WIDTH, initial_indent=prefix,
                            subsequent_indent=" " * len(prefix)), file=self.out, flush=True)

    def hear(self, line: str) -> Answer | None:
        """Act on one line the user says; the skill's answer, if a request was sent."""
        text = clean(line)
        self.heard = None
        if not text:
            return None
        if text in END_WORDS:
            if self.device.session_id is None:
                self.write("(no session is open)")
                return None
            self.write("-> SessionEndedRequest USER_INITIATED")
            return self.show(self.device.end("USER_INITIATED"))
        rest = self.understanding.invocation_of(text)
        if rest is not None:
            self.device.session_id = None
            if not rest:
                self.write("-> LaunchRequest, new session")
                return self.show(self.device.launch())
            text = rest
        new = " (new session)" if self.device.session_id is None else ""
        heard = self.understanding.hear(text)
        if heard is None:
            nearest = self.understanding.nearest(text)
            hint = f'the nearest is "{nearest}"' if nearest else 'say "help" to hear the options'
            self.write(f'(nothing in the {self.device.locale} model matches "{text}"; {hint}. '
                       "Alexa sends AMAZON.FallbackIntent)")
            heard = Heard("AMAZON.FallbackIntent")
        self.heard = heard
        self.write(f"-> {heard.describe()}{new}")
        return self.show(self.device.send(intent_request(heard.intent, heard.slots)))

    def show(self, answer: Answer) -> Answer:
        """Print the speech with its pauses as gaps, the reprompt and any card; voice it."""
        if answer.status != 200:
            self.write(f"(the skill answered HTTP {answer.status}: "
                       f"{answer.body.get('error', answer.body)})", "coach: ")
            return answer
        prefix = "coach: "
        heard = passages(answer.heard())
        for piece in heard:
            if isinstance(piece, str):
                self.write(piece, prefix)
            elif isinstance(piece, Chime):
                self.write("[chime]", prefix)
            else:
                ticking = ", ticking" if isinstance(piece, Ticking) else ""
                self.write(f"[… {piece:.1f} s{ticking} …]", prefix)
                if self.wait and self.voice is None:
                    time.sleep(piece)
            prefix = INDENT
        if answer.reprompt:
            said = " ".join(p for p in passages(answer.reprompt) if isinstance(p, str))
            self.write(f"(if you say nothing: {said})")
        if answer.card:
            self.write(f"[card] {answer.card.get('title', '')}: {answer.card.get('content', '')}")
        if answer.screen:
            self.show_screen(answer.screen)
        if answer.problems:
            self.write(f"(this answer breaks Alexa's rules: {'; '.join(answer.problems)})")
        if answer.ends:
            self.write("(session ended)")
        if self.voice and heard:
            self.voice.say(heard)
        return answer

    def show_screen(self, screen: dict) -> None:
        """Say which card the screen shows; write its HTML approximation to ``screens``."""
        payload = screen["datasources"]["payload"]
        shows = [f"{payload['heading']}: {payload.get('title', '')}"]
        clock = (payload.get("step") or {}).get("clock")
        if clock:
            shows.append(f"countdown from {clock['left']} s once the speech reaches it "
                         f"({clock['startMs'] / 1000:.1f} s in)")
        if payload["buttons"]:
            shows.append("buttons " + ", ".join(b["label"] for b in payload["buttons"]))
        if self.screens:
            self.turns += 1
            page = self.screens / f"{self.turns:03d}-{payload['screen']}.html"
            page.write_text(render_html(screen["document"], screen["datasources"]),
                            encoding="utf-8")
            shows.append(f"drawn in {page}")
        self.write(f"[screen: {payload['screen']}] " + "; ".join(shows))

    def run(self, lines: list[str]) -> None:
        """Hear each line in turn, echoing it as the user's turn."""
        for line in lines:
            print(f"you:  {line}", file=self.out, flush=True)
            self.hear(line)


def script_lines(path: Path) -> list[str]:
    """A script's utterances: one a line; blank lines and ``#`` comments are skipped."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def database_url(db: str | None) -> str:
    """``--db``: a SQLite file path or a database URL; the configured one by default."""
    if db is None:
        return config.load()["DATABASE_URL"]
    return db if "://" in db else f"sqlite:///{db}"


@contextlib.contextmanager
def quiet_logs() -> Iterator[None]:
    """Keep the skill's own logs (start-up, sessions) out of the conversation."""
    logger = logging.getLogger("skill")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def open_simulator(args: argparse.Namespace) -> Simulator:
    """The simulator the command line asks for: device, model and voice."""
    if args.url:
        device: Device = HttpDevice(args.url, locale=args.locale, device=args.device)
        packs = installed_packs()
    else:
        app = create_app({"VERIFY_REQUESTS": False, "DATABASE_URL": database_url(args.db)})
        device = AppDevice(app, locale=args.locale, device=args.device)
        packs = app.extensions["hamstring"]["packs"]
    model = json.loads(Path(args.model).read_text(encoding="utf-8")) if args.model else \
        build_model(packs, args.locale)
    voice: Voice | None = None
    if args.wav:
        voice = WavRecorder(Path(args.wav), args.locale)
    elif args.speak:
        voice = Speaker(args.locale)
    return Simulator(device, Understanding(model), voice=voice, wait=not args.fast,
                     screens=Path(args.screens) if args.screens else None)


def converse(simulator: Simulator) -> None:
    """Read what the user types until end of input."""
    print('Say something, as you would to Alexa: start with "open hamstring coach". '
          '"exit" ends the session; Ctrl-D leaves.')
    while True:
        try:
            line = input("you:  ")
        except EOFError:
            print()
            return
        simulator.hear(line)


def simulate(args: argparse.Namespace) -> int:
    """Run a conversation from the terminal or from a script."""
    if (args.speak or args.wav) and shutil.which("espeak-ng") is None:
        print("--speak and --wav need espeak-ng (apt-get install espeak-ng)", file=sys.stderr)
        return 2
    with quiet_logs():
        simulator = open_simulator(args)
        try:
            if args.script:
                simulator.run(script_lines(Path(args.script)))
            else:
                converse(simulator)
        except ConnectionError as error:
            print(error, file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print()
        finally:
            if simulator.voice:
                simulator.voice.close()
    if args.wav:
        print(f"wrote {args.wav}")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``simulate``."""
    run = commands.add_parser("simulate", help="talk to the skill in the terminal")
    run.add_argument("--locale", default="en-US", choices=LOCALES)
    run.add_argument("--script", metavar="FILE", help="utterances to play, one a line")
    run.add_argument("--fast", action="store_true", help="don't wait through pauses")
    voice = run.add_mutually_exclusive_group()
    voice.add_argument("--speak", action="store_true", help="speak answers with espeak-ng")
    voice.add_argument("--wav", metavar="FILE", help="write the session's audio to FILE")
    run.add_argument("--url", help="a running skill, like http://127.0.0.1:5000/alexa "
                                   "(default: the app in this process)")
    run.add_argument("--device", default="echo-show", choices=sorted(DEVICES),
                     help="the device to be: echo (no screen), echo-show (a 10-inch hub with "
                          "the ticking clock; the default), echo-show-5, echo-show-15, "
                          "round-hub, tv, or echo-show-apl-only (a screen, no APL for Audio)")
    run.add_argument("--screens", metavar="DIR",
                     help="write an HTML approximation of each turn's card to DIR")
    run.add_argument("--db", help="SQLite file or database URL for progress (in process)")
    run.add_argument("--model", metavar="FILE",
                     help="an interaction model file (default: built from the installed packs)")
    run.set_defaults(func=simulate)
