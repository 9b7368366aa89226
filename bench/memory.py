"""Memory per gunicorn worker, after a warm-up of real turns (from /proc).

RSS counts every page a worker maps; PSS splits shared pages between the processes that
share them, so the PSS of all workers adds up to what they really cost together.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

import servers
from load import saturate
from servers import OUR_APP, Signing
from turn import turn_streams

WARM_UP_SECONDS = 3.0


def kib(pid: int, field: str, source: str = "status") -> int:
    """A ``kB`` field of /proc/<pid>/status or smaps_rollup."""
    for line in Path(f"/proc/{pid}/{source}").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def run() -> list[tuple[str, str, str]]:
    """Rows of (measure, result, target)."""
    with tempfile.TemporaryDirectory() as folder:
        signing = Signing(Path(folder))
        with servers.start(OUR_APP, signing.env(Path(folder) / "m.db"), ready="/readyz") as s:
            warm = saturate(s.port, turn_streams(signing), WARM_UP_SECONDS)
            workers = s.workers()
            rss = [kib(pid, "VmRSS") for pid in workers]
            pss = [kib(pid, "Pss", "smaps_rollup") for pid in workers]
            master = kib(s.process.pid, "VmRSS")
    mib = 1024
    return [(f"memory per worker after {len(warm.latencies):,} turns ({len(workers)} workers)",
             f"RSS {statistics.median(rss) / mib:.0f} MiB, PSS {statistics.median(pss) / mib:.0f}"
             f" MiB (master RSS {master / mib:.0f} MiB)", "")]


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
