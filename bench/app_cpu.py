"""CPU time spent inside the WSGI app, as opposed to in gunicorn around it.

``timed("module:factory")`` is an app factory for gunicorn that wraps another one::

    gunicorn ... "bench.app_cpu:timed('bench.baselines:bare_app')"

Each worker adds the thread CPU time of every call into its app to a small file of its own
in ``$BENCH_APP_CPU_DIR``, through ``mmap`` so that counting costs no system call.
``Counter(folder)`` reads the sum over all workers.
"""

from __future__ import annotations

import importlib
import mmap
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

SLOTS = 2  # requests, CPU seconds (as doubles)


def timed(factory: str) -> Callable:
    """The app ``factory`` ("module:function") builds, counting its CPU time per call."""
    module, _, name = factory.partition(":")
    app = getattr(importlib.import_module(module), name)()
    path = Path(os.environ["BENCH_APP_CPU_DIR"]) / str(os.getpid())
    path.write_bytes(bytes(8 * SLOTS))
    with path.open("r+b") as handle:
        counts = memoryview(mmap.mmap(handle.fileno(), 8 * SLOTS)).cast("d")

    def counted(environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.thread_time()
        try:
            return app(environ, start_response)
        finally:
            counts[0] += 1
            counts[1] += time.thread_time() - started

    return counted


class Counter:
    """Reads what the workers of one server counted in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict[str, str]:
        """The setting that tells ``timed`` where to count."""
        return {"BENCH_APP_CPU_DIR": str(self.folder)}

    def totals(self) -> tuple[float, float]:
        """Requests answered and CPU seconds spent in the app, over all workers so far."""
        requests = seconds = 0.0
        for path in self.folder.iterdir():
            data = memoryview(path.read_bytes()).cast("d")
            requests += data[0]
            seconds += data[1]
        return requests, seconds


def per_request(before: tuple[float, float], after: tuple[float, float]) -> float:
    """CPU seconds per request between two readings of ``Counter.totals``."""
    return (after[1] - before[1]) / max(after[0] - before[0], 1)
