"""Packs: discovery, control, isolation of broken packs, validation messages, the CLI."""

from __future__ import annotations

import json
import logging
import re
import textwrap
import uuid
from pathlib import Path

import pytest

from skill import hookspecs
from skill.cli import main as cli
from skill.content import load_pack
from skill.plugins import load_packs
from tests.support.client import DemoPack, FilePack, LiveServer, SkillClient, make_app

BUILT_IN = ["massage", "recovery", "strengthening", "stretching"]
ROOT = Path(__file__).parent.parent
DEMO = (ROOT / "tests" / "data" / "demo.yaml").read_text()


def install(site: Path, name: str, code: str, yaml_text: str | None = None) -> None:
    """Make an installed distribution in ``site``: a module and a dist-info with the entry
    point, exactly what pip leaves behind."""
    module = f"fake_pack_{name.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    package = site / module
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(code))
    if yaml_text is not None:
        (package / "content.yaml").write_text(yaml_text)
    info = site / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[hamstring_coach.packs]\n{name} = {module}\n")


YAML_PACK = """
    from pathlib import Path
    from skill import hookimpl

    @hookimpl
    def register_content():
        return [Path(__file__).with_name("content.yaml")]
"""


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A folder on sys.path where test distributions get installed."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


def names(packs) -> list[str]:
    return sorted(name for name, record in packs.records.items() if record.ok)


# -- discovery and control ---------------------------------------------------------


def test_built_in_packs_are_found_through_entry_points():
    packs = load_packs()
    assert set(BUILT_IN) <= set(names(packs))
    assert all(packs.records[name].distribution == "hamstring-coach" for name in BUILT_IN)
    assert not [p for p in packs.problems if p.pack in BUILT_IN]


def test_load_packs_and_disable_packs_choose_what_loads():
    assert names(load_packs(["stretching", "massage"])) == ["massage", "stretching"]
    assert names(load_packs([])) == []
    assert names(load_packs(None, ["recovery"])) == ["massage", "strengthening", "stretching"]


def test_a_named_pack_that_is_not_installed_is_reported():
    packs = load_packs(["stretching", "nope"])
    assert any(p.pack == "nope" and "no installed pack" in p.reason for p in packs.problems)


def test_settings_pick_packs_from_the_environment(monkeypatch, tmp_path, chain):
    monkeypatch.setenv("HAMSTRING_LOAD_PACKS", "massage")
    monkeypatch.setenv("HAMSTRING_DISABLE_PACKS", "")
    app = make_app(tmp_path, chain)
    assert set(app.extensions["hamstring"]["packs"].catalog.packs) == {"massage"}


def test_a_third_party_pack_does_not_leak_into_the_test_run(site, tmp_path, chain):
    install(site, "extra", YAML_PACK, DEMO)
    app = make_app(tmp_path, chain)  # the test run's HAMSTRING_LOAD_PACKS: built-ins only
    assert "extra" not in app.extensions["hamstring"]["packs"].records
    assert "extra" in names(load_packs(["extra"]))


# -- isolation -------------------------------------------------------------------------


@pytest.mark.parametrize("code, hook, reason", [
    ("raise ImportError('missing dependency')", "import", "failed to import: ImportError"),
    ("""
        from skill import hookimpl

        @hookimpl
        def register_content():
            return "content.yaml"
     """, "register_content", "did not return a list of file paths"),
    ("""
        from skill import hookimpl

        @hookimpl
        def register_content():
            raise RuntimeError("boom")
     """, "register_content", "raised RuntimeError: boom"),
    ("""
        from skill import hookimpl

        @hookimpl
        def register_content(colour):
            return []
     """, "register", "colour"),
    ("""
        from skill import hookimpl

        @hookimpl
        def register_product_tips():
            return [{"id": "not-a-tip"}]
     """, "register_product_tips", "did not return a list of ProductTip"),
])
def test_a_broken_pack_is_reported_and_the_others_still_load(site, code, hook, reason):
    install(site, "broken", code)
    packs = load_packs(["broken", "stretching"])
    problem = next(p for p in packs.problems if p.pack == "broken")
    assert problem.path == hook and reason in problem.reason
    assert "after-run-stretches" in packs.catalog.routines


