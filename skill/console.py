"""``hamstring console``: talk to the skill in a web page and see every request it gets.

A local development tool, never part of the production app: it is its own small Flask app
that builds the same request envelopes as the simulator (``skill.testing``), understands
typed or spoken text with the simulator's matcher, and sends every turn through the skill's
real ``POST /alexa`` (the app in this process, with verification off, or a running skill
given with ``--url``). The page itself is plain HTML, CSS and JavaScript in
``console_static/``: no build step, nothing fetched from elsewhere.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import sys
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.serving import BaseWSGIServer, make_server

from skill.engine import LOCALES, Routine, segment_seconds, speech_seconds
from skill.envelopes import read_envelope
from skill.html_screen import render_html
from skill.model import build_model
from skill.plugins import Packs, installed_packs
from skill.simulator import (
    Chime,
    Simulator,
    Ticking,
    Understanding,
    database_url,
    passages,
    quiet_logs,
)
from skill.testing import DEVICES, USER_ID, Answer, AppDevice, HttpDevice, envelope

STATIC = Path(__file__).with_name("console_static")
DEFAULT_PORT = 5050
# A silence this long or longer, with only short cues between silences, is a hold (or a set
# of counted reps): the page shows one countdown bar across it.
HOLD_MIN_SECONDS = 5.0
CUE_MAX_SECONDS = 4.0


# The devices the page offers, of those ``skill.testing.DEVICES`` describes.
DEVICE_LABELS = {"echo": "Echo (no screen)", "echo-show": "Echo Show",
                 "echo-show-5": "Echo Show 5", "echo-show-15": "Echo Show 15",
                 "round-hub": "Round hub", "tv": "TV"}


class Recording:
    """Keeps the exact request body of each turn, so the JSON shown is what ``/alexa`` got.

    Mixed into the simulator's devices.
    """

    sent: dict | None = None

    def post(self, body: bytes) -> tuple[int, dict]:
        self.sent = json.loads(body)
        return super().post(body)  # type: ignore[misc]


class ConsoleAppDevice(Recording, AppDevice):
    """The app in this process."""


class ConsoleHttpDevice(Recording, HttpDevice):
    """A running skill at a URL."""


class Listener(Simulator):
    """The simulator's understanding, without printing answers: what it writes are notes
    on how the turn was understood."""

    notes: list[str]

    def write(self, text: str, prefix: str = "") -> None:
        if not text.startswith("->"):  # the request sent, which the page shows itself
            self.notes.append(text)

    def show(self, answer: Answer) -> Answer:
        return answer


def playback(heard: list[tuple[str, float, str]]) -> dict[str, Any]:
    """What an answer plays (``Answer.heard``) as items to play in order: ``say`` with an
    estimate of its seconds, ``pause`` (``ticking`` under the ticking clock) or ``chime``;
    with the spans that are holds marked for a countdown bar."""
    items: list[dict[str, Any]] = []
    for piece in passages(heard):
        if isinstance(piece, str):
            items.append({"say": piece, "seconds": round(speech_seconds(piece), 2)})
        elif isinstance(piece, Chime):
            items.append({"chime": round(piece, 2)})
        else:
            items.append({"pause": round(piece, 2), "ticking": isinstance(piece, Ticking)})
    holds: list[dict[str, Any]] = []
    start: int | None = None  # the first silence of the span being read
    for index, item in enumerate(items):
        if "pause" in item:
            start = index if start is None else start
        elif start is not None and item.get("seconds", 0) > CUE_MAX_SECONDS:
            _close_hold(items, holds, start, index)
            start = None
    if start is not None:
        _close_hold(items, holds, start, len(items))
    return {"items": items, "holds": holds,
            "seconds": round(sum(_length(i) for i in items), 1)}


def _length(item: dict[str, Any]) -> float:
    return item.get("pause", item.get("seconds", item.get("chime", 0)))


def _close_hold(items: list[dict], holds: list[dict], start: int, end: int) -> None:
    """Mark ``items[start:end]`` (trimmed to end on a pause) as one hold if it is long."""
    while end > start and "pause" not in items[end - 1]:
        end -= 1
    span = items[start:end]
    silence = sum(i.get("pause", 0) for i in span)
    if silence < HOLD_MIN_SECONDS:
        return
    for item in span:
        item["hold"] = len(holds)
    holds.append({"seconds": round(sum(_length(i) for i in span), 1),
                  "first": start, "last": end - 1})


def routine_view(routine: Routine, locale: str) -> dict[str, Any]:
    """A routine for the pack browser: what it is for and each step with its timings."""
    seconds = [0.0] * len(routine.steps)
    for segment in routine.segments():
        seconds[segment.step] += segment_seconds(routine, segment, locale)
    steps = []
    for step, spoken in zip(routine.steps, seconds, strict=True):
        steps.append({
            "title": step.title.get(locale), "instruction": step.instruction.get(locale),
            "card": step.card.get(locale),
            "kind": step.kind, "sides": step.sides, "sets": step.sets,
            "hold_seconds": step.seconds, "reps": step.reps, "rep_seconds": step.rep_seconds,
            "cues": [{"at": c.at, "say": c.text.get(locale)} for c in step.cues],
            "equipment": list(step.equipment), "seconds": round(spoken),
        })
    return {"id": routine.id, "name": routine.name.get(locale),
            "description": routine.description.get(locale), "when": routine.when.get(locale),
            "avoid": routine.avoid.get(locale), "equipment": list(routine.equipment),
            "tags": list(routine.tags), "seconds": round(sum(seconds)), "steps": steps}


def packs_view(packs: Packs, locale: str) -> dict[str, Any]:
    """Every pack with its routines, and the problems ``hamstring packs check`` reports."""
    by_pack: dict[str, list[dict]] = {}
    for routine in packs.catalog.routines.values():
        by_pack.setdefault(routine.pack, []).append(routine_view(routine, locale))
    rows = []
    for record in packs.records.values():
        info = record.info
        rows.append({
            "name": record.name, "title": info.name if info else record.name,
            "version": info.version if info else record.version,
            "distribution": record.distribution, "description": info.description if info else "",
            "author": info.author if info else "", "ok": record.ok, "hooks": record.hooks,
            "routines": by_pack.get(info.id if info else record.name,
                                    by_pack.get(record.name, [])),
        })
    return {"packs": rows, "problems": [str(p) for p in packs.problems]}


class Console:
    """One conversation with the skill: the device, its locale and the turns so far."""

    def __init__(self, app: Flask | None = None, url: str | None = None,
                 database: str = "") -> None:
        if (app is None) == (url is None):
            raise ValueError("give the skill's app or its URL")
        self.app, self.url, self.database = app, url, database
        self.packs = app.extensions["hamstring"]["packs"] if app else installed_packs()
        self.store = app.extensions["hamstring"]["store"] if app else None
        self.lock = threading.Lock()
        self.understandings: dict[str, Understanding] = {}
        self.device = self._device("echo", "en-US", USER_ID)
        self.listener = Listener(self.device, self.understanding("en-US"))
        self.turns = 0

    def _device(self, kind: str, locale: str, user_id: str) -> Recording:
        if self.app is not None:
            device: Recording = ConsoleAppDevice(self.app, locale=locale, user_id=user_id)
        else:
            device = ConsoleHttpDevice(self.url, locale=locale, user_id=user_id)
        device.device = kind
        return device

    def understanding(self, locale: str) -> Understanding:
        """The matcher for ``locale``, built from the packs on first use."""
        if locale not in self.understandings:
            self.understandings[locale] = Understanding(build_model(self.packs, locale))
        return self.understandings[locale]

    def state(self) -> dict[str, Any]:
        """What the page needs to start: devices, locales, where the skill runs."""
        device = self.device
        return {
            "devices": {key: label for key, label in DEVICE_LABELS.items() if key in DEVICES},
            "locales": list(LOCALES), "device": device.device, "locale": device.locale,
            "in_process": self.app is not None, "target": self.url or "in this process",
            "database": self.database, "session_open": device.session_id is not None,
            "user_id": device.user_id, "saved": self.saved(),
        }

    def say(self, text: str) -> dict[str, Any]:
        """Understand ``text`` as Alexa would, send the request, and describe the turn."""
        with self.lock:
            self.listener.notes = []
            self.device.sent = None
            answer = self.listener.hear(text)
            return self._turn(text, answer, " ".join(self.listener.notes))

    def touch(self, arguments: list) -> dict[str, Any]:
        """A press on a button of the screen: the ``SendEvent`` arguments of its card."""
        if not (isinstance(arguments, list) and arguments and isinstance(arguments[0], str)):
            raise ValueError("a touch names the intent its button stands for")
        slots = arguments[1] if len(arguments) > 1 and isinstance(arguments[1], dict) else {}
        with self.lock:
            self.device.sent = None
            answer = self.device.touch(arguments[0], **{k: str(v) for k, v in slots.items()})
            return self._turn("", answer, "(a touch on the screen)")

    def end(self, reason: str = "USER_INITIATED", why: str = "") -> dict[str, Any] | None:
        """End the open session the way a device does; None when none is open."""
        with self.lock:
            if self.device.session_id is None:
                return None
            self.device.sent = None
            answer = self.device.end(reason)
            return self._turn("", answer, why)

    def switch(self, kind: str | None = None, locale: str | None = None) -> dict[str, Any]:
        """Another device or locale: as on a real device, the open session ends first."""
        if kind is not None and kind not in DEVICES:
            raise ValueError(f"unknown device {kind!r}; one of {', '.join(DEVICE_LABELS)}")
        if locale is not None and locale not in LOCALES:
            raise ValueError(f"unknown locale {locale!r}; one of {', '.join(LOCALES)}")
        ended = self.end(why="(switched device or locale: the open session ends)")
        with self.lock:
            self.device.device = kind or self.device.device
            self.device.locale = locale or self.device.locale
            self.listener.understanding = self.understanding(self.device.locale)
        return {"ended": ended, "state": self.state()}

    def forget(self) -> dict[str, Any]:
        """Forget the user: the saved record is deleted (in process) or, for a skill at a
        URL whose store this console cannot reach, the console becomes a new user."""
        ended = self.end(why="(forget me: the open session ends first)")
        with self.lock:
            if self.store is not None:
                self.store.delete_attributes(self._envelope())
                how = "deleted this user's saved attributes"
            else:
                self.device = self._device(self.device.device, self.device.locale,
                                           f"amzn1.ask.account.console-{uuid.uuid4()}")
                self.listener.device = self.device
                how = ("the skill's store is not reachable from here, so the console is now "
                       "a new user; the old record stays in the skill's store")
        return {"ended": ended, "how": how, "state": self.state()}

    def saved(self) -> dict | None:
        """The user's saved attributes as the store holds them, when it is in process."""
        if self.store is None:
            return None
        return self.store.get_attributes(self._envelope())

    def _envelope(self):
        """A request envelope of this user, as the store reads the user from it."""
        return read_envelope(envelope(user_id=self.device.user_id,
                                      skill_id=self.device.skill_id))

    def _turn(self, text: str, answer: Answer | None, note: str) -> dict[str, Any]:
        self.turns += 1
        sent = self.device.sent
        turn: dict[str, Any] = {
            "turn": self.turns, "you": text, "note": note,
            "understood": understood(sent), "device": self.device.device,
            "locale": self.device.locale, "request": sent, "session_open":
                self.device.session_id is not None,
        }
        if answer is None:
            return {**turn, "status": None, "response": None, "saved": self.saved()}
        response = answer.body.get("response", {}) if answer.status == 200 else {}
        card = response.get("card")
        turn.update({
            "status": answer.status, "response": answer.body,
            "speech": playback(answer.heard()) if answer.ssml or answer.sound else None,
            "reprompt": " ".join(p for p in passages(answer.reprompt) if isinstance(p, str))
            if answer.reprompt else "",
            "ends": answer.ends, "card": card, "problems": answer.problems,
            "screen": screen(sent, card, answer),
            "session_attributes": answer.body.get("sessionAttributes") or {},
            "saved": self.saved(),
        })
        return turn


