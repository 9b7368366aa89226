"""Reading and validating pack YAML files.

Validation uses the JSON Schema in ``pack.schema.json`` (published for editors)
plus the rules a schema cannot say. Every error is reported at once as
``file:line:column path: reason``.

Loading a thousand packs has to stay under two seconds, so the common case is
fast: yaml-rs parses and jsonschema-rs says "valid". Only a file with errors
takes the slow path in ``skill.explain``: jsonschema lists every error and
PyYAML's node tree gives each one its line and column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml_rs

from skill.catalog import AdviceRule, PackInfo, ProductTip, Topic
from skill.engine import Cue, Routine, Step, Text

SCHEMA_PATH = Path(__file__).with_name("pack.schema.json")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pack, located as precisely as possible."""

    file: str
    line: int
    column: int
    path: str
    reason: str
    pack: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        return f"{where} {self.path}: {self.reason}" if self.path else f"{where}: {self.reason}"


@dataclass
class PackContent:
    """Everything one pack's YAML files hold, validated and converted."""

    info: PackInfo | None = None
    routines: list[Routine] = field(default_factory=list)
    advice: list[AdviceRule] = field(default_factory=list)
    products: list[ProductTip] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    words: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def format_path(parts) -> str:
    """``['routines', 2, 'steps', 0, 'hold_seconds']`` as ``routines[2].steps[0].hold_seconds``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@cache
def schema() -> dict:
    """The pack format as JSON Schema."""
    return json.loads(SCHEMA_PATH.read_text())


@cache
def fast_validator():
    """A compiled validator that only answers valid or not."""
    return jsonschema_rs.validator_for(schema())


def read(path: Path, pack: str = "") -> tuple[Any, list[Problem]]:
    """Parse and schema-check one file: the data, and its problems."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml_rs.loads(text)
    except OSError as error:
        return None, [Problem(str(path), 0, 0, "", f"cannot read file: {error.strerror}", pack)]
    except UnicodeDecodeError:
        return None, [Problem(name, 0, 0, "", "file is not UTF-8 text", pack)]
    except yaml_rs.YAMLDecodeError as error:
        return None, [explain().syntax_problem(text, name, pack, error)]
    data = {} if data is None else data
    if fast_validator().is_valid(data):
        return data, []
    return data, explain().schema_problems(text, data, name, pack)


def explain():
    """The slow path that locates and explains problems, imported only when there are some."""
    from skill import explain

    return explain


def _text(value: Any) -> Text:
    return Text.of(value) if value else Text("")


def _cue_at(at: Any, seconds: int) -> float:
    if at == "halfway":
        return seconds / 2
    return float(at) if at >= 0 else seconds + float(at)


def build_step(data: dict) -> Step:
    """A ``Step`` from a validated YAML mapping."""
    seconds = int(data.get("hold_seconds", 0))
    return Step(
        title=_text(data["title"]),
        instruction=_text(data["instruction"]),
        card=_text(data.get("card")),
        kind=data["kind"],
        sides=data.get("sides", "one"),
        seconds=seconds,
        reps=int(data.get("reps", 0)),
        sets=int(data.get("sets", 1)),
        rep_seconds=float(data.get("rep_seconds", 3)),
        cues=tuple(Cue(_cue_at(c["at"], seconds), _text(c["say"])) for c in data.get("cues", ())),
        equipment=tuple(data.get("equipment", ())),
        easier=Text.of(data["easier"]) if "easier" in data else None,
        harder=Text.of(data["harder"]) if "harder" in data else None,
    )


def build_routine(data: dict, pack: str) -> Routine:
    """A ``Routine`` from a validated YAML mapping; its steps are built on first use."""
    equipment = list(data.get("equipment", ()))
    for step in data["steps"]:
        equipment += [e for e in step.get("equipment", ()) if e not in equipment]
    return Routine(
        id=data["id"], name=Text(data["name"]),
        step_source=lambda: tuple(build_step(s) for s in data["steps"]),
        synonyms=tuple(data.get("synonyms", ())), description=_text(data.get("description")),
        when=_text(data["when"]), avoid=_text(data["avoid"]), equipment=tuple(equipment),
        tags=tuple(data.get("tags", ())), pack=pack,
    )


def _semantic_problems(data: dict, name: str, pack: str) -> list[tuple[list, str]]:
    """Rules the schema cannot express, as ``(path, reason)``."""
    found = []
    seen: dict[str, int] = {}
    for r, routine in enumerate(data.get("routines") or ()):
        if routine["id"] in seen:
            found.append((["routines", r, "id"],
                          f"routine id {routine['id']!r} is used twice in this pack"))
        seen[routine["id"]] = r
        for s, step in enumerate(routine["steps"]):
            seconds = step.get("hold_seconds", 0)
            for c, cue in enumerate(step.get("cues", ())):
                at = cue["at"]
                if at != "halfway" and not (0 < _cue_at(at, seconds) < seconds):
                    found.append((["routines", r, "steps", s, "cues", c, "at"],
                                  f"cue at {at} falls outside the {seconds} second hold"))
            if step["kind"] == "reps" and step["reps"] * step.get("rep_seconds", 3) > 90:
                found.append((["routines", r, "steps", s, "reps"],
                              "a set of reps must take at most 90 seconds"))
    return found


def load_pack(paths: list[Path], pack: str) -> PackContent:
    """Read, validate and convert one pack's files; ``problems`` lists all errors."""
    content = PackContent()
    for path in paths:
        path = Path(path)
        data, problems = read(path, pack)
        content.problems += problems
        if data is None or problems:
            continue
        semantic = _semantic_problems(data, path.name, pack)
        if semantic:
            text = path.read_text(encoding="utf-8")
            content.problems += explain().located(text, path.name, pack, semantic)
            continue
        if "pack" in data:
            meta = data["pack"]
            if content.info is not None:
                content.problems.append(Problem(path.name, 1, 1, "pack",
                                                "a second pack block; only one file has it", pack))
            content.info = PackInfo(
                id=meta["id"], name=meta["name"], version=meta["version"],
                description=meta.get("description", ""), author=meta.get("author", ""),
                locales=tuple(meta.get("locales", ())))
        content.routines += [build_routine(r, pack) for r in data.get("routines") or ()]
        content.advice += [
            AdviceRule(id=a["id"], say=_text(a["say"]), symptoms=tuple(a.get("symptoms", ())),
                       timings=tuple(a.get("timings", ())),
                       stretches_a_lot=a.get("stretches_a_lot"), recurring=a.get("recurring"),
                       routine=a.get("routine"), product=a.get("product"),
                       priority=a.get("priority", 50), pack=pack)
            for a in data.get("advice") or ()]
        content.products += [
            ProductTip(id=p["id"], name=Text(p["name"]), what=_text(p["what"]),
                       when=_text(p["when"]), how=_text(p["how"]), avoid=_text(p["avoid"]),
                       synonyms=tuple(p.get("synonyms", ())), pack=pack)
            for p in data.get("products") or ()]
        content.topics += [
            Topic(id=t["id"], questions=tuple(t["questions"]), say=_text(t["say"]),
                  routine=t.get("routine"), product=t.get("product"), pack=pack)
            for t in data.get("topics") or ()]
        for slot_type, values in (data.get("words") or {}).items():
            content.words.setdefault(slot_type, {}).update(values)
    if content.info is None and not content.problems:
        content.problems.append(Problem(", ".join(Path(p).name for p in paths) or pack, 0, 0,
                                        "pack", "no file has the pack block (id, name, version)",
                                        pack))
    return content
