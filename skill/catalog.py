"""What the loaded packs offer: routines, product tips and advice rules, by id and by name."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from skill.engine import Routine, Text

NOT_WORD = re.compile(r"[^a-z0-9]+")
ASCII_PUNCTUATION = str.maketrans({c: " " for c in map(chr, range(128))
                                   if not (c.isascii() and (c.islower() or c.isdigit()))})
FILLER_START = re.compile(r"^(?:the|my|a|an|some|your) ")
FILLER_END = re.compile(r" (?:routine|workout|session|exercises|one|please)$")


def normalise(words: str) -> str:
    """Lower case, letters and digits only, single spaces: how spoken names are compared."""
    words = words.lower()
    if words.isascii():  # the common case, without a regular expression
        return " ".join(words.translate(ASCII_PUNCTUATION).split())
    return " ".join(NOT_WORD.sub(" ", words).split())


@dataclass(frozen=True)
class ProductTip:
    """A kind of recovery product: what it is for, when, how long, and when not."""

    id: str
    name: Text
    what: Text
    when: Text
    how: Text
    avoid: Text
    synonyms: tuple[str, ...] = ()
    pack: str = ""


@dataclass(frozen=True)
class Topic:
    """A question a runner asks ("how long until I can run again") and the coach's answer,
    with a routine or product tip to offer after it."""

    id: str
    questions: tuple[str, ...]
    say: Text
    routine: str | None = None
    product: str | None = None
    pack: str = ""


@dataclass(frozen=True)
class AdviceRule:
    """A declarative triage rule from a pack's YAML: when it applies and what it says."""

    id: str
    say: Text
    symptoms: tuple[str, ...] = ()
    timings: tuple[str, ...] = ()
    stretches_a_lot: bool | None = None
    recurring: bool | None = None
    routine: str | None = None
    product: str | None = None
    priority: int = 50
    pack: str = ""


@dataclass(frozen=True)
class PackInfo:
    """A loaded pack's metadata."""

    id: str
    name: str
    version: str
    description: str = ""
    author: str = ""
    locales: tuple[str, ...] = ()
    distribution: str = ""
    hooks: tuple[str, ...] = ()


@dataclass
class Catalog:
    """Everything the packs contributed, indexed for the conversation."""

    routines: dict[str, Routine] = field(default_factory=dict)
    products: dict[str, ProductTip] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)
    advice: list[AdviceRule] = field(default_factory=list)
    packs: dict[str, PackInfo] = field(default_factory=dict)
    words: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict, repr=False)
    _product_names: dict[str, str] = field(default_factory=dict, repr=False)
    _topic_questions: dict[str, str] = field(default_factory=dict, repr=False)

    def add_routine(self, routine: Routine) -> str | None:
        """Index a routine by its id, name and synonyms; or, when its id or a name is taken
        already, leave it out and say why."""
        if routine.id in self.routines:
            other = self.routines[routine.id].pack
            return f"routine id {routine.id!r} is already used by pack {other!r}"
        spoken = [routine.name.default, *routine.synonyms]
        keys = [normalise(name) for name in spoken]
        for name, key in zip(spoken, keys, strict=True):
            if key in self._names:
                owner = self.routines[self._names[key]]
                return (f"routine {routine.id!r}: the name {name!r} is already used by routine "
                        f"{owner.id!r} of pack {owner.pack!r}")
        self.routines[routine.id] = routine
        for key in (routine.id, *(normalise(t) for _, t in routine.name.by_locale), *keys):
            self._names.setdefault(key, routine.id)
        return None

    def add_product(self, tip: ProductTip) -> None:
        """Index a product tip by its id, name and synonyms."""
        self.products[tip.id] = tip
        for name in (tip.id, tip.name.default, *tip.synonyms):
            self._product_names.setdefault(normalise(name), tip.id)

    def add_topic(self, topic: Topic) -> str | None:
        """Index a topic by its id and questions; or, when its id or a question is taken
        already, leave it out and say why."""
        if topic.id in self.topics:
            return f"topic id {topic.id!r} is already used by pack {self.topics[topic.id].pack!r}"
        for question in topic.questions:
            owner = self._topic_questions.get(normalise(question))
            if owner:
                return (f"topic {topic.id!r}: the question {question!r} is already asked by "
                        f"topic {owner!r} of pack {self.topics[owner].pack!r}")
        self.topics[topic.id] = topic
        for question in topic.questions:
            self._topic_questions[normalise(question)] = topic.id
        return None

    def find_topic(self, spoken: str | None) -> Topic | None:
        """The topic whose id or one of whose questions matches ``spoken``."""
        if not spoken:
            return None
        found = spoken if spoken in self.topics else self._topic_questions.get(normalise(spoken))
        return self.topics.get(found or "")

    def find_routine(self, spoken: str | None) -> Routine | None:
        """The routine whose id, name or synonym matches ``spoken``."""
        return self._find(spoken, self._names, self.routines)

    def find_product(self, spoken: str | None) -> ProductTip | None:
        """The product tip whose id, name or synonym matches ``spoken``."""
        return self._find(spoken, self._product_names, self.products)

    @staticmethod
    def _find(spoken: str | None, names: dict[str, str], items: dict):
        if not spoken:
            return None
        if spoken in items:
            return items[spoken]
        key = normalise(spoken)
        bare = FILLER_END.sub("", FILLER_START.sub("", key))
        for candidate in (key, bare):
            if candidate in names:
                return items[names[candidate]]
        return None