def understood(sent: dict | None) -> dict[str, Any] | None:
    """The request type, intent and slots that were sent, as the page shows them."""
    if sent is None:
        return None
    req = sent["request"]
    out: dict[str, Any] = {"type": req["type"], "new_session": sent["session"]["new"]}
    if req["type"] == "IntentRequest":
        out["intent"] = req["intent"]["name"]
        out["slots"] = []
        for name, slot in req["intent"].get("slots", {}).items():
            if "value" not in slot:
                continue
            authority = slot.get("resolutions", {}).get("resolutionsPerAuthority", [{}])[0]
            values = authority.get("values") or [{}]
            out["slots"].append({
                "name": name, "heard": slot["value"],
                "status": authority.get("status", {}).get("code", ""),
                "id": values[0].get("value", {}).get("id"),
            })
    elif req["type"] == "SessionEndedRequest":
        out["reason"] = req.get("reason", "")
    elif req["type"] == "Alexa.Presentation.APL.UserEvent":
        out["arguments"] = req.get("arguments", [])
    return out


def screen(sent: dict | None, card: dict | None, answer: Answer) -> dict[str, Any]:
    """What the device shows for the turn: the HTML approximation of its APL document on a
    screen that gets one, the card otherwise (an Echo shows nothing; the app shows cards)."""
    viewport = (sent or {}).get("context", {}).get("Viewport")
    shown: dict[str, Any] = {"has_screen": viewport is not None, "viewport": viewport,
                             "card": card, "html": None, "kind": None}
    document = answer.screen
    if document and viewport:
        shown["html"] = render_html(document["document"], document["datasources"], viewport)
        shown["kind"] = document["datasources"].get("payload", {}).get("screen")
    return shown


