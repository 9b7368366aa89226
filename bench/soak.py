"""Soak: minutes of mixed traffic against gunicorn on 127.0.0.1, then errors, p99 and memory.

    .venv/bin/python bench/soak.py [--seconds 180] [--rate 150] [--threads 8]

gunicorn runs with ``infra/gunicorn.conf.py``, verification on (a generated chain) and
SQLite. Client threads, paced to ``--rate`` requests a second in all, play whole sessions
the way devices do, each request signed as it is sent: routines from the top to the end
(the history grows), triage, pause and resume, help, fallback, timeouts; and one request in
ten is hostile (unsigned or forged: 400; no session, Alexa's error report, session attributes
tampered or nested 500 deep: answered). It stops by itself after ``--seconds`` and reports:

- requests, and errors: a status other than the one expected, a dropped connection, or an
  answer outside Alexa's limits and voice rules (``skill.ssml``, ``skill.testing``);
- latency p50 and p99 of each exchange, and counted from when each request was due (which
  adds any backlog of the client, on the same cores, to the server's);
- each worker's memory (RSS and PSS) after the warm-up and at the end, and the growth
  (target: under 5%); workers that were restarted would show as changed process ids.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import servers  # noqa: F401 - the repository on sys.path (each module imports it first)
from load import Connection, http_request
from memory import kib
from servers import OUR_APP, SKILL_ID, Signing

from skill.plugins import load_packs
from skill.ssml import limit_problems
from skill.testing import envelope, intent_request, voice_problems

BUILT_IN = ["stretching", "strengthening", "massage", "recovery"]
WARM_UP = 0.15  # of the run: caches fill and the first SQLite pages are read
GROWTH_TARGET = 0.05
Row = tuple[str, str, str]


@dataclass
class Tally:
    """What the client threads saw."""

    latencies: list[float] = field(default_factory=list)  # from when each request was due
    exchanges: list[float] = field(default_factory=list)  # from sending to the whole answer
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, latency: float, exchange: float, problem: str | None) -> None:
        with self.lock:
            self.requests += 1
            self.latencies.append(latency)
            self.exchanges.append(exchange)
            self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
            if problem is not None:
                self.errors.append(f"{kind}: {problem}")

    def problem(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)

    @staticmethod
    def percentile(values: list[float], p: float) -> float:
        """Milliseconds."""
        return statistics.quantiles(values, n=1000)[int(p * 10) - 1] * 1000


class Device:
    """One Echo: a keep-alive connection, a user, the open session; paced requests."""

    def __init__(self, connection: Connection, signing: Signing, user: str, tally: Tally,
                 pace: Callable[[], float], stop: float) -> None:
        self.connection = connection  # shared by a thread's devices: never idle long enough
        self.signing, self.user, self.tally, self.pace, self.stop = signing, user, tally, pace, stop
        self.session: str | None = None
        self.attributes: dict = {}

    @property
    def done(self) -> bool:
        return time.monotonic() >= self.stop

    def send(self, kind: str, request: dict, expect: int = 200, sign: bool = True,
             change: Callable[[dict], None] | None = None) -> dict:
        """Send ``request`` in the open session (a new one if none); check and return the
        answer ({} if it was not a 200)."""
        new = self.session is None
        if new:
            self.session, self.attributes = f"amzn1.echo-api.session.{uuid.uuid4()}", {}
        sent = envelope(request, skill_id=SKILL_ID, user_id=self.user, session_id=self.session,
                        new_session=new, attributes=self.attributes)
        if change is not None:
            change(sent)
        body = json.dumps(sent).encode()
        headers = self.signing.chain.sign(body) if sign else {}
        due = self.pace()
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        sent_at = time.perf_counter()
        try:
            status, raw = self.connection.exchange(http_request("/alexa", body, headers))
        except OSError as error:
            now = time.perf_counter()
            self.tally.add(kind, now - due, now - sent_at, f"connection: {error}")
            self.connection.reopen()
            self.session = None
            return {}
        now = time.perf_counter()
        data = json.loads(raw) if raw else {}
        problem = None
        if status != expect:
            problem = f"HTTP {status} (expected {expect}): {raw[:200]!r}"
        elif status == 200:
            response = data.get("response", {})
            found = voice_problems(response) + limit_problems(data)
            silent = "session" not in sent or request["type"] in (
                "SessionEndedRequest", "System.ExceptionEncountered")
            if silent and "outputSpeech" in response:
                found.append("spoke where Alexa takes no speech")
            problem = "; ".join(found) or None
        self.tally.add(kind, now - due, now - sent_at, problem)
        if status != 200 or data.get("response", {}).get("shouldEndSession") is not False:
            self.session = None
        else:
            self.attributes = data.get("sessionAttributes") or {}
        return data if status == 200 else {}


def said(answer: dict) -> str:
    return (answer.get("response", {}).get("outputSpeech") or {}).get("ssml", "")


def whole_routine(device: Device, routine: str) -> None:
    """Start a routine and say "next" to the end (or until time is up)."""
    answer = device.send("start", intent_request("StartRoutineIntent", {"routine": routine}))
    while device.session is not None and not device.done:
        answer = device.send("next", intent_request("AMAZON.NextIntent"))
    if "That's the end" not in said(answer) and not device.done and answer:
        device.tally.problem(f"{routine} did not finish: {said(answer)[:120]}")


def triage(device: Device, routine: str) -> None:
    device.send("launch", {"type": "LaunchRequest"})
    device.send("symptom", intent_request("ReportSymptomIntent",
                                          {"symptom": random.choice(["tight", "sore", "cramp"]),
                                           "timing": "after-run"}))
    for _ in range(3):
        if device.session is None:
            break
        device.send("answer", intent_request(random.choice(["AMAZON.YesIntent",
                                                            "AMAZON.NoIntent"])))
    device.session = None


def pause_and_resume(device: Device, routine: str) -> None:
    device.send("start", intent_request("StartRoutineIntent", {"routine": routine}))
    device.send("next", intent_request("AMAZON.NextIntent"))
    device.send("pause", intent_request("AMAZON.PauseIntent"))
    device.send("launch", {"type": "LaunchRequest"})
    device.send("resume", intent_request("AMAZON.YesIntent"))
    device.send("progress", intent_request("ProgressIntent"))
    device.send("timeout", {"type": "SessionEndedRequest", "reason": "EXCEEDED_MAX_REPROMPTS"})
    device.session = None


def chatter(device: Device, routine: str) -> None:
    device.send("launch", {"type": "LaunchRequest"})
    device.send("help", intent_request("AMAZON.HelpIntent"))
    device.send("fallback", intent_request("AMAZON.FallbackIntent"))
    device.send("list", intent_request("ListRoutinesIntent"))
    device.send("product", intent_request("ProductTipsIntent", {"product": "ice pack"}))
    device.send("stop", intent_request("AMAZON.StopIntent"))
    device.session = None


def nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"x": value}
    return value


def hostile(device: Device, routine: str) -> None:
    """Requests an attacker or a confused proxy sends, each with the answer it must get."""
    kind = random.randrange(6)
    if kind == 0:
        device.send("unsigned", {"type": "LaunchRequest"}, expect=400, sign=False)
    elif kind == 1:
        def forge(env: dict) -> None:
            env["request"]["timestamp"] = "2020-01-01T00:00:00Z"  # signed, but stale
        device.send("stale", {"type": "LaunchRequest"}, expect=400, change=forge)
    elif kind == 2:
        device.send("no-session", {"type": "AudioPlayer.PlaybackStarted", "token": "t",
                                   "offsetInMilliseconds": 0},
                    change=lambda env: env.pop("session"))
    elif kind == 3:
        device.send("exception", {"type": "System.ExceptionEncountered",
                                  "error": {"type": "INVALID_RESPONSE", "message": "x"},
                                  "cause": {"requestId": "amzn1.echo-api.request.x"}})
    elif kind == 4:
        device.attributes = {"player": {"routine": routine, "position": "garbage"}}
        device.session = f"amzn1.echo-api.session.{uuid.uuid4()}"
        device.send("tampered", intent_request("AMAZON.NextIntent"))
    else:
        device.attributes = nested(500)
        device.session = f"amzn1.echo-api.session.{uuid.uuid4()}"
        device.send("deep", intent_request("AMAZON.RepeatIntent"))
    device.session = None


SCENARIOS = [whole_routine, whole_routine, triage, pause_and_resume, chatter, chatter]


def client(port: int, signing: Signing, number: int, routines: list[str], tally: Tally,
           pace: Iterator[float], stop: float) -> None:
    """One thread: a few users, one session at a time, scenarios in a seeded random order."""
    random.seed(number)
    lock = threading.Lock()

    def next_due() -> float:
        with lock:
            return next(pace)

    connection = Connection(port)
    devices = [Device(connection, signing, f"amzn1.ask.account.soak{number}x{user}", tally,
                      next_due, stop) for user in range(3)]
    while time.monotonic() < stop:
        device = random.choice(devices)
        scenario = hostile if random.random() < 0.1 else random.choice(SCENARIOS)
        scenario(device, random.choice(routines))
    connection.close()


def memory(pids: list[int]) -> dict[int, tuple[int, int]]:
    """pid -> (RSS, PSS) in KiB."""
    return {pid: (kib(pid, "VmRSS"), kib(pid, "Pss", "smaps_rollup")) for pid in pids}


@dataclass
class Soak:
    """What one soak saw: the client's tally, and each worker's memory (pid -> RSS, PSS in
    KiB) after the warm-up and at the end."""

    seconds: float
    rate: float
    threads: int
    tally: Tally
    warm: dict[int, tuple[int, int]]
    end: dict[int, tuple[int, int]]
    restarted: list[int]

    @property
    def growth(self) -> float:
        """The largest growth of a worker's RSS from the warm-up to the end."""
        return max(((self.end[pid][0] - self.warm[pid][0]) / self.warm[pid][0]
                    for pid in self.end), default=0.0)

    def rows(self) -> list[Row]:
        def rss(sample: dict) -> str:
            return ", ".join(f"{rss / 1024:.1f}" for rss, _ in sample.values()) + " MiB"

        tally = self.tally
        return [
            (f"soak: {tally.requests:,} requests in {self.seconds:.0f} s at {self.rate:.0f}/s "
             f"({self.threads} threads, 1 in 10 hostile)", f"{len(tally.errors)} errors",
             "0 errors"),
            ("soak: latency of each exchange (sent to answered)",
             f"p50 {tally.percentile(tally.exchanges, 50):.1f} ms, "
             f"p99 {tally.percentile(tally.exchanges, 99):.1f} ms", ""),
            ("soak: latency from when each request was due (the client's own backlog too)",
             f"p50 {tally.percentile(tally.latencies, 50):.1f} ms, "
             f"p99 {tally.percentile(tally.latencies, 99):.1f} ms", ""),
            (f"soak: worker RSS after the warm-up / at the end ({len(self.warm)} workers)",
             f"{rss(self.warm)} / {rss(self.end)}; largest growth {self.growth:+.1%}"
             + (f"; restarted: {self.restarted}" if self.restarted else ""),
             f"< {GROWTH_TARGET:.0%}"),
        ]


