"""``hamstring model evaluate``: how well a generated model understands natural phrasing.

Amazon retired its NLU evaluation tool, so two offline judges stand in for Alexa:

- ``exact``: the simulator's matcher (``skill.simulator.Understanding``), which, like a strict
  emulator, knows only the model's sample utterances and slot values;
- ``statistical``: a character n-gram classifier (scikit-learn, the ``nlu`` extra) trained on
  the model's samples only, with slots found among the model's slot values; it stands for
  a learner that generalises past the exact samples the way Alexa's does.

A slot counts as right when the skill would act on the same thing: its value (a resolved id
or the words heard) reads, with ``skill.reading``, as what the file expects.

The file (YAML)::

    locale: en-US
    intents:
      ReportSymptomIntent:
        - my legs are wrecked after that run | symptom=sore timing=after-run
      AMAZON.FallbackIntent:
        - what's the weather like
    not:
      AMAZON.StopIntent:
        - stop, it hurts           # must be heard as anything but this intent
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from skill.catalog import Catalog
from skill.model import MODEL_DIR, SLOT_REF
from skill.plugins import installed_packs
from skill.reading import Reader, negated, stem, words
from skill.simulator import BUILT_IN_PHRASES, Understanding, clean

FALLBACK = "AMAZON.FallbackIntent"
SLOT_PAIR = re.compile(r"(\w+)=(.*?)(?=\s\w+=|$)")
VALUES_PER_SLOT = 4  # slot values each sample is filled with to train the statistical judge
# What Alexa's own out-of-domain model knows is not for this skill: the statistical judge
# learns Fallback from these (the model has no samples for it).
OUT_OF_DOMAIN = ("will it rain tomorrow", "turn on the lights", "tell me a joke",
                 "what's on the news", "add milk to my shopping list",
                 "how tall is mount everest", "play the radio", "who won the game last night",
                 "send a text to john", "what is the capital of france", "read my emails",
                 "book a taxi", "how do I bake a cake", "turn the volume up",
                 "what's two plus two", "remind me to buy eggs", "is the shop open",
                 "translate hello into spanish", "find a restaurant nearby", "sing a song",
                 "what's my name", "set an alarm for seven", "how old is the queen",
                 "buy some batteries", "lights off", "good morning", "pineapple",
                 "the cat sat on the mat", "blue", "potato salad recipe")


@dataclass(frozen=True)
class Case:
    """One utterance and the intent it must (or, with ``negative``, must not) be heard as."""

    said: str
    intent: str
    slots: dict[str, str] = field(default_factory=dict)
    negative: bool = False


def read_cases(path: Path) -> tuple[str | None, list[Case]]:
    """The locale a file names, and its cases."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cases = []
    for key, negative in (("intents", False), ("not", True)):
        for intent, lines in (data.get(key) or {}).items():
            for line in lines or ():
                said, _, slots = str(line).partition("|")
                pairs = {m.group(1): m.group(2).strip() for m in SLOT_PAIR.finditer(slots)}
                cases.append(Case(said.strip(), intent, pairs, negative))
    return data.get("locale"), cases


def cases_in(path: Path) -> list[Case]:
    """The cases of one evaluation file."""
    return read_cases(path)[1]