# -- the web app ------------------------------------------------------------------------


def create_console_app(console: Console) -> Flask:
    """The page and its JSON API; every turn goes through ``console`` to ``/alexa``."""
    app = Flask(__name__, static_folder=str(STATIC), static_url_path="/static")
    app.json.sort_keys = False  # type: ignore[attr-defined]

    @app.get("/")
    def index() -> Response:
        return app.send_static_file("index.html")

    @app.get("/api/state")
    def state() -> Response:
        return jsonify(console.state())

    @app.post("/api/say")
    def say() -> Response | tuple[Response, int]:
        text = str((request.get_json(silent=True) or {}).get("text", "")).strip()
        if not text:
            return jsonify(error="say something: the text is empty"), 400
        if len(text) > 500:
            return jsonify(error="that is longer than anyone says in one breath"), 400
        try:
            return jsonify(console.say(text))
        except ConnectionError as error:
            return jsonify(error=str(error)), 502

    @app.post("/api/touch")
    def touch() -> Response | tuple[Response, int]:
        try:
            return jsonify(console.touch((request.get_json(silent=True) or {}).get(
                "arguments")))
        except ValueError as error:
            return jsonify(error=str(error)), 400
        except ConnectionError as error:
            return jsonify(error=str(error)), 502

    @app.post("/api/new-session")
    def new_session() -> Response | tuple[Response, int]:
        try:
            return jsonify(ended=console.end(), state=console.state())
        except ConnectionError as error:
            return jsonify(error=str(error)), 502

    @app.post("/api/end")
    def end() -> Response | tuple[Response, int]:
        reason = str((request.get_json(silent=True) or {}).get("reason", "USER_INITIATED"))
        if reason not in ("USER_INITIATED", "EXCEEDED_MAX_REPROMPTS"):
            return jsonify(error=f"unknown reason {reason!r}"), 400
        try:
            return jsonify(ended=console.end(reason), state=console.state())
        except ConnectionError as error:
            return jsonify(error=str(error)), 502

    @app.post("/api/settings")
    def settings() -> Response | tuple[Response, int]:
        body = request.get_json(silent=True) or {}
        try:
            return jsonify(console.switch(body.get("device"), body.get("locale")))
        except ValueError as error:
            return jsonify(error=str(error)), 400
        except ConnectionError as error:
            return jsonify(error=str(error)), 502

    @app.post("/api/forget")
    def forget() -> Response | tuple[Response, int]:
        try:
            return jsonify(console.forget())
        except ConnectionError as error:
            return jsonify(error=str(error)), 502

    @app.get("/api/packs")
    def packs() -> Response:
        locale = request.args.get("locale", console.device.locale)
        return jsonify(packs_view(console.packs, locale if locale in LOCALES else "en-US"))

    return app


