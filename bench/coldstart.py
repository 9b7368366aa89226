"""Cold start: from starting the process to the first answered request, built-in packs.

Measured for gunicorn (one worker, verification on, the production settings) and for
``hamstring serve`` (Flask's development server), polling with a LaunchRequest every 2 ms;
and, inside one fresh interpreter, how long importing the skill and ``create_app`` take.
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import servers
from load import Connection, http_request
from servers import BIN, CONFIG, OUR_APP, ROOT, SKILL_ID, Signing

from skill.testing import envelope

RUNS = 3
BREAKDOWN = """
import json, time
start = time.perf_counter()
import skill
imported = time.perf_counter()
skill.create_app({"VERIFY_REQUESTS": False, "DATABASE_URL": "sqlite:///%s"})
print(json.dumps([imported - start, time.perf_counter() - imported]))
"""


def first_answer(command: list[str], env: dict[str, str], port: int, request: bytes) -> float:
    """Seconds from starting ``command`` to the first 200 answer to ``request``."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < 30:
            try:
                connection = Connection(port)
            except OSError:
                time.sleep(0.002)
                continue
            status, body = connection.exchange(request)
            connection.close()
            assert status == 200, body[:300]
            return time.perf_counter() - start
        raise RuntimeError(f"{command[0]} did not answer within 30 s")
    finally:
        process.terminate()
        process.wait(15)


def gunicorn_start(signing: Signing, folder: Path) -> float:
    port = servers.free_port()
    body = json.dumps(envelope(skill_id=SKILL_ID)).encode()
    env = {**signing.env(folder / "cold.db"), "PORT": str(port), "WEB_CONCURRENCY": "1"}
    return first_answer([str(BIN / "gunicorn"), "-c", str(CONFIG), OUR_APP], env, port,
                        http_request("/alexa", body, signing.chain.sign(body)))


def serve_start(folder: Path) -> float:
    port = servers.free_port()
    env = {"HAMSTRING_VERIFY_REQUESTS": "0", "HAMSTRING_DATABASE_URL": f"sqlite:///{folder}/s.db",
           "HAMSTRING_LOAD_PACKS": "stretching,strengthening,massage,recovery"}
    return first_answer([str(BIN / "hamstring"), "serve", "--port", str(port)], env, port,
                        http_request("/alexa", json.dumps(envelope()).encode()))


def breakdown(folder: Path) -> tuple[float, float]:
    """Seconds to import ``skill`` and to run ``create_app``, in a fresh interpreter."""
    env = {**os.environ, "HAMSTRING_LOAD_PACKS": "stretching,strengthening,massage,recovery"}
    out = subprocess.run([sys.executable, "-c", BREAKDOWN % (folder / "b.db")], cwd=ROOT,
                         env=env, capture_output=True, text=True, check=True).stdout
    imported, created = json.loads(out)
    return imported, created


def run() -> list[tuple[str, str, str]]:
    """Rows of (measure, result, target)."""
    # Started as a deployment starts: with the bytecode of the skill and its packs compiled
    # (the container image compiles it; PYTHONDONTWRITEBYTECODE may keep Python from it).
    for folder in ("skill", "packs"):
        compileall.compile_dir(ROOT / folder, quiet=1)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        signing = Signing(folder)
        guni = statistics.median(gunicorn_start(signing, folder) for _ in range(RUNS))
        serve = statistics.median(serve_start(folder) for _ in range(RUNS))
        parts = [breakdown(folder) for _ in range(RUNS)]
    imported = statistics.median(p[0] for p in parts)
    created = statistics.median(p[1] for p in parts)
    return [
        ("cold start: gunicorn, 1 worker, to first signed answer", f"{guni:.2f} s", "< 0.5 s"),
        ("cold start: hamstring serve, to first answer", f"{serve:.2f} s", "< 0.5 s"),
        ("  of which: import skill / create_app (built-in packs)",
         f"{imported:.2f} s / {created:.2f} s", ""),
    ]


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
