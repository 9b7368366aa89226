"""``hamstring packs``: list the installed packs, check packs, scaffold a new one."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from skill.content import load_pack
from skill.plugins import installed_packs


def list_packs(args: argparse.Namespace) -> int:
    """Each pack with its distribution, version, routines and hooks."""
    packs = installed_packs()
    rows = [{
        "name": record.name,
        "distribution": record.distribution,
        "version": record.info.version if record.info else record.version,
        "title": record.info.name if record.info else "",
        "routines": record.routines,
        "hooks": record.hooks,
        "ok": record.ok,
    } for record in packs.records.values()]
    if args.json:
        print(json.dumps({"packs": rows, "problems": [str(p) for p in packs.problems]},
                         indent=2))
        return 0
    for row in rows:
        status = "" if row["ok"] else "  [NOT LOADED]"
        print(f"{row['name']} {row['version']} ({row['distribution'] or 'not a distribution'})"
              f"{status}")
        print(f"  routines: {', '.join(row['routines']) or '-'}")
        print(f"  hooks:    {', '.join(row['hooks']) or '-'}")
    for problem in packs.problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 0


def check_packs(args: argparse.Namespace) -> int:
    """Validate one pack folder, or every installed pack; exit 1 listing every error."""
    if args.path:
        folder = Path(args.path)
        files = sorted([*folder.rglob("*.yaml"), *folder.rglob("*.yml")]) if folder.is_dir() \
            else [folder]
        problems = load_pack(files, folder.name).problems if files else []
        if not files:
            print(f"{folder}: no YAML files found", file=sys.stderr)
            return 1
        label = str(folder)
    else:
        packs = installed_packs()
        problems = packs.problems
        label = f"{len(packs.records)} installed packs"
    for problem in problems:
        print(problem)
    if problems:
        print(f"{label}: {len(problems)} problem{'s' if len(problems) > 1 else ''}",
              file=sys.stderr)
        return 1
    print(f"{label}: ok")
    return 0


def new_pack(args: argparse.Namespace) -> int:
    """Write an installable third-party pack with one routine and a test."""
    name = args.name.lower()
    if not re.fullmatch(r"[a-z][a-z0-9-]{1,40}", name):
        print("a pack name is lower-case letters, digits and dashes, like 'calf-care'",
              file=sys.stderr)
        return 2
    module = "hamstring_pack_" + name.replace("-", "_")
    target = Path(args.dir) / f"hamstring-pack-{name}"
    if target.exists():
        print(f"{target} already exists", file=sys.stderr)
        return 1
    values = {"name": name, "module": module, "title": name.replace("-", " ")}
    for relative, template in TEMPLATES.items():
        path = target / relative.format(**values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**values))
    print(f"created {target}\nnext: pip install -e {target} && pytest {target}")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``packs list``, ``packs check`` and ``packs new``."""
    packs = commands.add_parser("packs", help="list, check and create content packs")
    sub = packs.add_subparsers(dest="packs_command", required=True)
    listing = sub.add_parser("list", help="installed packs with their routines and hooks")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(func=list_packs)
    check = sub.add_parser("check", help="validate a pack folder, or all installed packs")
    check.add_argument("path", nargs="?", help="a pack folder or YAML file")
    check.set_defaults(func=check_packs)
    new = sub.add_parser("new", help="scaffold an installable third-party pack")
    new.add_argument("name", help="the pack's name, like calf-care")
    new.add_argument("--dir", default=".", help="where to create it")
    new.set_defaults(func=new_pack)


TEMPLATES = {
    "pyproject.toml": '''[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "hamstring-pack-{name}"
version = "0.1.0"
description = "A Hamstring Coach content pack."
requires-python = ">=3.11"
dependencies = ["hamstring-coach"]

[project.entry-points."hamstring_coach.packs"]
{name} = "{module}"

[tool.setuptools.package-data]
{module} = ["*.yaml"]
''',
    "{module}/__init__.py": '''"""The {title} pack for Hamstring Coach."""

from pathlib import Path

from skill import hookimpl


@hookimpl
def register_content() -> list[Path]:
    """This pack's content file."""
    return [Path(__file__).with_name("{module}.yaml")]
''',
    "{module}/{module}.yaml": '''# Check it with: hamstring packs check .
pack:
  id: {name}
  name: {title}
  version: "0.1.0"
  description: One example routine; make it yours.
  author: You
  locales: [en-US, en-GB, en-CA, en-AU, en-IN]

routines:
  - id: {name}-routine
    name: {title} routine
    synonyms: [{title}]
    description: A short example routine.
    when: After a run, when your legs are warm.
    avoid: Skip it before a run, and stop if anything gives you a sharp pain.
    equipment: [towel]
    tags: [static, post-run]
    steps:
      - title: Lying hamstring stretch
        instruction: Lie on your back, loop the towel round one foot and ease that leg up.
        kind: hold
        sides: both
        hold_seconds: 30
        cues:
          - at: halfway
            say: Breathe out slowly.
      - title: Bridges
        instruction: Bend your knees, feet flat, and lift your hips, then lower slowly.
        kind: reps
        reps: 8
''',
    "tests/test_{module}.py": '''"""Discovered, valid, and the routine plays start to finish."""

from skill import create_app
from skill.plugins import load_packs
from skill.testing import AppDevice


def test_the_pack_is_discovered_and_valid():
    packs = load_packs(["{name}"])
    assert not packs.problems, packs.problems
    assert "{name}-routine" in packs.catalog.routines


def test_the_routine_plays_start_to_finish(tmp_path):
    app = create_app({{"VERIFY_REQUESTS": False, "LOAD_PACKS": "{name}",
                      "DATABASE_URL": f"sqlite:///{{tmp_path / 'test.db'}}"}})
    device = AppDevice(app)
    answer = device.say("StartRoutineIntent", routine="{title} routine")
    spoken = [answer]
    while not answer.ends:
        answer = device.say("AMAZON.NextIntent")
        spoken.append(answer)
    assert all(not a.problems for a in spoken), [a.problems for a in spoken]
    assert "Say next when you're in position" in spoken[0].text  # then the first step
    assert "Lying hamstring stretch" in spoken[1].text
    assert "end of the {title} routine" in spoken[-1].text
''',
}