def test_a_pack_with_invalid_yaml_is_left_out_with_file_and_line(site, caplog):
    install(site, "typo", YAML_PACK, DEMO.replace("hold_seconds: 30", "hold_secs: 30"))
    with caplog.at_level(logging.WARNING):
        packs = load_packs(["typo", "massage"])
    assert not packs.records["typo"].ok
    assert "demo-routine" not in packs.catalog.routines
    assert "foam-roller-release" in packs.catalog.routines
    assert re.search(r"content\.yaml:\d+:\d+ routines\[0\]\.steps\[0\]\.hold_secs: unknown key",
                     caplog.text)


class Exploding:
    """A pack whose hooks raise while the user is talking."""

    @hookspecs.hookimpl
    def register_advice(self, profile):
        raise RuntimeError("advice exploded")

    @hookspecs.hookimpl
    def routine_event(self, event):
        raise RuntimeError("observer exploded")


class Observer:
    """A pack that watches routine events."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, int | None]] = []

    @hookspecs.hookimpl
    def routine_event(self, event):
        self.events.append((event.name, event.routine, event.step))


def test_a_hook_that_raises_mid_conversation_costs_only_its_contribution(tmp_path, chain,
                                                                          caplog):
    observer = Observer()
    app = make_app(tmp_path, chain, load="stretching,massage,recovery",
                   plugins={"boom": Exploding(), "demo": DemoPack(), "observer": observer})
    with LiveServer(app) as live, caplog.at_level(logging.WARNING):
        client = SkillClient(live.url, chain)
        advice = client.say("ReportSymptomIntent", symptom="sore", timing="after-run")
        assert "Shall we start the foam roller release?" in advice.text
        answer = client.say("StartRoutineIntent", routine="demo routine")
        assert "the demo routine, about" in answer.text
        while not answer.ends:
            answer = client.say("AMAZON.NextIntent")
    assert "pack boom, hook register_advice: raised RuntimeError: advice exploded" in caplog.text
    assert "pack boom, hook routine_event: raised RuntimeError: observer exploded" in caplog.text
    assert observer.events[0] == ("started", "demo-routine", None)
    assert ("step_done", "demo-routine", 1) in observer.events
    assert observer.events[-1] == ("completed", "demo-routine", None)


# -- validation messages ----------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def problems_of(tmp_path: Path, text: str) -> list[str]:
    return [str(p) for p in load_pack([write(tmp_path, text)], "t").problems]


def line_col(text: str, needle: str) -> str:
    """``line:column`` (1-based) where ``needle`` starts in ``text``."""
    before = text[:text.index(needle)]
    return f"{before.count(chr(10)) + 1}:{len(before) - before.rfind(chr(10))}"


def test_a_wrong_value_names_file_line_column_path_and_reason(tmp_path):
    text = DEMO.replace("hold_seconds: 30", "hold_seconds: sixty")
    assert problems_of(tmp_path, text) == [
        f"pack.yaml:{line_col(text, 'sixty')} routines[0].steps[0].hold_seconds: expected a "
        "number of seconds between 1 and 300, got 'sixty'"]


def test_every_error_is_reported_at_once(tmp_path):
    text = (DEMO.replace("kind: reps", "kind: jumps")
            .replace("name: demo routine", "nmae: demo routine")
            .replace("version: \"0.1.0\"", "version: 1")
            .replace("at: -5", "at: 50"))
    found = problems_of(tmp_path, text)
    assert f"pack.yaml:{line_col(text, 'jumps')} routines[0].steps[1].kind: expected one of " \
           "hold, reps, rolling, timed or instruction, got 'jumps'" in found
    assert f"pack.yaml:{line_col(text, 'nmae')} routines[0].nmae: unknown key (allowed: id, " \
           "name, synonyms, description, when, avoid, equipment, tags, steps)" in found
    assert any("routines[0]: missing required key 'name'" in p for p in found)
    assert any("pack.version: expected a version like 1.0.0 (quote it in YAML), got 1" in p
               for p in found)
    assert len(found) == 4  # the cue problem is reported once the schema errors are fixed


def test_a_cue_outside_its_hold_is_an_error(tmp_path):
    text = DEMO.replace("at: -5", "at: 50")
    assert problems_of(tmp_path, text) == [
        f"pack.yaml:{line_col(text, '50,')} routines[0].steps[0].cues[1].at: cue at 50 falls "
        "outside the 30 second hold"]


def test_broken_yaml_syntax_has_a_line(tmp_path):
    [problem] = problems_of(tmp_path, "pack:\n  id: [unclosed\n")
    assert problem.startswith("pack.yaml:3:1: invalid YAML")


def test_reps_and_holds_need_their_numbers(tmp_path):
    text = DEMO.replace("        reps: 5\n", "")
    assert problems_of(tmp_path, text) == [
        f"pack.yaml:{line_col(text, 'title: Bridges')} routines[0].steps[1]: missing required "
        "key 'reps'"]


def test_duplicate_routines_across_packs_name_both_packs():
    class Copy(DemoPack):
        pass

    packs = load_packs([], extra={"first": DemoPack(), "second": Copy()})
    [problem] = packs.problems
    assert problem.pack == "second"
    assert "routine id 'demo-routine' is already used by pack 'first'" in problem.reason


def test_duplicate_spoken_names_across_packs_name_both_packs(tmp_path):
    text = DEMO.replace("id: demo-routine", "id: other-routine")
    path = write(tmp_path, text)

    packs = load_packs([], extra={"demo": DemoPack(), "other": FilePack(path)})
    assert any("the name 'demo routine' is already used by routine 'demo-routine' of pack "
               "'demo'" in p.reason and p.pack == "other" for p in packs.problems)
    assert "other-routine" not in packs.catalog.routines


def test_advice_naming_an_unknown_routine_is_reported(tmp_path):
    text = DEMO + textwrap.dedent("""
        advice:
          - id: bad-advice
            symptoms: [tight]
            say: Try this.
            routine: no-such-routine
    """)
    path = write(tmp_path, text)

    packs = load_packs([], extra={"demo": FilePack(path)})
    assert any("recommends unknown routine 'no-such-routine'" in p.reason for p in packs.problems)


def test_the_schema_file_is_valid_json_schema():
    import jsonschema

    schema = json.loads((ROOT / "skill" / "pack.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)


# -- documentation -------------------------------------------------------------------------


def test_every_hook_is_documented_with_its_exact_signature():
    import inspect

    guide = (ROOT / "docs" / "writing-a-pack.md").read_text()
    hooks = [f for name, f in vars(hookspecs).items()
             if callable(f) and hasattr(f, "hamstring_coach_spec")]
    assert len(hooks) == 5
    for hook in hooks:
        signature = str(inspect.signature(hook)).replace("'", "")
        assert f"### `{hook.__name__}{signature}`" in guide, hook.__name__


# -- command line ------------------------------------------------------------------------------


def test_packs_list_json(capsys):
    assert cli(["packs", "list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    by_name = {p["name"]: p for p in listing["packs"]}
    assert set(BUILT_IN) <= set(by_name)
    assert "after-run-stretches" in by_name["stretching"]["routines"]
    assert by_name["stretching"]["hooks"] == ["register_content"]
    assert by_name["stretching"]["distribution"] == "hamstring-coach"


def test_packs_list_text(capsys):
    assert cli(["packs", "list"]) == 0
    assert "stretching 1.1.0 (hamstring-coach)" in capsys.readouterr().out


def test_packs_check_passes_on_the_built_in_packs(capsys):
    assert cli(["packs", "check"]) == 0
    for name in BUILT_IN:
        assert cli(["packs", "check", str(ROOT / "packs" / name)]) == 0


def test_packs_check_fails_with_the_error_list(tmp_path, capsys):
    write(tmp_path, DEMO.replace("hold_seconds: 70", "hold_seconds: 900"))
    assert cli(["packs", "check", str(tmp_path)]) == 1
    out = capsys.readouterr()
    assert "routines[0].steps[2].hold_seconds: expected a number of seconds between 1 and 300, " \
           "got 900" in out.out
    assert "1 problem" in out.err


def test_packs_new_writes_a_valid_pack(tmp_path, capsys):
    assert cli(["packs", "new", "calf-care", "--dir", str(tmp_path)]) == 0
    folder = tmp_path / "hamstring-pack-calf-care"
    assert (folder / "pyproject.toml").read_text().count('calf-care = "hamstring_pack_calf_care"')
    assert cli(["packs", "check", str(folder)]) == 0
    assert cli(["packs", "new", "calf-care", "--dir", str(tmp_path)]) == 1
    assert cli(["packs", "new", "Bad Name!", "--dir", str(tmp_path)]) == 2
