"""Interaction models: built from the packs, deterministic, committed, and held to Alexa's rules."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from skill.cli import main
from skill.engine import LOCALES
from skill.handlers import handled_intents
from skill.model import (
    MAX_VALUE_LENGTH,
    build_model,
    check_model,
    dumps,
    expand,
)
from skill.plugins import load_packs
from tests.support.client import DemoPack

ROOT = Path(__file__).parent.parent
BUILT_IN = ["stretching", "strengthening", "massage", "recovery"]
CUSTOM = ["KeepGoingIntent", "ListRoutinesIntent", "MoreIntent", "OneStepAtATimeIntent",
          "ProductTipsIntent", "ProgressIntent", "ReportSymptomIntent", "StartRoutineIntent"]


@pytest.fixture(scope="module")
def packs():
    return load_packs(BUILT_IN)


@pytest.fixture(scope="module")
def us_model(packs) -> dict:
    return build_model(packs, "en-US")


def language(model: dict) -> dict:
    return model["interactionModel"]["languageModel"]


def intent(model: dict, name: str) -> dict:
    return next(i for i in language(model)["intents"] if i["name"] == name)


def slot_type(model: dict, name: str) -> dict:
    return next(t for t in language(model)["types"] if t["name"] == name)


# --------------------------------------------------------------------------- building


@pytest.mark.parametrize("locale", LOCALES)
def test_models_build_deterministically_and_pass_the_check(packs, locale):
    model = build_model(packs, locale)
    assert dumps(model) == dumps(build_model(load_packs(BUILT_IN), locale))
    assert check_model(model, handled_intents()) == []
    assert language(model)["invocationName"] == "hamstring coach"


def test_every_intent_the_skill_handles_is_in_the_model(us_model):
    names = [i["name"] for i in language(us_model)["intents"]]
    assert names == sorted(set(handled_intents()))
    assert set(CUSTOM) <= set(names)
    for built_in in ("AMAZON.NextIntent", "AMAZON.PauseIntent", "AMAZON.HelpIntent",
                     "AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.FallbackIntent",
                     "AMAZON.NavigateHomeIntent", "AMAZON.YesIntent", "AMAZON.NoIntent"):
        assert built_in in names
    assert intent(us_model, "AMAZON.CancelIntent")["samples"] == []
    assert {"done", "ready", "next one"} <= set(intent(us_model, "AMAZON.NextIntent")["samples"])


def test_slot_types_come_from_the_packs(packs, us_model):
    routines = slot_type(us_model, "ROUTINE")["values"]
    assert [v["id"] for v in routines] == sorted(packs.catalog.routines)
    foam = next(v for v in routines if v["id"] == "foam-roller-release")["name"]
    assert foam["value"] == "foam roller release" and "foam rolling" in foam["synonyms"]
    products = {v["id"]: v["name"] for v in slot_type(us_model, "PRODUCT")["values"]}
    assert set(products) == set(packs.catalog.products)
    assert "ice pack" in products["cold-pack"]["synonyms"]
    symptoms = {v["id"]: v["name"] for v in slot_type(us_model, "SYMPTOM")["values"]}
    assert {"tight", "sore", "cramp", "sharp-pain", "pop"} <= set(symptoms)
    assert "tense" in symptoms["tight"]["synonyms"]
    timings = {v["id"] for v in slot_type(us_model, "TIMING")["values"]}
    assert timings == {"before-run", "after-run", "day-after", "during-run"}


def test_samples_are_rich_with_and_without_slots(us_model):
    symptom = set(intent(us_model, "ReportSymptomIntent")["samples"])
    assert {"my hamstrings are {symptom}", "they feel {symptom} {timing}", "{symptom}"} <= symptom
    pain = set(intent(us_model, "PainIntent")["samples"])  # pain needs no slot to be a red flag
    assert {"ouch", "ow that hurts", "my hamstrings hurt", "something went",
            "I think I pulled something", "I can't walk properly"} <= pain
    medical = set(intent(us_model, "MedicalQuestionIntent")["samples"])
    assert {"what should I take", "can I take ibuprofen", "is it torn",
            "what's wrong with my leg", "do I need an x ray"} <= medical
    start = set(intent(us_model, "StartRoutineIntent")["samples"])
    assert {"start {routine}", "let's do the {routine}", "start a routine"} <= start
    tips = set(intent(us_model, "ProductTipsIntent")["samples"])
    assert {"how do I use {product}", "what can I use for recovery"} <= tips
    assert {"how many left", "how long is left"} <= set(intent(us_model, "ProgressIntent")[
        "samples"])
    assert {"keep going", "don't stop"} <= set(intent(us_model, "KeepGoingIntent")["samples"])
    for name in CUSTOM:
        assert len(intent(us_model, name)["samples"]) >= 10, name


def test_locales_differ_where_english_does(packs):
    models = {locale: build_model(packs, locale) for locale in LOCALES}
    names = {locale: [i["name"] for i in language(m)["intents"]] for locale, m in models.items()}
    assert all(n == names["en-US"] for n in names.values())

    def samples(locale: str) -> str:
        return json.dumps([i["samples"] for i in language(models[locale])["intents"]])

    for locale in ("en-GB", "en-AU", "en-IN"):
        assert "trainers" in samples(locale) and "physio" in samples(locale)
        assert "sneakers" not in samples(locale)
    assert "trainers" not in samples("en-US") and "physical therapist" in samples("en-US")
    assert "hammies" in samples("en-AU") and "hammies" not in samples("en-US")
    assert "pardon" in samples("en-GB") and "pardon" not in samples("en-US")


def test_templates_expand_every_choice():
    assert expand("(start|begin|) the {routine}") == [
        "start the {routine}", "begin the {routine}", "the {routine}"]


def test_committed_models_are_what_model_build_writes(packs):
    for locale in LOCALES:
        path = ROOT / "interaction_models" / f"{locale}.json"
        assert path.exists(), f"{path} is missing: run `hamstring model build`"
        assert path.read_text(encoding="utf-8") == dumps(build_model(packs, locale)), (
            f"{path} is out of date: run `HAMSTRING_LOAD_PACKS={','.join(BUILT_IN)} "
            ".venv/bin/hamstring model build` and commit the result")


def test_a_third_party_routine_appears_in_the_rebuilt_model():
    with_demo = load_packs(BUILT_IN, extra={"demo": DemoPack()})
    model = build_model(with_demo, "en-GB")
    routines = {v["id"]: v["name"] for v in slot_type(model, "ROUTINE")["values"]}
    assert routines["demo-routine"] == {"value": "demo routine",
                                        "synonyms": ["test routine", "the demo"]}
    assert check_model(model, handled_intents()) == []


def test_a_freshly_installed_pack_is_in_the_rebuilt_model_and_can_be_started(
        tmp_path, monkeypatch, capsys):
    assert main(["packs", "new", "calf-care", "--dir", str(tmp_path)]) == 0
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(site), str(tmp_path / "hamstring-pack-calf-care")],
                   check=True, capture_output=True, timeout=600)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("HAMSTRING_LOAD_PACKS", ",".join([*BUILT_IN, "calf-care"]))
    catalog = load_packs([*BUILT_IN, "calf-care"]).catalog
    routine = next(r for r in catalog.routines.values() if r.pack == "calf-care")
    models = tmp_path / "models"
    assert main(["model", "build", "--out", str(models)]) == 0
    model = json.loads((models / "en-US.json").read_text())
    assert routine.id in [v["id"] for v in slot_type(model, "ROUTINE")["values"]]
    script = tmp_path / "script.txt"
    script.write_text(f"open hamstring coach\nstart the {routine.name}\n")
    capsys.readouterr()
    assert main(["simulate", "--script", str(script), "--fast",
                 "--db", str(tmp_path / "calf.db")]) == 0
    out = capsys.readouterr().out
    assert f"-> StartRoutineIntent routine={routine.id}" in out
    assert f"Let's do the {routine.name}, about " in out


# --------------------------------------------------------------------------- checking


def add_sample(model: dict, name: str, sample: str) -> None:
    intent(model, name)["samples"].append(sample)


def remove_intent(model: dict, name: str) -> None:
    language(model)["intents"].remove(intent(model, name))


def long_value(model: dict) -> None:
    slot_type(model, "ROUTINE")["values"][0]["name"]["synonyms"].append("x" * 141)


def huge(model: dict) -> None:
    slot_type(model, "PRODUCT")["values"] += [
        {"id": f"p{i}", "name": {"value": f"product {i}", "synonyms": ["y" * 130] * 10}}
        for i in range(1200)]


def many_intents(model: dict) -> None:
    """Fill the model up to 251 intents."""
    intents = language(model)["intents"]
    intents += [{"name": f"Extra{i}Intent", "samples": [f"extra {i}"]}
                for i in range(251 - len(intents))]


def many_types(model: dict) -> None:
    """Fill the model up to 351 intents and slot types together."""
    types = language(model)["types"]
    types += [{"name": f"TYPE{i}", "values": [{"name": {"value": "v"}}]}
              for i in range(351 - len(types) - len(language(model)["intents"]))]


BAD = {
    "one word": (lambda m: language(m).update(invocationName="coach"),
                 "invocation name 'coach' must have two or more words"),
    "capitals": (lambda m: language(m).update(invocationName="Hamstring Coach"),
                 "may hold only lower-case letters"),
    "launch word": (lambda m: language(m).update(invocationName="open hamstring coach"),
                    "contains the launch word 'open'"),
    "wake word": (lambda m: language(m).update(invocationName="alexa hamstring coach"),
                  "contains the wake word 'alexa'"),
    "two words with the": (lambda m: language(m).update(invocationName="the coach"),
                           "has two words, so it cannot contain 'the'"),
    "digits": (lambda m: add_sample(m, "StartRoutineIntent", "start the {routine} 2 times"),
               "StartRoutineIntent: sample 'start the {routine} 2 times' has digits"),
    "characters": (lambda m: add_sample(m, "ProgressIntent", "how many left?"),
                   "ProgressIntent: sample 'how many left?' has characters Alexa does not "
                   "accept: '?'"),
    "undefined slot": (lambda m: add_sample(m, "ProgressIntent", "how long is the {routine}"),
                       "ProgressIntent: sample 'how long is the {routine}' uses slot {routine}, "
                       "which the intent does not define"),
    "claimed twice": (lambda m: add_sample(m, "StartRoutineIntent", "How many left."),
                      "ProgressIntent and StartRoutineIntent both claim the sample "
                      "'How many left.' (as 'how many left')"),
    "twice in one intent": (lambda m: add_sample(m, "ProgressIntent", "how many left"),
                            "ProgressIntent: the sample 'how many left' is there twice"),
    "long value": (long_value, f"has 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'... of 141 characters; "
                               f"the limit is {MAX_VALUE_LENGTH}"),
    "no values": (lambda m: slot_type(m, "TIMING").update(values=[]),
                  "slot type TIMING has no values"),
    "undefined type": (lambda m: intent(m, "StartRoutineIntent").update(
        slots=[{"name": "routine", "type": "WORKOUT"}]),
        "StartRoutineIntent: slot {routine} has type WORKOUT, which the model does not define"),
    "too big": (huge, "the limit is 1.5 MB"),
    "too many intents": (many_intents, "251 intents; the limit is 250"),
    "too many intents and types": (many_types, "351 intents and slot types together; the limit "
                                               "is 350"),
    "not handled": (lambda m: language(m)["intents"].append(
        {"name": "DanceIntent", "samples": ["dance"]}),
        "intent DanceIntent is in the model but the skill does not handle it"),
    "handled but missing": (lambda m: remove_intent(m, "ProgressIntent"),
                            "intent ProgressIntent is handled by the skill but missing from the "
                            "model"),
    "required built-in": (lambda m: remove_intent(m, "AMAZON.HelpIntent"),
                          "the required built-in intent AMAZON.HelpIntent is missing"),
    "no samples": (lambda m: intent(m, "KeepGoingIntent").update(samples=[]),
                   "KeepGoingIntent: a custom intent needs sample utterances"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_each_rule_is_caught_with_a_clear_message(us_model, case):
    model = copy.deepcopy(us_model)
    spoil, message = BAD[case]
    spoil(model)
    problems = check_model(model, handled_intents())
    assert any(message in problem for problem in problems), problems


def test_something_that_is_not_a_model():
    assert check_model({"intents": []}, handled_intents()) == [
        "not an interaction model: there is no interactionModel.languageModel"]


# --------------------------------------------------------------------------- commands


def test_model_build_writes_every_locale(tmp_path, capsys):
    assert main(["model", "build", "--out", str(tmp_path)]) == 0
    for locale in LOCALES:
        written = (tmp_path / f"{locale}.json").read_text(encoding="utf-8")
        assert written == (ROOT / "interaction_models" / f"{locale}.json").read_text()
        assert written.endswith("}\n")
    assert "wrote" in capsys.readouterr().out


def test_model_check_passes_good_files_and_fails_bad_ones(tmp_path, us_model, capsys):
    good = ROOT / "interaction_models" / "en-US.json"
    assert main(["model", "check", str(good)]) == 0
    assert f"ok ({len(set(handled_intents()))} intents" in capsys.readouterr().out
    bad_model = copy.deepcopy(us_model)
    add_sample(bad_model, "ListRoutinesIntent", "how many left")
    bad = tmp_path / "bad.json"
    bad.write_text(dumps(bad_model))
    assert main(["model", "check", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}: ListRoutinesIntent and ProgressIntent both claim the sample 'how many left'" \
        in out
    assert main(["model", "check", str(tmp_path / "missing.json")]) == 1
    assert "cannot read it" in capsys.readouterr().out