def soak(seconds: float = 180, rate: float = 150, threads: int = 8) -> Soak:
    """Serve, load for ``seconds`` (stops by itself), measure."""
    catalog = load_packs(BUILT_IN).catalog
    routines = [routine.name.get() for routine in catalog.routines.values()]
    tally = Tally()
    with tempfile.TemporaryDirectory() as folder:
        signing = Signing(Path(folder))
        with servers.start(OUR_APP, signing.env(Path(folder) / "soak.db"),
                           ready="/readyz") as server:
            start = time.perf_counter() + 0.1
            gap = threads / rate  # between one thread's requests
            paces = [iter(start + index * gap / threads + step * gap
                          for step in itertools.count()) for index in range(threads)]
            stop = time.monotonic() + seconds
            clients = [threading.Thread(target=client, args=(
                server.port, signing, number, routines, tally, paces[number], stop))
                for number in range(threads)]
            for thread in clients:
                thread.start()
            time.sleep(seconds * WARM_UP)
            pids = server.workers()
            warm = memory(pids)
            for thread in clients:
                thread.join()
            end_pids = server.workers()
            end = memory([pid for pid in end_pids if pid in warm])
    return Soak(seconds, rate, threads, tally, warm, end, sorted(set(pids) ^ set(end_pids)))


def run(seconds: float = 180) -> list[Row]:
    """Rows of (measure, result, target), for ``bench/run.py``."""
    return soak(seconds).rows()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--rate", type=float, default=150, help="requests a second in all")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    result = soak(args.seconds, args.rate, args.threads)
    for row in result.rows():
        print(" | ".join(row))
    print("requests by kind: " + ", ".join(f"{kind} {count}" for kind, count in
                                           sorted(result.tally.by_kind.items())))
    for error in result.tally.errors[:20]:
        print("error:", error)
    return 1 if result.tally.errors or result.growth >= GROWTH_TARGET else 0


if __name__ == "__main__":
    sys.exit(main())
