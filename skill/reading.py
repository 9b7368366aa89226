"""Reading the words inside a slot value: what a whole spoken phrase asks for or reports.

Alexa fills a custom slot with any words it heard, so a long sentence often arrives whole
("really tight after my long run yesterday", "something short with only a tennis ball").
This module finds the known words inside such a phrase. The vocabulary is declared once:
the packs' words (symptoms, timings, categories), the routines themselves (names, equipment,
step titles) and the core words below (habits, equipment synonyms, lengths, ordinals). The
interaction model is built from the same tables. Plain Python, standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from skill.catalog import Catalog, normalise
from skill.engine import Routine
from skill.triage import SYMPTOMS, TIMINGS

# The one habit the triage asks about ("Do you already stretch a lot?"), said unasked.
HABITS = {"stretches-a-lot": ["stretch a lot", "stretch every day", "stretch all the time",
                              "keep stretching", "already stretch", "stretch loads",
                              "do a lot of stretching", "stretch them a lot"]}
# How each country says how its legs feel and when, added to the packs' words for a symptom
# or timing id they define.
LOCAL_WORDS: dict[str, dict[str, dict[str, list[str]]]] = {
    "en-GB": {"symptoms": {"sore": ["knackered", "a bit knackered", "done in", "cream crackered",
                                    "achy and knackered"],
                           "tight": ["tight as anything", "proper tight", "a bit tight like"],
                           "stiff": ["stiff as a board", "seized"]},
              "timings": {"after-run": ["after my parkrun", "after parkrun"],
                          "day-after": ["the morning after"]}},
    "en-AU": {"symptoms": {"sore": ["rooted", "stuffed", "cooked", "a bit rooted"],
                           "tight": ["tight as", "real tight"]},
              "timings": {"after-run": ["after my parkrun", "after me run"],
                          "before-run": ["before me run", "this arvo before my run"]}},
    "en-IN": {"symptoms": {"sore": ["paining", "very much paining", "sore like anything"],
                           "tight": ["very tight", "too much tight", "catching"],
                           "cramp": ["catch", "muscle catch", "nerve catch"]},
              "timings": {"after-run": ["after my morning run", "after jogging"],
                          "before-run": ["before jogging", "before my morning run"]}},
    "en-CA": {"symptoms": {"sore": ["wrecked", "beat"], "tight": ["tight eh"]},
              "timings": {"after-run": ["after my run eh"]}},
    "en-US": {"symptoms": {"sore": ["wrecked", "beat", "fried"], "tight": ["tight as heck"]},
              "timings": {}},
}
# Words for equipment a routine may name, said the way people have them at home.
EQUIPMENT_WORDS = {
    "foam roller": ["foam roller", "roller", "foam roll", "rolling pin"],
    "strap": ["strap", "yoga strap", "belt", "dressing gown cord", "dog lead", "rope", "scarf"],
    "resistance band": ["resistance band", "exercise band", "loop band", "band", "stretch band",
                        "theraband"],
    "towel": ["towel", "bath towel", "tea towel"],
    "tennis ball": ["tennis ball", "tennis balls", "cricket ball"],
    "baseball": ["baseball", "softball"],
    "massage ball": ["massage ball", "lacrosse ball", "spiky ball", "trigger point ball",
                     "hockey ball"],
    "exercise ball": ["exercise ball", "swiss ball", "stability ball", "gym ball", "yoga ball",
                      "fitness ball", "physio ball"],
    "weights": ["weights", "light weights", "dumbbell", "dumbbells", "kettlebell",
                "kettlebells", "hand weights", "water bottles"],
}
# Said when the user has nothing with them.
NO_EQUIPMENT = ["no equipment", "nothing", "without equipment", "no kit", "no gear",
                "body weight", "bodyweight", "just my body", "just me", "nothing at all",
                "with nothing", "don't have anything", "haven't got anything", "no props",
                "without anything", "no tools"]
NUMBERS = {"one": 1, "a": 1, "an": 1, "two": 2, "a couple of": 2, "couple of": 2, "three": 3,
           "a few": 3, "few": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
           "twenty five": 25, "thirty": 30, "forty": 40, "forty five": 45, "sixty": 60}
# Time said without a number of minutes.
TIME_PHRASES = {"half an hour": 30, "half hour": 30, "quarter of an hour": 15,
                "quarter hour": 15, "an hour": 60, "one hour": 60}
SHORT = ["short", "shorter", "shortest", "quick", "quicker", "quickest", "brief", "fast",
         "little", "not much time", "in a hurry", "rushed", "no time", "not long",
         "only a minute", "tight on time", "pressed for time", "easy", "easiest", "gentle",
         "gentlest"]
LONG = ["long", "longer", "longest", "proper", "full", "plenty of time", "lots of time",
        "thorough", "whole", "big", "harder", "hardest", "tough", "toughest", "all of it"]
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
            "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "last": -1, "final": -1,
            "number one": 1, "number two": 2, "number three": 3, "number four": 4,
            "number five": 5, "option one": 1, "option two": 2, "option three": 3,
            "option four": 4, "option five": 5, "top one": 1, "the 1st": 1, "1st": 1,
            "2nd": 2, "3rd": 3, "4th": 4, "5th": 5}
NEGATIONS = {"not", "no", "never", "isn't", "wasn't", "aren't", "don't", "doesn't", "without",
             "nor", "hardly"}
# Words that say nothing about which exercise was meant.
FILLER = {"the", "a", "an", "some", "do", "me", "i", "want", "to", "let's", "lets", "let",
          "us", "with", "and", "my", "of", "like", "please", "one", "ones", "routine",
          "routines", "that", "has", "have", "in", "it", "those", "them", "any", "can",
          "we", "you", "could", "would", "i'd", "is", "there", "for", "on", "something",
          "exercise", "exercises", "workout", "session", "few", "bit", "just", "go", "try",
          "start", "thing", "things", "this", "where", "which", "what", "does", "doing", "feel",
          "fancy", "gimme", "give", "get", "need", "ready", "how", "about"}
STEMS = re.compile(r"(?<=[a-z][a-z])(?:(?<=ch|sh|ss)es|(?<=x)es|(?<!s)s)$")
MINUTES = re.compile(r"\b(\d+|[a-z]+(?: [a-z]+)?) (?:minutes?|mins?)\b")


def words(text: str) -> str:
    """Lower case, letters, digits and apostrophes only, single spaces."""
    text = text.lower().replace("\u2019", "'").replace("-", " ")
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text).split())


def stem(word: str) -> str:
    """'bridges' and 'bridge', 'swings' and 'swing' compared as one word."""
    return STEMS.sub("", word)


def negated(text: str, start: int) -> bool:
    """Whether one of the three words before ``start`` negates what follows."""
    before = text[:start].split()[-3:]
    return any(w in NEGATIONS or w.endswith("n't") for w in before)


def find(text: str, phrases: dict[str, str], skip_negated: bool = True) -> str | None:
    """The id of the longest phrase found in ``text`` (as whole words), one that is not
    negated ("not a sharp pain, just tight" is tight); None when there is none."""
    best: tuple[int, str] | None = None
    for phrase, value in phrases.items():
        for match in re.finditer(rf"(?<![a-z0-9']){re.escape(phrase)}(?![a-z0-9'])", text):
            if skip_negated and negated(text, match.start()):
                continue
            if best is None or len(phrase) > best[0]:
                best = (len(phrase), value)
    return best[1] if best else None


def phrase_index(table: dict[str, list[str]], ids: bool = True) -> dict[str, str]:
    """``{id: [phrases]}`` turned around to ``{phrase: id}``, the id itself included
    when ``ids``."""
    index: dict[str, str] = {}
    for value, phrases in table.items():
        for phrase in ([value.replace("-", " ")] if ids else []) + list(phrases):
            index.setdefault(words(phrase), value)
    return index


@dataclass(frozen=True)
class Feeling:
    """What a phrase about the hamstrings says: how they feel, when, and the habit."""

    symptom: str | None = None
    timing: str | None = None
    stretches_a_lot: bool = False


@dataclass(frozen=True)
class Wish:
    """What a phrase asking for a routine says about the routine wanted.

    ``equipment`` is None when nothing was said about it and empty when the user has none;
    ``length`` is "short" or "long"; ``ordinal`` counts from 1, -1 being the last.
    """

    category: str | None = None
    equipment: tuple[str, ...] | None = None
    minutes: int | None = None
    length: str | None = None
    exercise: tuple[str, ...] = ()
    ordinal: int | None = None

    def __bool__(self) -> bool:
        return any(v not in (None, ()) for v in self.__dict__.values()) \
            or self.equipment == ()


@dataclass
class Reader:
    """The vocabulary of the loaded packs and the core, and what it finds in a phrase."""

    catalog: Catalog
    _index: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def index(self, kind: str) -> dict[str, str]:
        """``{phrase: id}`` for one kind of word, built on first use."""
        if kind not in self._index:
            self._index[kind] = phrase_index(self.table(kind), ids=kind != "ordinals")
        return self._index[kind]

    def table(self, kind: str) -> dict[str, list[str]]:
        """``{id: [phrases]}`` of one kind: symptoms, timings, habits, categories,
        equipment, lengths or ordinals."""
        words_ = self.catalog.words
        if kind == "habits":
            return HABITS
        if kind == "equipment":
            table = {k: list(v) for k, v in EQUIPMENT_WORDS.items()}
            for item in self.equipment_items():
                table.setdefault(item, [])
            return table
        if kind == "categories":
            return {c: self.category_words(c) for c in self.categories()}
        if kind == "lengths":
            return {"short": SHORT, "long": LONG}
        if kind == "ordinals":
            return {str(n): [w for w, m in ORDINALS.items() if m == n]
                    for n in dict.fromkeys(ORDINALS.values())}
        table = {k: list(v) for k, v in words_.get(kind, {}).items()}
        for core in {"symptoms": SYMPTOMS, "timings": TIMINGS}.get(kind, ()):
            table.setdefault(core, [])  # the ids themselves, whichever packs are loaded
        for local in LOCAL_WORDS.values():  # any country's words, heard anywhere
            for value, phrases in local.get(kind, {}).items():
                if value in table:
                    table[value] += phrases
        return table

    # -- the catalog's own words ----------------------------------------------

    def categories(self) -> list[str]:
        """Category ids in catalog order: each pack with routines, then any category the
        packs' words name that some routine is tagged with."""
        found = list(dict.fromkeys(r.pack for r in self.catalog.routines.values() if r.pack))
        tags = {t for r in self.catalog.routines.values() for t in r.tags}
        found += [c for c in self.catalog.words.get("categories", {}) if c in tags
                  and c not in found]
        return found

    def category_words(self, category: str) -> list[str]:
        """How a category is said: its words from the packs, then the pack's name."""
        said = list(self.catalog.words.get("categories", {}).get(category, []))
        info = self.catalog.packs.get(category)
        if info:
            said.append(info.name.lower())
        return said or [category.replace("-", " ")]

    def category_name(self, category: str) -> str:
        """The spoken name of a category: the first of its words."""
        return self.category_words(category)[0]

    def in_category(self, category: str) -> list[Routine]:
        """The routines of one category, in catalog order."""
        return [r for r in self.catalog.routines.values()
                if r.pack == category or category in r.tags]

    def equipment_items(self) -> list[str]:
        """Every single thing the routines use: 'towel or strap' is a towel and a strap."""
        items: list[str] = []
        for routine in self.catalog.routines.values():
            for thing in routine.equipment:
                for item in re.split(r",| or | and ", words(thing)):
                    if item.strip() and item.strip() not in items:
                        items.append(item.strip())
        return items

    # -- reading --------------------------------------------------------------

    def feeling(self, *phrases: str | None) -> Feeling:
        """How the hamstrings feel, when, and whether the user stretches a lot, from every
        phrase heard (whichever slot Alexa put the words in)."""
        text = words(" , ".join(p for p in phrases if p))
        return Feeling(find(text, self.index("symptoms")), find(text, self.index("timings")),
                       find(text, self.index("habits")) is not None)

    def wish(self, *phrases: str | None) -> Wish:
        """What routine the phrases ask for: category, equipment at hand, time, an exercise
        inside a routine, or a place in the list just said."""
        text = words(" , ".join(p for p in phrases if p))
        if not text:
            return Wish()
        ordinal = find(text, self.index("ordinals"), skip_negated=False)
        return Wish(
            category=find(text, self.index("categories")),
            equipment=self.equipment_in(text),
            minutes=minutes_in(text),
            length=find(text, self.index("lengths"), skip_negated=False),
            exercise=self.exercise_words(text),
            ordinal=int(ordinal) if ordinal else None,
        )

    def equipment_in(self, text: str) -> tuple[str, ...] | None:
        """The things the user says they have; () for nothing at all, None when unsaid."""
        index = self.index("equipment")
        found = []
        for phrase in sorted(index, key=len, reverse=True):
            pattern = rf"(?<![a-z0-9']){re.escape(phrase)}(?![a-z0-9'])"
            match = re.search(pattern, text)
            if match and not negated(text, match.start()) and index[phrase] not in found:
                found.append(index[phrase])
                text = text[:match.start()] + " " * len(phrase) + text[match.end():]
        if found:
            return tuple(found)
        if any(re.search(rf"(?<![a-z']){re.escape(p)}(?![a-z'])", text) for p in NO_EQUIPMENT):
            return ()
        return None

    def exercise_words(self, text: str) -> tuple[str, ...]:
        """The words of ``text`` that name an exercise in some routine ('bridges'); empty
        when they name none."""
        said = tuple(w for w in text.split() if w not in FILLER and w != ","
                     and w not in ORDINALS and w not in NUMBERS and w not in SHORT
                     and w not in LONG and not w.startswith("minute"))
        if said and self.with_exercise(said):
            return said
        return ()

    def with_exercise(self, said: tuple[str, ...]) -> list[Routine]:
        """The routines with a step whose title holds every one of ``said``."""
        wanted = {stem(w) for w in said}
        return [r for r in self.catalog.routines.values()
                if any(wanted <= {stem(w) for w in title.split()}
                       for title in self.exercises(r))]

    def exercises(self, routine: Routine) -> list[str]:
        """The names of a routine's exercises: the titles of its steps that are not just
        an instruction ("Finish")."""
        return [normalise(s.title.default) for s in routine.steps if s.kind != "instruction"]

    def uses(self, routine: Routine) -> list[set[str]]:
        """Per thing a routine needs, the items that would do ('towel or strap')."""
        index = self.index("equipment")
        needs = []
        for thing in routine.equipment:
            options = {index.get(item.strip(), item.strip())
                       for item in re.split(r",| or | and ", words(thing)) if item.strip()}
            needs.append(options)
        return needs


def minutes_in(text: str) -> int | None:
    """Minutes of time said in ``text``: 'ten minutes', '5 mins', 'half an hour'."""
    for phrase, minutes in TIME_PHRASES.items():
        if re.search(rf"\b{phrase}\b", text):
            return minutes
    for match in MINUTES.finditer(text):
        said = match.group(1)
        if said.isdigit():
            return int(said)
        for candidate in (said, said.split()[-1]):
            if candidate in NUMBERS:
                return NUMBERS[candidate]
    return None
