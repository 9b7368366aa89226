"""Where one turn's time goes, in process: each stage timed alone, then cProfile's top entries.

The turn is the one ``turn.py`` serves through gunicorn (a signed mid-routine "next" with a
SQLite write), handed straight to the Flask app as a WSGI call, so no HTTP is involved.

    python bench/profile_turn.py [--top 25]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import logging
import os
import pstats
import sys
import tempfile
import timeit
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import orjson
import servers  # noqa: F401 - puts the repository on sys.path
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from baselines import bare_app, floor_app, sdk_app, standard_app
from turn import next_turn
from werkzeug.test import EnvironBuilder

from skill import create_app
from skill.envelopes import read_envelope, to_json
from skill.handlers import build_skill
from skill.logs import REQUEST_LOGGER, JsonFormatter
from skill.testing import envelope
from skill.turn import Turn
from skill.verify import RequestVerifier, parse_envelope
from tests.support.alexa_ca import AlexaTestChain

Stage = tuple[str, Callable[[], object]]


def per_call(function: Callable[[], object], seconds: float = 0.5) -> float:
    """Microseconds per call: the best of five runs of about ``seconds`` / 5 each."""
    function()
    number = max(1, int(seconds / 5 / max(timeit.timeit(function, number=1), 1e-6)))
    return min(timeit.repeat(function, number=number, repeat=5)) / number * 1e6


def wsgi_call(app: Callable, environ: dict, body: bytes) -> None:
    """One POST handed straight to a WSGI app; it must answer 200."""
    environ = dict(environ)
    environ["wsgi.input"] = io.BytesIO(body)
    status = []
    b"".join(app(environ, lambda s, h, e=None: status.append(s)))
    assert status == ["200 OK"], status


class TurnLab:
    """The app and every piece of one turn, ready to be called over and over."""

    def __init__(self, folder: Path) -> None:
        self.chain = AlexaTestChain()
        self.app = create_app({
            "SKILL_ID": servers.SKILL_ID, "TRUSTED_ROOTS": self.chain.roots_pem,
            "CERT_FETCHER": self.chain.fetch, "DATABASE_URL": f"sqlite:///{folder / 't.db'}",
            "LOAD_PACKS": "stretching,strengthening,massage,recovery"})
        self.service = self.app.extensions["hamstring"]["service"]
        assert not self.service.packs.problems, self.service.packs.problems
        self.bodies = [json.dumps(next_turn("amzn1.ask.account.profile", p)).encode()
                       for p in (2, 3)]
        self.environs = [EnvironBuilder(path="/alexa", method="POST", data=body,
                                        headers=self.chain.sign(body)).get_environ()
                         for body in self.bodies]
        self.calls = 0
        self.envelope = parse_envelope(self.bodies[0])
        self.request_envelope = read_envelope(self.envelope)
        self.response = self.service.skill.invoke(request_envelope=self.request_envelope,
                                                  context=None)
        speech = self.response.response.output_speech.ssml
        assert "Say next" in speech, speech  # a routine step, not "nothing is running"

    def wsgi_turn(self) -> None:
        """One whole turn through Flask, alternating positions so that every turn writes."""
        wsgi_call(self.app, self.environs[self.calls % 2], self.bodies[self.calls % 2])
        self.calls += 1

    def stages(self, folder: Path) -> list[Stage]:
        """The parts of a turn, each callable alone, then the baselines."""
        service, body, env = self.service, self.bodies[0], self.envelope
        headers = self.chain.sign(body)
        verifier = RequestVerifier(servers.SKILL_ID, self.chain.roots_pem, self.chain.fetch)
        bare_skill = build_skill(service.coach, None)
        player = {"routine": "after-run-stretches", "position": 2}
        store, request_envelope = service.store, self.request_envelope
        positions = itertools.count()  # a new value each time, so that every write commits
        serializer = DefaultSerializer()
        record = logging.LogRecord(REQUEST_LOGGER, logging.INFO, __file__, 1, "request ok", (),
                                   None)
        record.fields = {"request_id": "amzn1.echo-api.request.x", "request_type": "x",
                         "intent": "AMAZON.NextIntent", "locale": "en-US",
                         "latency_ms": 1.234, "outcome": "ok"}
        return [
            ("whole turn through Flask (WSGI call)", self.wsgi_turn),
            ("  parse and check the JSON envelope", lambda: parse_envelope(body)),
            ("  verify signature, timestamp, skill id", lambda: verifier.verify(headers, body,
                                                                                 env)),
            ("  read the envelope into SDK objects", lambda: read_envelope(env)),
            ("  ask-sdk dispatch, Coach.next, response (no store)",
             lambda: bare_skill.invoke(request_envelope=request_envelope, context=None)),
            ("    of which Coach.next", lambda: service.coach.next(
                Turn(session={"player": dict(player)}))),
            ("  store update (the new position; a turn reads nothing)",
             lambda: store.update_attributes(
                 request_envelope, {"player": {**player, "position": next(positions) % 7}})),
            ("  write the response as JSON", lambda: orjson.dumps(to_json(self.response))),
            ("  the request's JSON log line", lambda: JsonFormatter().format(record)),
            ("for comparison: the SDK's DefaultSerializer.deserialize",
             lambda: serializer.deserialize(payload=body.decode(), obj_type=RequestEnvelope)),
            ("for comparison: the SDK's DefaultSerializer.serialize",
             lambda: serializer.serialize(self.response)),
            *baseline_calls(self, folder),
        ]


def baseline_calls(lab: TurnLab, folder: Path) -> list[Stage]:
    """The baselines of ``turn.py``, each handed one request as a WSGI call: the standard SDK
    way and the floor get our signed turn, the minimal SDK skill a LaunchRequest."""
    answer = orjson.dumps(to_json(lab.response))
    response = lab.response.response
    (folder / "chain.pem").write_bytes(lab.chain.chain_pem)
    (folder / "roots.pem").write_bytes(lab.chain.roots_pem)
    settings = {"HAMSTRING_TEST_CHAIN": str(folder / "chain.pem"),
                "HAMSTRING_TRUSTED_ROOTS": str(folder / "roots.pem"),
                "HAMSTRING_SKILL_ID": servers.SKILL_ID, "BENCH_BODY_BYTES": str(len(answer)),
                "BENCH_SPEECH": response.output_speech.ssml,
                "BENCH_REPROMPT": response.reprompt.output_speech.ssml}
    # The factories read their settings from the environment, as under gunicorn; the
    # benchmarks run after this one must not see them.
    with mock.patch.dict(os.environ, {
            **settings, "HAMSTRING_DATABASE_URL": f"sqlite:///{folder / 'standard.db'}"}):
        standard = standard_app()
    with mock.patch.dict(os.environ, {
            **settings, "HAMSTRING_DATABASE_URL": f"sqlite:///{folder / 'floor.db'}"}):
        floor = floor_app()
    launch = json.dumps(envelope(skill_id=servers.SKILL_ID)).encode()
    launch_environ = EnvironBuilder(path="/alexa", method="POST", data=launch).get_environ()
    sdk, bare = sdk_app(), bare_app()
    turns = itertools.cycle(zip(lab.environs, lab.bodies, strict=True))
    return [
        ("for comparison: the standard SDK way, whole WSGI call",
         lambda: wsgi_call(standard, *next(turns))),
        ("for comparison: the floor, whole WSGI call", lambda: wsgi_call(floor, *next(turns))),
        ("for comparison: minimal SDK skill, whole WSGI call",
         lambda: wsgi_call(sdk, launch_environ, launch)),
        ("for comparison: bare Flask view, whole WSGI call",
         lambda: wsgi_call(bare, launch_environ, launch)),
    ]


def run(seconds: float = 0.5) -> list[tuple[str, str, str]]:
    """Rows of (stage, microseconds per call, "")."""
    with tempfile.TemporaryDirectory() as folder:
        lab = TurnLab(Path(folder))
        return [(name, f"{per_call(function, seconds):,.0f} us", "")
                for name, function in lab.stages(Path(folder))]


def profile(top: int) -> str:
    """cProfile of 2,000 whole turns, the ``top`` entries by own time."""
    with tempfile.TemporaryDirectory() as folder:
        lab = TurnLab(Path(folder))
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(2000):
            lab.wsgi_turn()
        profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    for row in run():
        print(f"{row[0]:55s} {row[1]:>10s}")
    print(profile(args.top))


if __name__ == "__main__":
    sys.exit(main())
