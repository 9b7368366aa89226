"""Pack scale: 1,000 generated packs of 10 routines each, installed as real distributions.

Measures finding, importing, validating and indexing them (target: under 2 s), in fresh
interpreters as a worker starts, each run next to a plain YAML parse of the same files in
the same process (with yaml-rs, the parser the loader itself uses; PyYAML's C loader takes
about ten times as long): the ratio says what the loader adds to reading the files. The
median of ``RUNS`` runs and of their paired ratios count. Then the cost of a routine turn
with 1,000 extra packs against the same turn with the built-in packs only (target: flat, a
ratio near 1.0).

    python bench/pack_scale.py [--packs 1000]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml_rs  # noqa: E402

from skill import create_app  # noqa: E402
from skill.plugins import load_packs  # noqa: E402
from skill.testing import AppDevice  # noqa: E402

BUILT_IN = ["stretching", "strengthening", "massage", "recovery"]
RUNS = 3
ROUTINE = """
  - id: r{n}-{pack}
    name: routine {words} {n}
    synonyms: [the {words} {n}]
    description: A generated routine.
    when: After a run.
    avoid: Stop at any sharp pain.
    equipment: [towel]
    tags: [static]
    steps:
      - {{title: Lying stretch, instruction: Lie back and lift one leg., kind: hold,
          sides: both, hold_seconds: 45, cues: [{{at: halfway, say: Breathe out.}}]}}
      - {{title: Bridges, instruction: Lift your hips slowly., kind: reps, reps: 10, sets: 2}}
      - {{title: Roll, instruction: Roll the back of the thigh., kind: rolling,
          hold_seconds: 60}}
      - {{title: Done, instruction: Stand up slowly., kind: instruction}}
"""
CODE = """from pathlib import Path
from skill import hookimpl


@hookimpl
def register_content():
    return [Path(__file__).with_name("content.yaml")]
"""


def words(n: int) -> str:
    """A unique speakable name for pack ``n`` (names may not hold digits alone)."""
    letters = "abcdefghij"
    return " ".join(letters[int(d)] for d in f"{n:04d}")


def generate(site: Path, count: int, routines: int = 10) -> list[str]:
    """Write ``count`` installed pack distributions into ``site``; their names."""
    names = []
    for n in range(count):
        name = f"gen{n:04d}"
        package = site / f"bench_pack_{name}"
        package.mkdir()
        (package / "__init__.py").write_text(CODE)
        body = "".join(ROUTINE.format(n=r, pack=name, words=words(n)) for r in range(routines))
        (package / "content.yaml").write_text(
            f'pack: {{id: {name}, name: Pack {n}, version: "1.0"}}\nroutines:{body}')
        info = site / f"bench_pack_{name}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: bench-pack-{name}\n"
                                       "Version: 1.0\n")
        (info / "entry_points.txt").write_text(
            f"[hamstring_coach.packs]\n{name} = bench_pack_{name}\n")
        names.append(name)
    compileall.compile_dir(site, quiet=1)  # as pip does when it installs a distribution
    return names


def device(load: list[str], db: Path) -> AppDevice:
    """A device in the middle of a routine on an app with ``load`` packs."""
    app = create_app({"VERIFY_REQUESTS": False, "LOAD_PACKS": load,
                      "DATABASE_URL": f"sqlite:///{db}"})
    talker = AppDevice(app)
    talker.say("StartRoutineIntent", routine="after run stretches")
    return talker


def next_turn(talker: AppDevice) -> float:
    """Seconds for one "next"; a finished routine is started again, untimed."""
    start = time.perf_counter()
    answer = talker.say("AMAZON.NextIntent")
    took = time.perf_counter() - start
    if answer.ends:
        talker.say("StartRoutineIntent", routine="after run stretches")
    return took


def turn_ratio(few: AppDevice, many: AppDevice, turns: int = 400) -> tuple[float, float]:
    """Median turn seconds of both, timed alternately so machine noise hits both alike."""
    a, b = [], []
    for _ in range(turns):
        a.append(next_turn(few))
        b.append(next_turn(many))
    return statistics.median(a), statistics.median(b)


def load_once(site: Path, names: list[str]) -> dict[str, float]:
    """In this (fresh) process: seconds to load every pack (and the CPU seconds it took,
    steadier on a busy machine), then to parse the same YAML files with yaml-rs; and the
    routines loaded."""
    sys.path.insert(0, str(site))
    start, cpu = time.perf_counter(), time.process_time()
    packs = load_packs([*BUILT_IN, *names])
    loaded, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert not packs.problems, packs.problems[:3]
    files = [site / f"bench_pack_{name}" / "content.yaml" for name in names]
    start = time.perf_counter()
    for path in files:
        yaml_rs.loads(path.read_text())
    parsed = time.perf_counter() - start
    return {"load": loaded, "cpu": cpu, "parse": parsed, "routines": len(packs.catalog.routines)}


def load_in_fresh_process(site: Path, names: list[str]) -> dict[str, float]:
    """``load_once`` in a new interpreter, as a worker starting with these packs installed."""
    done = subprocess.run([sys.executable, __file__, "--child", str(site), ",".join(names)],
                          capture_output=True, text=True, check=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(done.stdout)


def measure(count: int = 1000) -> list[tuple[str, str, str]]:
    """Rows of (measure, result, target)."""
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        site.mkdir()
        names = generate(site, count)
        runs = [load_in_fresh_process(site, names) for _ in range(RUNS)]
        sys.path.insert(0, str(site))
        try:
            few, many = turn_ratio(device(BUILT_IN, Path(folder) / "few.db"),
                                   device([*BUILT_IN, *names], Path(folder) / "many.db"))
        finally:
            sys.path.remove(str(site))
    load = statistics.median(run["load"] for run in runs)
    ratio = statistics.median(run["load"] / run["parse"] for run in runs)
    spread = f"{min(r['load'] for r in runs):.2f} to {max(r['load'] for r in runs):.2f} s"
    return [
        (f"load and validate {count} packs ({runs[0]['routines']} routines), fresh process",
         f"{load:.2f} s (median of {RUNS}: {spread}; CPU "
         f"{statistics.median(run['cpu'] for run in runs):.2f} s)", "< 2 s"),
        ("  plain YAML parse of the same files (yaml-rs), in the same runs",
         f"{statistics.median(r['parse'] for r in runs):.2f} s", ""),
        ("  loading / plain parse (median of the paired ratios)", f"{ratio:.1f}x", ""),
        (f"routine turn, {count} extra packs vs built-ins only",
         f"{many / few:.2f}x ({many * 1000:.2f} ms vs {few * 1000:.2f} ms)", "about 1.0x"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packs", type=int, default=1000)
    parser.add_argument("--child", nargs=2, metavar=("SITE", "NAMES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(load_once(Path(args.child[0]), args.child[1].split(","))))
        return
    for row in measure(args.packs):
        print(" | ".join(row))


if __name__ == "__main__":
    main()
