"""Run every benchmark and print one table (Markdown), for the README's "Benchmarks" section.

    .venv/bin/python bench/run.py [--quick]

Everything runs on 127.0.0.1 and stops by itself: each load phase is bounded in time. Other
busy processes on the machine skew the numbers, so the table says how loaded it was.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

import coldstart
import console_start
import memory
import pack_scale
import profile_turn
import servers  # noqa: F401 - the repository on sys.path (each module imports it first)
import soak
import turn

Row = tuple[str, str, str]


def benchmarks(quick: bool) -> list[tuple[str, Callable[[], list[Row]]]]:
    """(section title, function returning rows) for each benchmark, in the order run."""
    seconds = 0.5 if quick else 1.0
    return [
        ("Turn throughput and latency (gunicorn, 127.0.0.1)", lambda: turn.run(seconds)),
        ("Where a turn's time goes (hot loop in one process, no HTTP)", profile_turn.run),
        ("Cold start", coldstart.run),
        ("Console start", console_start.run),
        ("Memory", memory.run),
        ("Pack scale", pack_scale.measure),
        ("Soak (mixed sessions and hostile requests, gunicorn, 127.0.0.1)",
         lambda: soak.run(30 if quick else 120)),
    ]


def machine() -> str:
    """Cores, and the load average before the run started."""
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} cores, load average {load:.2f} at the start"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter load phases")
    args = parser.parse_args()
    started = time.monotonic()
    print(f"Python {sys.version.split()[0]}, {machine()}\n")
    print("| benchmark | result | target |\n| --- | --- | --- |")
    for title, run in benchmarks(args.quick):
        print(f"| **{title}** | | |", flush=True)
        for name, result, target in run():
            print(f"| {name} | {result} | {target} |", flush=True)
    print(f"\n(took {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
