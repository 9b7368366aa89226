"""Turn throughput and latency through gunicorn, against baselines in the same run.

Our turn is a real routine step: ``AMAZON.NextIntent`` in the middle of the after-run
stretches, the player state in the session attributes, the request signed by a generated
chain and verified, and the new position written to SQLite (each user alternates between two
positions, so every turn writes). It is measured against what a user would pick instead, on
the same signed requests (``baselines.py``): the standard SDK way (ask-sdk-webservice-support's
verification steps, ``DefaultSerializer``, a SQLite persistence adapter read at the start and
saved at the end, a handler answering with our turn's own speech) and the floor (a Flask view
doing only the RSA check, a JSON parse, one SQLite upsert and a fixed answer of our size).
Two reference rows from earlier runs stay: the minimal ask-sdk-core skill answering a
LaunchRequest and a bare Flask view answering our size. All run under the same gunicorn
settings, all at once but loaded one at a time. Every server counts the CPU time spent
inside its app (``app_cpu.py``), which tells the app's cost from gunicorn's.

Peak: flat out (closed loop), in rounds that take the servers in turn, so that a change in
the machine's background load hits them all alike; the median round counts, and each ratio
is the median of the ratios within a round. Latency: an open loop at half of each server's
own peak, also in rounds; the run with the median p99 counts.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import json
import statistics
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import servers
from app_cpu import per_request
from baselines import EXTRAS
from load import Connection, Result, http_request, paced, saturate
from servers import OUR_APP, SKILL_ID, Signing

from skill.testing import envelope

THREADS = 8
USERS_PER_THREAD = 4
ROUNDS = 15  # short and many: on a shared machine the speed changes from second to second;
# a third as many at half load
ROUTINE, POSITION = "after-run-stretches", 2
Streams = Callable[[], list[Iterator[bytes]]]


def next_turn(user: str, position: int) -> dict:
    """"Next" with the player at ``position`` of the routine, mid-session."""
    player = {"routine": ROUTINE, "position": position, "paused": False,
              "continuous": False, "done": False}
    return envelope({"type": "IntentRequest", "intent": {
        "name": "AMAZON.NextIntent", "confirmationStatus": "NONE"}},
        skill_id=SKILL_ID, user_id=user, new_session=False, attributes={"player": player})


def turn_streams(signing: Signing) -> list[Iterator[bytes]]:
    """Per thread: its users' turns, each user alternating between two positions."""
    streams = []
    for thread in range(THREADS):
        requests = []
        for position in (POSITION, POSITION + 1):
            for n in range(USERS_PER_THREAD):
                body = json.dumps(next_turn(f"amzn1.ask.account.bench{thread}x{n}",
                                            position)).encode()
                requests.append(http_request("/alexa", body, signing.chain.sign(body)))
        streams.append(itertools.cycle(requests))
    return streams


def launch_streams() -> list[Iterator[bytes]]:
    """A LaunchRequest per thread, for the minimal SDK skill."""
    return [itertools.repeat(http_request("/alexa", json.dumps(envelope(
        skill_id=SKILL_ID, user_id=f"amzn1.ask.account.bench{thread}x0")).encode()))
        for thread in range(THREADS)]


@dataclass
class Run:
    """One flat-out run: what the client saw, and CPU seconds per request in the server
    (master and workers) and in the app alone (inside its WSGI call)."""

    result: Result
    cpu: float
    app_cpu: float