class Meaning:
    """What the skill makes of the slots it is sent: the same thing however it was said.

    As in the conversation, the words of how the legs feel are read together (a timing said
    inside the symptom's phrase counts), and so are the words of a routine request."""

    FEELING = ("symptom", "timing", "habit")

    def __init__(self, catalog: Catalog) -> None:
        self.catalog, self.reader = catalog, Reader(catalog)

    def of(self, slots: dict[str, str]) -> dict[str, str]:
        """Each slot's meaning, from all the slots heard."""
        slots = {k: v for k, v in slots.items() if v}
        plain = {k: v for k, v in slots.items() if v.lstrip("-").isdigit()}
        out: dict[str, str] = dict(plain)
        if slots.get("routine"):
            routine = self.catalog.find_routine(slots["routine"])
            out["routine"] = routine.id if routine else words(slots["routine"])
        if slots.get("product"):
            product = self.catalog.find_product(slots["product"])
            out["product"] = product.id if product else words(slots["product"])
        feeling_said = [slots[k] for k in self.FEELING if k in slots]
        if feeling_said:
            feeling = self.reader.feeling(*feeling_said)
            found = {"symptom": feeling.symptom, "timing": feeling.timing,
                     "habit": "stretches-a-lot" if feeling.stretches_a_lot else None}
            out.update({k: v for k, v in found.items() if v})
        wish_said = [v for k, v in slots.items() if k not in (*self.FEELING, "routine",
                                                               "product") and k not in plain]
        if wish_said:
            wish = self.reader.wish(*wish_said)
            found = {"category": wish.category,
                     "equipment": None if wish.equipment is None else
                     (wish.equipment[0] if wish.equipment else "none"),
                     "duration": str(wish.minutes) if wish.minutes else wish.length,
                     "ordinal": None if wish.ordinal is None else str(wish.ordinal),
                     "exercise": " ".join(stem(w) for w in wish.exercise) or None}
            out.update({k: v for k, v in found.items() if v and k not in out})
        return out

    def expected(self, slots: dict[str, str]) -> dict[str, str]:
        """The meaning of each expected slot, read alone."""
        out = {}
        for name, value in slots.items():
            out[name] = self.of({name: value}).get(name, words(value))
        return out


class Statistical:
    """Character n-grams and a linear classifier, trained on the model's samples only."""

    def __init__(self, model: dict, reject: float) -> None:
        try:
            from sklearn.feature_extraction.text import TfidfVectorizer
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import make_pipeline
        except ImportError as error:  # the optional extra
            raise SystemExit("the statistical judge needs scikit-learn: "
                             "pip install 'hamstring-coach[nlu]'") from error
        language = model["interactionModel"]["languageModel"]
        self.values = {t["name"]: sorted({clean(p) for v in t.get("values", ())
                                          for p in (v["name"]["value"],
                                                    *v["name"].get("synonyms", ()))})
                       for t in language.get("types", ())}
        self.slot_types = {i["name"]: {s["name"]: s["type"] for s in i.get("slots", ())}
                           for i in language["intents"]}
        # The words each intent's samples use around their slots.
        self.carrier = {i["name"]: {w for sample in i.get("samples", ())
                                    for w in clean(SLOT_REF.sub(" ", sample)).split()}
                        for i in language["intents"]}
        texts, labels = list(OUT_OF_DOMAIN), [FALLBACK] * len(OUT_OF_DOMAIN)
        for intent in language["intents"]:
            for phrase in BUILT_IN_PHRASES.get(intent["name"], ()):  # Alexa's, unsampled
                texts.append(clean(phrase))
                labels.append(intent["name"])
            for n, sample in enumerate(intent.get("samples", ())):
                for text in self.filled(intent["name"], sample, n):
                    texts.append(text)
                    labels.append(intent["name"])
        self.reject = reject
        self.pipeline = make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
            LogisticRegression(C=20, max_iter=2000, class_weight="balanced"))
        self.pipeline.fit(texts, labels)

    def filled(self, intent: str, sample: str, n: int) -> list[str]:
        """A sample with its slots filled by a few of the model's values, in turn."""
        slots = SLOT_REF.findall(sample)
        if not slots:
            return [clean(sample)]
        out = []
        for k in range(VALUES_PER_SLOT):
            text = sample
            for slot in slots:
                values = self.values.get(self.slot_types[intent].get(slot, ""), []) or [slot]
                text = text.replace("{" + slot + "}", values[(n + k * 7) % len(values)], 1)
            out.append(clean(text))
        return out

    def hear(self, text: str) -> tuple[str, dict[str, str]]:
        """The likeliest intent (Fallback when nothing is likely enough) and its slots."""
        said = clean(text)
        probabilities = self.pipeline.predict_proba([said])[0]
        best = probabilities.argmax()
        if probabilities[best] < self.reject:
            return FALLBACK, {}
        intent = self.pipeline.classes_[best]
        slots = {}
        for slot, kind in self.slot_types.get(intent, {}).items():
            found = [v for v in self.values.get(kind, ()) if f" {v} " in f" {said} "
                     and not negated(said, f" {said} ".index(f" {v} "))]
            if found:
                slots[slot] = max(found, key=len)
        kinds = self.slot_types.get(intent, {})
        if kinds and not slots:  # a custom slot takes any words: those around the carrier
            rest = said.split()
            while rest and rest[0] in self.carrier[intent]:
                rest.pop(0)
            while rest and rest[-1] in self.carrier[intent]:
                rest.pop()
            if rest:
                slots[next(iter(kinds))] = " ".join(rest)
        return intent, slots