# -- the command ------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def open_console(url: str | None, db: str | None) -> Console:
    """The console for a running skill at ``url``, or for the skill built in this process
    (SQLite unless ``--db`` or ``HAMSTRING_DATABASE_URL`` says otherwise, verification off)."""
    if url:
        return Console(url=url)
    from skill.app import create_app

    database = database_url(db)
    return Console(create_app({"VERIFY_REQUESTS": False, "DATABASE_URL": database}),
                   database=database)


def banner(console: Console, address: str) -> str:
    """The loud warning printed at start: what this is and what it is not."""
    if console.app is not None:
        where = (f"the skill runs in this process with request verification OFF; "
                 f"progress is kept in {console.database}")
    else:
        where = f"talking to the skill at {console.url}"
    lines = ["HAMSTRING COACH CONSOLE: FOR LOCAL DEVELOPMENT ONLY", where,
             f"open {address} in a browser; Ctrl-C stops it"]
    width = max(len(line) for line in lines) + 4
    rule = "!" * width
    return "\n".join([rule, *(f"! {line.ljust(width - 4)} !" for line in lines), rule])


def serve(console: Console, host: str, port: int) -> BaseWSGIServer:
    """A threaded WSGI server for the console (started by the caller)."""
    return make_server(host, port, create_console_app(console), threaded=True)


