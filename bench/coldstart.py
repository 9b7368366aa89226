"""Cold start: from starting the process to the first answered request, built-in packs.

Measured for gunicorn (one worker, verification on, the production settings) and for
``hamstring serve`` (Flask's development server), polling with a LaunchRequest every 2 ms.
Then, inside fresh interpreters, where that time goes: importing, ``create_app`` and the
first signed answer; and, from ``python -X importtime``, which stacks the imports load.
"""

from __future__ import annotations

import collections
import compileall
import json
import os
import re
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
# What a gunicorn worker does, in three timed parts; the signed request comes from a file so
# that signing it loads nothing here.
BREAKDOWN = """
import io, json, sys, time
start = time.perf_counter()
import skill.app  # what infra/gunicorn.conf.py imports before it forks
from tests.support import gunicorn_app
imported = time.perf_counter()
app = gunicorn_app.create_app()
created = time.perf_counter()
body, headers = json.load(open(sys.argv[1]))
environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/alexa", "SERVER_NAME": "127.0.0.1",
           "SERVER_PORT": "80", "wsgi.url_scheme": "http", "CONTENT_TYPE": "application/json",
           "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body.encode())}
environ.update(("HTTP_" + k.upper().replace("-", "_"), v) for k, v in headers.items())
status = []
b"".join(app(environ, lambda s, h, e=None: status.append(s)))
assert status == ["200 OK"], status
print(json.dumps([imported - start, created - imported, time.perf_counter() - created,
                  time.process_time()]))
"""
# Top-level packages by stack, for the import-time rows; anything else is "the rest".
STACKS = {
    "web (Flask, werkzeug, jinja2, click)": {"flask", "werkzeug", "jinja2", "click",
                                             "itsdangerous", "markupsafe", "blinker"},
    "ask-sdk": {"ask_sdk_core", "ask_sdk_model", "ask_sdk_runtime", "dateutil", "six"},
    "cryptography": {"cryptography", "_cffi_backend", "certifi"},
    "packs (pluggy, YAML, schema)": {"pluggy", "yaml_rs", "jsonschema_rs"},
    "the skill and its packs": {"skill", "packs", "tests"},
}
_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|\s*([\w.]+)")


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


def signed_launch(signing: Signing, folder: Path) -> Path:
    """A file holding a signed LaunchRequest's body and headers."""
    body = json.dumps(envelope(skill_id=SKILL_ID))
    path = folder / "launch.json"
    path.write_text(json.dumps([body, signing.chain.sign(body.encode())]))
    return path


def breakdown(signing: Signing, folder: Path, request: Path,
              importtime: bool = False) -> tuple[list[float], str]:
    """Seconds to import, to ``create_app`` and to answer the first signed request, in a
    fresh interpreter, then the CPU seconds it used in all; and its ``-X importtime``
    report when asked for."""
    env = {**os.environ, **signing.env(folder / "b.db")}
    flags = ["-X", "importtime"] if importtime else []
    done = subprocess.run([sys.executable, *flags, "-c", BREAKDOWN, str(request)], cwd=ROOT,
                          env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout), done.stderr


def by_stack(report: str) -> dict[str, float]:
    """Seconds of import time (each module's own) per stack, from a ``-X importtime`` report."""
    totals: collections.Counter[str] = collections.Counter()
    for match in _IMPORT_LINE.finditer(report):
        top = match.group(2).split(".")[0]
        stack = next((name for name, tops in STACKS.items() if top in tops),
                     "standard library and the rest")
        totals[stack] += int(match.group(1)) / 1e6
    return dict(totals)


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
        request = signed_launch(signing, folder)
        parts = [breakdown(signing, folder, request)[0] for _ in range(RUNS)]
        stacks = [by_stack(breakdown(signing, folder, request, importtime=True)[1])
                  for _ in range(RUNS)]
    imported, created, answered, cpu = (statistics.median(p[i] for p in parts)
                                        for i in range(4))
    stack_ms = {name: statistics.median(s.get(name, 0.0) for s in stacks) * 1000
                for name in [*STACKS, "standard library and the rest"]}
    return [
        ("cold start: gunicorn, 1 worker, to first signed answer", f"{guni:.2f} s", "< 0.5 s"),
        ("cold start: hamstring serve (no verification), to first answer", f"{serve:.2f} s",
         "< 0.5 s"),
        ("  a worker's part: imports / create_app (built-in packs) / first signed answer",
         f"{imported:.2f} s / {created:.2f} s / {answered:.2f} s (CPU from the interpreter's "
         f"start: {cpu:.2f} s, steadier on a busy machine)", ""),
        ("  import time by stack (python -X importtime, which adds its own overhead)",
         ", ".join(f"{name} {ms:.0f} ms" for name, ms in stack_ms.items()), ""),
    ]


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
