"""Choosing a routine from loose words, and the lists to choose from.

Plain Python with no Alexa types. ``ChoosingTurns`` is one part of ``Coach``: a request by
category ("some strength work"), by an exercise inside a routine ("bridges"), by what the
user has to hand ("only a tennis ball", "no equipment"), by the time they have ("ten
minutes", "something short"), or by a place in the list just said ("the second one", "the
short one"). Lists name the categories first, then the routines in the chosen one, a few at
a time.
"""

from __future__ import annotations

from skill.engine import Routine
from skill.reading import Reader, Wish, words
from skill.speech import Speech, number, spoken_list, with_article
from skill.turn import Reply, Turn, ask

LIST_PAGE = 5  # names said at once before "say more to hear the rest"
KEPT_IDS = 30  # routine ids a list keeps in the session to page through
SLACK = 1.1  # a routine a tenth longer than the time said still fits


def minutes(routine: Routine) -> int:
    """A routine's length in whole minutes, at least one."""
    return max(1, round(routine.seconds() / 60))


def about(routine: Routine) -> str:
    """'about 4 minutes'."""
    n = minutes(routine)
    return f"about {number(n)} minute{'s' if n > 1 else ''}"


class ChoosingTurns:
    """Finding and listing routines, as methods of ``Coach``."""

    reader: Reader

    def list_routines(self, turn: Turn, speech: Speech | None = None) -> Reply:
        """The kinds of routine first (stretching, strength work...); with only one kind,
        its routines."""
        speech = speech or Speech()
        categories = [c for c in self.reader.categories() if self.reader.in_category(c)]
        if not categories:
            speech.say("No routines are installed yet.")
            return Reply(speech)
        if len(categories) == 1:
            return self.list_choice(turn, self.reader.in_category(categories[0]), speech)
        names = [self.reader.category_name(c) for c in categories]
        turn.session["offer"] = {"kind": "category-choice", "shown": categories}
        speech.say(f"I have {number(len(names))} kinds of routine: "
                   f"{spoken_list(names, conjunction='or')}.")
        return ask(speech, "Which kind would you like?",
                   f"Which kind of routine would you like? For example, say {names[0]}, or "
                   "tell me how long you have.")

    def list_choice(self, turn: Turn, routines: list[Routine], speech: Speech,
                    intro: str = "", start: int = 0) -> Reply:
        """Name up to ``LIST_PAGE`` of ``routines`` from ``start`` and ask which one; "more"
        names the next few, "the second one" picks from these."""
        ids = [r.id for r in routines][:KEPT_IDS]
        names = [f"the {self.name(self.catalog.routines[i], turn)}" for i in ids]
        hint = self.name_some(turn, "routine-choice", names, start, speech,
                              "There's also" if start else intro or "I have")
        turn.session["offer"].update(ids=ids, shown=ids[start:start + LIST_PAGE])
        return ask(speech, "Which one would you like?" + hint,
                   f"Which routine would you like? For example, say {names[start]}, or the "
                   f"{'first one' if len(ids) > 1 else 'one'}.")

    def more_routines(self, turn: Turn) -> Reply | None:
        """The next few of the routine list said last, if there are more."""
        offer = turn.offer
        if offer.get("kind") != "routine-choice" or not offer.get("from"):
            return None
        routines = [self.catalog.routines[i] for i in offer.get("ids", ())
                    if i in self.catalog.routines]
        return self.list_choice(turn, routines, Speech(), start=offer["from"])

    def find_routine(self, turn: Turn, *phrases: str | None) -> Reply:
        """A routine asked for in loose words: start it, offer it, or list the few that fit."""
        return self.choose(turn, self.reader.wish(*phrases), " ".join(p for p in phrases if p))

    def choose(self, turn: Turn, wish: Wish, heard: str = "") -> Reply:
        """Act on what the user wants from a routine (see ``skill.reading.Wish``)."""
        offer = turn.offer
        if offer.get("kind") == "category-choice" and not wish.category and wish.ordinal:
            shown = offer.get("shown") or []
            if abs(wish.ordinal) <= len(shown):
                wish = Wish(category=shown[wish.ordinal - 1 if wish.ordinal > 0 else -1])
        listed = [self.catalog.routines[i] for i in offer.get("shown", ())
                  if i in self.catalog.routines] if offer.get("kind") == "routine-choice" else []
        if listed and wish.ordinal and not (wish.category or wish.exercise):
            if abs(wish.ordinal) > len(listed):
                return ask(Speech().say(f"I only named {number(len(listed))}."),
                           "Which one would you like?",
                           f"Which one would you like? For example, say the "
                           f"{self.name(listed[0], turn)}.")
            return self.begin(turn, listed[wish.ordinal - 1 if wish.ordinal > 0 else -1])
        from_list = bool(listed) and not (wish.category or wish.exercise)
        candidates, note = self.narrow(turn, listed if from_list else
                                       list(self.catalog.routines.values()), wish)
        if not candidates and from_list:
            candidates, note = self.narrow(turn, list(self.catalog.routines.values()), wish)
        speech = Speech()
        if not candidates:
            speech.say(f"I don't have a routine for {heard or 'that'}." if heard
                       else "I don't have a routine like that.")
            return self.list_routines(turn, speech)
        if note:
            speech.say(note)
        if len(candidates) == 1 or wish.minutes or wish.length:
            best = candidates[0]
            if from_list:  # "the short one": a choice from the list just said
                return self.begin(turn, best)
            needs = spoken_list(map(with_article, best.equipment)) or "no equipment"
            speech.say(f"The {self.name(best, turn)} takes {about(best)} and needs {needs}.")
            return self.offer_start(turn, best, speech)
        intro = "I have"
        if wish.exercise:
            intro = f"You'll find {' '.join(wish.exercise)} in"
        elif wish.category and wish.equipment is None:
            intro = f"For {self.reader.category_name(wish.category)}, I have"
        return self.list_choice(turn, candidates, speech, intro)

    def narrow(self, turn: Turn, routines: list[Routine], wish: Wish) -> tuple[list[Routine], str]:
        """The routines that fit ``wish``, best first, and anything to say about the fit."""
        reader = self.reader
        if wish.category:
            inside = set(map(id, reader.in_category(wish.category)))
            routines = [r for r in routines if id(r) in inside]
        if wish.exercise:
            having = set(map(id, reader.with_exercise(wish.exercise)))
            routines = [r for r in routines if id(r) in having]
        if wish.equipment is not None:
            routines = self.with_equipment(routines, wish.equipment)
        note = ""
        if wish.minutes and routines:
            fits = [r for r in routines if r.seconds() <= wish.minutes * 60 * SLACK]
            if fits:
                routines = sorted(fits, key=lambda r: -r.seconds())
            else:
                routines = sorted(routines, key=lambda r: r.seconds())[:1]
                note = (f"Nothing I have is as short as {number(wish.minutes)} "
                        f"minute{'s' if wish.minutes > 1 else ''}.")
        elif wish.length:
            routines = sorted(routines, key=lambda r: r.seconds(),
                              reverse=wish.length == "long")
        return routines, note

    def with_equipment(self, routines: list[Routine], have: tuple[str, ...]) -> list[Routine]:
        """The routines that need nothing but ``have``: those that use it first."""
        held = [set(words(h).split()) for h in have]

        def usable(option: str) -> bool:
            said = set(words(option).split())
            return any(h <= said or said <= h for h in held)

        fitting = [r for r in routines
                   if all(any(usable(o) for o in options) for options in self.reader.uses(r))]
        using = [r for r in fitting if r.equipment]
        return using or fitting  # with a tennis ball: what uses it, else what needs nothing