def run_console(args: argparse.Namespace) -> int:
    """``hamstring console``."""
    if not is_loopback(args.host) and not args.allow_remote:
        print(f"refusing to listen on {args.host}: the console runs the skill without request "
              "verification and shows every request. It listens on 127.0.0.1 unless you add "
              "--allow-remote.", file=sys.stderr)
        return 2
    if args.screenshot:
        return take_screenshots(args)
    with quiet_logs():
        console = open_console(args.url, args.db)
        try:
            server = serve(console, args.host, args.port)
        except OSError as error:
            print(f"cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
            return 1
        address = f"http://{args.host}:{server.server_port}/"
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        print(banner(console, address), flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print()
    return 0


def take_screenshots(args: argparse.Namespace) -> int:
    """``--screenshot DIR``: a short visit in headless Chromium, one PNG per pane. In process,
    progress goes to a throwaway SQLite file unless ``--db`` names one."""
    from skill.console_shots import screenshots

    with tempfile.TemporaryDirectory() as folder, quiet_logs():
        db = args.db or str(Path(folder) / "screenshots.db")
        console = open_console(args.url, db)
        if not args.db:
            console.database = "a throwaway SQLite file"
        server = serve(console, "127.0.0.1", 0)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            for path in screenshots(f"http://127.0.0.1:{server.server_port}/",
                                    Path(args.screenshot)):
                print(f"wrote {path}")
        except RuntimeError as error:
            print(error, file=sys.stderr)
            return 1
        finally:
            server.shutdown()
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``console``."""
    run = commands.add_parser("console", help="talk to the skill in a web page (local only)")
    run.add_argument("--host", default="127.0.0.1", help="where to listen (loopback only "
                     "unless --allow-remote)")
    run.add_argument("--port", type=int, default=DEFAULT_PORT)
    run.add_argument("--allow-remote", action="store_true",
                     help="let it listen on an address other machines can reach")
    run.add_argument("--url", help="a running skill, like http://127.0.0.1:5000/alexa "
                                   "(default: the app in this process)")
    run.add_argument("--db", help="SQLite file or database URL for progress (in process)")
    run.add_argument("--screenshot", metavar="DIR",
                     help="write a screenshot of each pane to DIR with headless Chromium, "
                          "then stop")
    run.set_defaults(func=run_console)