@dataclass
class Score:
    """One judge's results: per intent, right and total; and what went wrong."""

    right: Counter = field(default_factory=Counter)
    total: Counter = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return sum(self.right.values()) / max(1, sum(self.total.values()))


def judge(cases: list[Case], hear, meaning: Meaning) -> Score:
    """Score one judge (``hear(text) -> (intent, {slot: value})``) on ``cases``."""
    score = Score()
    for case in cases:
        intent, slots = hear(case.said)
        key = ("not " if case.negative else "") + case.intent
        score.total[key] += 1
        if case.negative:
            ok = intent != case.intent
        else:
            got = meaning.of(slots)
            want = meaning.expected(case.slots)
            ok = intent == case.intent and all(got.get(s) == v for s, v in want.items())
        if ok:
            score.right[key] += 1
        else:
            detail = " ".join(f"{s}={v}" for s, v in slots.items())
            score.wrong.append(f"{case.said!r}: expected {key}"
                               + "".join(f" {s}={v}" for s, v in case.slots.items())
                               + f", heard {intent} {detail}".rstrip())
    return score


def exact_judge(model: dict):
    """The simulator's matcher as a judge."""
    understanding = Understanding(model)

    def hear(text: str) -> tuple[str, dict[str, str]]:
        heard = understanding.hear(text)
        return (heard.intent, heard.values()) if heard else (FALLBACK, {})

    return hear


def report(name: str, score: Score, out) -> None:
    """Per-intent accuracy and the confusion list of one judge."""
    print(f"== {name}: {sum(score.right.values())}/{sum(score.total.values())} "
          f"({score.accuracy:.1%})", file=out)
    for key in sorted(score.total):
        print(f"  {key:34} {score.right[key]:4}/{score.total[key]:<4} "
              f"{score.right[key] / score.total[key]:6.1%}", file=out)
    if score.wrong:
        print(f"  confused ({len(score.wrong)}):", file=out)
        for line in score.wrong:
            print(f"    {line}", file=out)


def evaluate(paths: list[Path], locale: str | None, model: dict | None, catalog: Catalog,
             reject: float = 0.3) -> dict[str, dict[str, Score]]:
    """Each locale's scores from both judges, the files grouped by the locale they name."""
    by_locale: dict[str, list[Case]] = defaultdict(list)
    for path in paths:
        named, cases = read_cases(path)
        by_locale[locale or named or "en-US"] += cases
    meaning = Meaning(catalog)
    results = {}
    for loc, cases in by_locale.items():
        chosen = model or json.loads((MODEL_DIR / f"{loc}.json").read_text(encoding="utf-8"))
        statistical = Statistical(chosen, reject)
        results[loc] = {"exact": judge(cases, exact_judge(chosen), meaning),
                        "statistical": judge(cases, statistical.hear, meaning)}
    return results


def evaluate_command(args: argparse.Namespace) -> int:
    """Score evaluation files against the committed (or given) model; 1 under a threshold."""
    model = json.loads(Path(args.model).read_text(encoding="utf-8")) if args.model else None
    packs = installed_packs()
    results = evaluate([Path(f) for f in args.files], args.locale, model, packs.catalog,
                       args.reject)
    failed = False
    for loc, scores in results.items():
        print(f"# {loc}")
        for name, minimum in (("exact", args.min_exact), ("statistical", args.min_statistical)):
            report(name, scores[name], sys.stdout)
            if scores[name].accuracy < minimum:
                failed = True
                print(f"  under the threshold of {minimum:.0%}")
    return 1 if failed else 0
