"""Console start-up: from starting ``hamstring console`` to the page and its first answer.

The console runs the skill in its own process on the built-in packs (SQLite, verification
off), as a developer starts it. Measured three times from a fresh process: until the page's
state answers, and until the first turn ("open hamstring coach") comes back.
"""

from __future__ import annotations

import compileall
import json
import os
import resource
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import servers
from servers import BIN, ROOT

RUNS = 3
BUILT_IN = "stretching,strengthening,massage,recovery"


def one_start(folder: Path) -> tuple[float, float, float]:
    """Seconds to the first answered ``/api/state`` and to the first answered turn, and the
    CPU seconds the console used in all (on a busy machine the wall time waits for cores)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    port = servers.free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "HAMSTRING_LOAD_PACKS": BUILT_IN}
    start = time.perf_counter()
    process = subprocess.Popen([str(BIN / "hamstring"), "console", "--port", str(port),
                                "--db", str(folder / "console.db")], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if time.perf_counter() - start > 30:
                raise RuntimeError("hamstring console did not answer within 30 s")
            try:
                with urllib.request.urlopen(url + "/api/state", timeout=5) as response:
                    response.read()
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.002)
        ready = time.perf_counter() - start
        body = json.dumps({"text": "open hamstring coach"}).encode()
        request = urllib.request.Request(url + "/api/say", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        first = time.perf_counter() - start
    finally:
        process.terminate()
        process.wait(15)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return ready, first, cpu


def run() -> list[tuple[str, str, str]]:
    """Rows of (measure, result, target)."""
    for folder in ("skill", "packs"):
        compileall.compile_dir(ROOT / folder, quiet=1)
    with tempfile.TemporaryDirectory() as name:
        starts = [one_start(Path(name)) for _ in range(RUNS)]
    ready = statistics.median(s[0] for s in starts)
    first = statistics.median(s[1] for s in starts)
    cpu = statistics.median(s[2] for s in starts)
    return [
        ("hamstring console (built-in packs): to the page's state", f"{ready:.2f} s", "< 1 s"),
        ("hamstring console: to the first answered turn (CPU used in all)",
         f"{first:.2f} s ({cpu:.2f} s)", ""),
    ]


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
