"""Symptom triage: red flags first, then the best advice the packs contribute.

Plain Python. The red-flag rule lives here and cannot be overridden by a pack;
everything else comes from advice contributed through ``register_advice``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from skill.catalog import AdviceRule
from skill.engine import Text


@dataclass(frozen=True)
class RedFlag:
    """A sign that the user must stop and see a professional: how the coach names it when
    it comes up again, and the words that mark it in whatever the user said."""

    said: str
    words: str


# Every red flag, in the order they are looked for (the most telling first). The words are
# checked before anything a pack says, whether or not Alexa resolved them to one of the
# symptom slot's values (a long phrase often isn't), and in every slot of every request.
RED_FLAG_TABLE = {
    "pop": RedFlag("a pop", r"pop|popped|popping|snap|snapped|tear|tearing|tore|torn|ruptured?|"
                   r"ping|pinged|(?:something|it|my hamstring|hamstring) (?:went|gave|has gone|"
                   r"gone)(?! well| fine| ok| okay| great| away)|felt (?:it|something) go"),
    "sharp-pain": RedFlag("a sharp pain", r"sharp|stabbing|stab|shooting|searing|sudden pain|"
                          r"agony|agonising|agonizing|excruciating|really painful|very painful"),
    "cant-walk": RedFlag("trouble walking", r"can'?t walk|cannot walk|can (?:barely|hardly) walk|"
                         r"hard to walk|struggling to walk|(?:can'?t|cannot) (?:put|bear|take) "
                         r"(?:any |my )?weight|not walking (?:properly|right|normally|well)|"
                         r"limp|limps|limping|hobbling|hobble"),
    "hurts-to-run": RedFlag("pain when you run", r"hurts (?:to|when i) run|(?:can'?t|cannot) "
                            r"run|painful to run|running hurts"),
    "bruising": RedFlag("bruising", r"bruise|bruised|bruises|bruising|black and blue|purple|"
                        r"discolou?red|discolou?ration"),
    "swelling": RedFlag("swelling", r"swollen|swelling|swelled|swell|swells|puffy"),
    "numbness": RedFlag("numbness or tingling", r"numb|numbness|tingle|tingles|tingling|tingly|"
                        r"pins and needles|no feeling|(?:can'?t|cannot) feel (?:my|it|the|"
                        r"anything)"),
    "strain": RedFlag("a pulled muscle", r"pull|pulled|strain|strained|tweak|tweaked|twinge|"
                      r"twinges|twinged|injured|injury|hurt myself|hurt it|done my hamstring"),
    "worsening": RedFlag("pain that's getting worse", r"(?:getting|got|gets|is|it's|feels) worse|"
                         r"worse and worse|worsening"),
    "pain": RedFlag("pain", r"hurt|hurts|hurting|ouch|ow|oww+|owie|"
                    r"pain(?! free| killers?| relie\w+)|painful(?! to (?:the )?touch)|"
                    r"aches when|sore when i (?:walk|bend)"),
}
RED_FLAGS = frozenset(RED_FLAG_TABLE)
SYMPTOMS = ("tight", "sore", "stiff", "cramp", "aching", "weak", *RED_FLAG_TABLE)
TIMINGS = ("before-run", "after-run", "day-after", "during-run")
_RED_FLAG_PATTERNS = {flag: re.compile(rf"\b(?:{red_flag.words})\b")
                      for flag, red_flag in RED_FLAG_TABLE.items()}
# Words that take back what follows them ("not sharp", "doesn't hurt", "no swelling") ...
_NEGATION = re.compile(r"not|no|never|without|nothing|none|n't|\w+n't|dont|doesnt|isnt|wasnt|"
                       r"didnt|arent|havent|hasnt|wont|wouldnt|aint")
# ... unless a new clause starts in between ("no, it hurts").
_CLAUSE_START = {"but", "it", "it's", "its", "i", "i'm", "im", "i've", "i'd", "there",
                 "there's", "that's", "this", "though", "although", "except", "just", "only",
                 "now", "and", "yet", "still", "more", "rather", "actually"}
_NEGATION_REACH = 3  # words between a negation and what it takes back
# Doubt that leaves a red flag open: "not sure if it's torn", "I don't think I pulled it".
_DOUBT = re.compile(r"\b(?:not sure|unsure|not certain|don'?t know|do not know|(?:can'?t|cannot) "
                    r"tell|no idea|hard to (?:say|tell)|don'?t think|do not think)\b")
# Medicines, tests and the people who can say what is wrong: questions about these get the
# coach's answer (it can't advise; who can), never a product tip on "doctor".
_PROFESSIONAL_WORDS = re.compile(
    r"\b(?:doctors?|gp|physio|physios|physiotherapist|physical therapist|pharmacist|chemist|"
    r"hospital|a and e|emergency room|urgent care|medicine|medicines|medication|meds|pills?|"
    r"tablets?|painkillers?|pain killers?|pain relief|pain relievers?|ibuprofen|paracetamol|"
    r"acetaminophen|aspirin|naproxen|anti ?inflammatory|anti ?inflammatories|diagnos\w*|"
    r"x ray|mri|scan|injection|cortisone)\b")
# Follow-up questions the triage may ask, by the profile field they fill in.
QUESTIONS = {
    "timing": "Are you about to go for a run?",
    "stretches_a_lot": "Do you already stretch your hamstrings a lot?",
    "recurring": "Does this keep coming back?",
}


@dataclass(frozen=True)
class Reading:
    """What a phrase says about red flags.

    ``flag``: the red flag it reports; ``doubt``: a red flag it is unsure of ("not sure if
    it's torn"), which the coach asks about; ``denied``: one it takes back ("not a sharp
    pain"); ``rest``: the phrase without what was taken back or doubted.
    """

    flag: str | None = None
    doubt: str | None = None
    denied: bool = False
    rest: str = ""


def words_of(text: str) -> str:
    """Lower case, straight apostrophes, hyphens as spaces, no other punctuation."""
    text = text.lower().replace("\u2019", "'").replace("-", " ")
    return " ".join(re.sub(r"[^\w' ]+", " ", text).split())


def _taken_back(before: list[str]) -> int | None:
    """How many of the words ``before`` a red-flag word belong to a negation of it, if one
    reaches it; None when none does."""
    for back, word in enumerate(reversed(before[-(_NEGATION_REACH + 1):]), 1):
        if _NEGATION.fullmatch(word):
            return back
        if word in _CLAUSE_START:
            return None
    return None


def read(text: str) -> Reading:
    """Look for red flags in ``text``, telling a report ("it's torn") from a denial ("it's
    not a sharp pain") and from doubt ("not sure if it's torn")."""
    heard = words_of(text)
    reported: dict[str, int] = {}
    doubt: str | None = None
    cut: list[tuple[int, int]] = []  # spans of ``heard`` taken back or doubted
    for flag, pattern in _RED_FLAG_PATTERNS.items():
        for found in pattern.finditer(heard):
            before = heard[:found.start()].split()
            back = _taken_back(before)
            clause = heard[:found.start()].rsplit(" but ", 1)[-1]
            doubted = _DOUBT.search(clause)
            if back is not None:
                start = len(" ".join(before[:len(before) - back]))
                cut.append((start, found.end()))
            elif doubted:
                doubt = doubt or flag
                cut.append((found.start(), found.end()))
            else:
                reported.setdefault(flag, found.start())
    rest, upto = "", 0
    for start, end in sorted(cut):  # spans may overlap ("not a sharp pain": two flags)
        rest += heard[upto:max(start, upto)] + " "
        upto = max(upto, end)
    rest += heard[upto:]
    first = next(iter(reported), None)  # the table's order: the most telling first
    return Reading(first, None if first else doubt, bool(cut) and not doubt,
                   " ".join(rest.split()))


def recognise(symptom: str) -> str | None:
    """The red flag ``symptom`` reports, if any; None when it only takes one back ("it's not
    a sharp pain, just tight": what is left is read with the packs' words); else ``symptom``
    as it was."""
    reading = read(symptom)
    if reading.flag:
        return reading.flag
    return None if reading.denied else symptom


def asks_for_a_professional(text: str) -> bool:
    """Whether ``text`` is about medicines, a diagnosis or seeing someone about it."""
    return _PROFESSIONAL_WORDS.search(words_of(text)) is not None


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
