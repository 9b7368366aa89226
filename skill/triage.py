"""Symptom triage: red flags first, then the best advice the packs contribute.

Plain Python. The red-flag rule lives here and cannot be overridden by a pack;
everything else comes from advice contributed through ``register_advice``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from skill.catalog import AdviceRule
from skill.engine import Text

RED_FLAGS = frozenset({"sharp-pain", "pop", "bruising", "hurts-to-run"})
SYMPTOMS = ("tight", "sore", "stiff", "cramp", "aching", "sharp-pain", "pop", "bruising",
            "hurts-to-run", "weak")
TIMINGS = ("before-run", "after-run", "day-after", "during-run")
# Words that mark a red flag in whatever the user said, whether or not Alexa resolved it to
# one of the symptom slot's values (a long phrase often isn't). Checked before anything a pack
# says, and on purpose without regard to negation: "not a sharp pain" is still sent to a
# professional rather than risk the opposite mistake.
RED_FLAG_WORDS = {
    "sharp-pain": r"sharp|stabbing|shooting|searing|sudden pain|agony|agonising|agonizing",
    "pop": r"pop|popped|popping|snap|snapped|tear|tearing|tore|torn",
    "bruising": r"bruise|bruised|bruises|bruising|black and blue|purple|discolou?red|"
                r"swollen|swelling",
    "hurts-to-run": r"hurts to run|can'?t run|cannot run|limp|limping",
}
_RED_FLAG_PATTERNS = {flag: re.compile(rf"\b(?:{words})\b")
                      for flag, words in RED_FLAG_WORDS.items()}
# Follow-up questions the triage may ask, by the profile field they fill in.
QUESTIONS = {
    "timing": "Are you about to go for a run?",
    "stretches_a_lot": "Do you already stretch your hamstrings a lot?",
    "recurring": "Does this keep coming back?",
}


def recognise(symptom: str) -> str:
    """The red flag ``symptom`` names, if it is one or mentions one; else ``symptom``."""
    heard = symptom.lower().replace("-", " ").replace("\u2019", "'")
    for flag, pattern in _RED_FLAG_PATTERNS.items():
        if pattern.search(heard):
            return flag
    return symptom


@dataclass(frozen=True)
class Profile:
    """How the user says their hamstrings feel, and their answers so far."""

    symptom: str | None = None
    timing: str | None = None
    stretches_a_lot: bool | None = None
    recurring: bool | None = None

    def to_dict(self) -> dict:
        """For session attributes."""
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict | None) -> Profile:
        """From session attributes."""
        fields = ("symptom", "timing", "stretches_a_lot", "recurring")
        return cls(**{k: v for k, v in (data or {}).items() if k in fields})

    def answer(self, question: str, value: bool) -> Profile:
        """The profile with a yes or no to one of ``QUESTIONS`` filled in."""
        if question == "timing":
            return replace(self, timing="before-run" if value else "after-run")
        return replace(self, **{question: value})

    @property
    def red_flag(self) -> bool:
        """True when the user must stop and see a professional."""
        return self.symptom in RED_FLAGS


@dataclass(frozen=True)
class Advice:
    """What a pack advises for a profile: words, a routine to offer, a product to mention.

    ``needs`` names a profile field (a key of ``QUESTIONS``) whose answer would
    change this advice; the triage asks that question first while it is unknown.
    """

    say: Text
    routine: str | None = None
    product: str | None = None
    priority: int = 50
    needs: str | None = None
    source: str = ""


def rule_matches(rule: AdviceRule, profile: Profile) -> bool:
    """True when a YAML advice rule applies, treating unknown answers as open."""
    if rule.symptoms and profile.symptom not in rule.symptoms:
        return False
    if rule.timings and "any" not in rule.timings and profile.timing not in rule.timings \
            and profile.timing is not None:
        return False
    for field in ("stretches_a_lot", "recurring"):
        wanted, known = getattr(rule, field), getattr(profile, field)
        if wanted is not None and known is not None and wanted != known:
            return False
    return True


def advice_from_rule(rule: AdviceRule, profile: Profile) -> Advice:
    """An ``Advice`` from a matching rule; ``needs`` is set while its condition is unknown."""
    needs = next((f for f in ("stretches_a_lot", "recurring")
                  if getattr(rule, f) is not None and getattr(profile, f) is None), None)
    if profile.timing is None and rule.timings and "any" not in rule.timings:
        needs = "timing"
    specific = bool(rule.timings) + bool(rule.symptoms)
    return Advice(rule.say, rule.routine, rule.product, rule.priority * 10 + specific, needs,
                  f"{rule.pack}:{rule.id}")


def choose(candidates: list[Advice], static_routines: set[str], profile: Profile) -> Advice | None:
    """The winning advice, never a static stretch before a run.

    When the best candidate depends on an unanswered question, that candidate is
    returned so the caller can ask ``needs``.
    """
    allowed = [a for a in candidates
               if not (profile.timing == "before-run" and a.routine in static_routines)]
    if not allowed:
        return None
    return max(allowed, key=lambda a: (a.priority, a.needs is None))