@dataclass
class Contender:
    """One server under test and what was measured on it."""

    label: str
    server: servers.Server
    streams: Streams
    runs: list[Run] = field(default_factory=list)
    half_runs: list[Result] = field(default_factory=list)

    def saturate(self, seconds: float) -> None:
        """One closed-loop run, with the CPU time it cost per request."""
        before, app_before = self.server.cpu_seconds(), self.server.app_cpu.totals()
        result = saturate(self.server.port, self.streams(), seconds)
        assert result.errors == 0, f"{self.label}: {result.errors} errors"
        cpu = (self.server.cpu_seconds() - before) / len(result.latencies)
        self.runs.append(Run(result, cpu, per_request(app_before,
                                                      self.server.app_cpu.totals())))

    @property
    def peak(self) -> Result:
        """The median run."""
        return sorted(self.runs, key=lambda run: run.result.rate)[len(self.runs) // 2].result

    @property
    def cpu(self) -> float:
        """Median server CPU seconds per request."""
        return statistics.median(run.cpu for run in self.runs)

    @property
    def app_cpu(self) -> float:
        """Median CPU seconds per request inside the app."""
        return statistics.median(run.app_cpu for run in self.runs)

    def half_load(self, seconds: float) -> None:
        """One open-loop run at half of the peak rate."""
        result = paced(self.server.port, self.streams(), self.peak.rate / 2, seconds)
        assert result.errors == 0, f"{self.label}: {result.errors} errors"
        self.half_runs.append(result)

    @property
    def at_half(self) -> Result:
        """The half-load run with the median p99."""
        runs = sorted(self.half_runs, key=lambda run: run.percentile(99))
        return runs[len(runs) // 2]


def first_answer(port: int, stream: Iterator[bytes]) -> bytes:
    """The body of one answer (to size the baselines' answers by ours)."""
    connection = Connection(port)
    status, body = connection.exchange(next(stream))
    connection.close()
    assert status == 200, body[:300]
    return body


def run(seconds: float = 1.0, each_extra: bool = False,
        rounds: int = ROUNDS) -> list[tuple[str, str, str]]:
    """Rows of (measure, result, target); ``each_extra`` also serves the skill without its
    extras plus each one alone, to tell what each costs."""
    with tempfile.TemporaryDirectory() as name, contextlib.ExitStack() as stack:
        folder = Path(name)
        signing = Signing(folder)
        turns = functools.partial(turn_streams, signing)

        def start(app: str, env: dict[str, str], ready: str = "/healthz") -> servers.Server:
            return stack.enter_context(servers.start(app, env, ready, timed=True))

        ours = start(OUR_APP, signing.env(folder / "turn.db"), "/readyz")
        answer = first_answer(ours.port, turns()[0])
        speech = orjson.loads(answer)["response"]
        standard = start("bench.baselines:standard_app()", {
            **signing.env(folder / "standard.db"),
            "BENCH_SPEECH": speech["outputSpeech"]["ssml"],
            "BENCH_REPROMPT": speech["reprompt"]["outputSpeech"]["ssml"]})
        same_size = {"BENCH_BODY_BYTES": str(len(answer))}
        contenders = [
            Contender(f"our turn (verify + NextIntent + SQLite write, {len(answer)}-byte "
                      "answer)", ours, turns),
            Contender("the standard SDK way (same turn, "
                      f"{len(first_answer(standard.port, turns()[0]))}-byte answer)",
                      standard, turns),
            Contender("the floor (RSA check, JSON parse, SQLite upsert, fixed answer)", start(
                "bench.baselines:floor_app()", {**signing.env(folder / "floor.db"),
                                                **same_size}), turns),
            Contender("reference: minimal ask-sdk-core skill (launch, no verify or store)",
                      start("bench.baselines:sdk_app()", {}), launch_streams),
            Contender("reference: bare Flask view (fixed answer)",
                      start("bench.baselines:bare_app()", same_size), turns),
        ]
        if each_extra:
            contenders.append(Contender(
                "our turn without verification, store and request log",
                start("bench.baselines:core_app()", signing.env(folder / "core.db")), turns))
        for extra in EXTRAS if each_extra else ():
            contenders.append(Contender(f"that, plus {extra} alone", start(
                "bench.baselines:core_app()",
                {**signing.env(folder / f"{extra}.db"), "BENCH_KEEP": extra}), turns))
        for contender in contenders:  # warm up: every worker caches the chain, fills pages
            saturate(contender.server.port, contender.streams(), 1.0)
        for _ in range(rounds):
            for contender in contenders:
                contender.saturate(seconds)
        for _ in range(max(rounds // 3, 1)):
            for contender in contenders[:3]:
                contender.half_load(seconds * 2)
    return rows(contenders)


def ratios(a: Contender, b: Contender) -> str:
    """How ``a`` compares with ``b``: the median over rounds of each round's ratio, for
    throughput and (in brackets) for server CPU per request, the inverse of its cost."""
    pairs = list(zip(a.runs, b.runs, strict=True))
    rate = statistics.median(ra.result.rate / rb.result.rate for ra, rb in pairs)
    cpu = statistics.median(rb.cpu / ra.cpu for ra, rb in pairs)
    return f"{rate:.2f}x ({cpu:.2f}x)"


def rows(contenders: list[Contender]) -> list[tuple[str, str, str]]:
    """The table rows: each server, then the ratios the targets are about."""
    turn, standard, floor, sdk, bare, *extras = contenders
    out = []
    for c in contenders:
        peak = c.peak
        out.append((f"{c.label}: peak", f"{peak.rate:,.0f} req/s, server CPU "
                    f"{c.cpu * 1e6:,.0f} us/req, of which {c.app_cpu * 1e6:,.0f} in the app "
                    f"(p50 {peak.percentile(50):.1f} ms, p99 {peak.percentile(99):.1f} ms)", ""))
        if c.half_runs:
            half = c.at_half
            out.append((f"{c.label}: at half peak ({half.rate:,.0f} req/s)",
                        f"p50 {half.percentile(50):.1f} ms, p99 {half.percentile(99):.1f} ms",
                        "p99 <= 15 ms" if c is turn else ""))
    out.append(("our turn / the standard SDK way: throughput (server CPU per request)",
                ratios(turn, standard), ">= 2.0x"))
    out.append(("our turn / the floor: throughput (server CPU per request)",
                ratios(turn, floor), ">= 0.8x"))
    out.append(("reference: our turn / minimal SDK skill, our turn / bare view",
                f"{ratios(turn, sdk)}, {ratios(turn, bare)}", ""))
    if extras:
        core, *alone = extras
        out.append(("our turn without verification, store and log / minimal SDK skill",
                    ratios(core, sdk), ""))
        for extra, c in zip(EXTRAS, alone, strict=True):
            added = statistics.median(ra.app_cpu - rc.app_cpu
                                      for ra, rc in zip(c.runs, core.runs, strict=True))
            out.append((f"what {extra} alone adds to a turn: app CPU per request",
                        f"{added * 1e6:,.0f} us", ""))
    client = [c.peak.client_cpu / len(c.peak.latencies) * 1e6 for c in contenders]
    out.append(("load generator CPU per request (same order)",
                " / ".join(f"{us:.0f} us" for us in client), ""))
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--each-extra", action="store_true",
                        help="also measure verification, store and log one at a time")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds at peak")
    parser.add_argument("--seconds", type=float, default=1.0, help="seconds per round")
    args = parser.parse_args()
    for row in run(args.seconds, args.each_extra, args.rounds):
        print(" | ".join(row))
