"""Safety in every state: pain said in any words, questions for a doctor, a Fallback in the
middle of a routine, and no routine after a red flag until the leg has been checked.

Plain Python with no Alexa types. ``SafetyTurns`` is one part of ``Coach``: ``guard`` runs
before every request's own answer and reads every slot value as it was heard, so a pain
report reaches the red-flag answer whatever intent Alexa chose for it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from skill.advice import RED_FLAG_DAYS, professional
from skill.engine import Routine
from skill.speech import Speech
from skill.triage import RED_FLAG_TABLE, Profile, asks_for_a_professional, read
from skill.turn import Reply, Turn, ask

# Offers that the list turns make; every other offer is a yes/no question.
LIST_OFFERS = ("routine-choice", "product-choice", "category-choice")
HURTS = "Does anything hurt?"
CHECKED = "Has it been checked, and does it feel fine now?"


def asked(question: object) -> str | None:
    """``question`` (one the skill asked before, kept in the session) when it reads as one:
    the session comes back from the device and may have been tampered with."""
    if isinstance(question, str) and ("?" in question or question.startswith("Say ")):
        return question
    return None


class SafetyTurns:
    """The safety guard, the hurt check, medical questions and the Fallback, as methods of
    ``Coach``."""

    def guard(self, turn: Turn) -> Reply | None:
        """Before any request's own answer: a red flag in any slot value gets the red-flag
        answer, a question for a doctor that no pack answers gets the coach's, and doubt
        ("not sure if it's torn") gets one yes/no question. None when nothing needs it."""
        turn.misses = int(turn.session.pop("misses", 0))
        turn.check = turn.session.pop("check", None)
        readings = [read(text) for text in turn.heard]
        flag = next((r.flag for r in readings if r.flag), None)
        if flag and not self.player(turn) \
                and all(read(text).flag is None for text in turn.unmatched):
            self.mark_red_flag(turn, flag)  # a pack's value: its answer speaks to it
        elif flag:
            return self.report_symptom(turn, flag, None)
        # A value a pack resolved (a topic, the sports-massage tip's "physio") is the pack's
        # to answer; only one nothing matched gets the coach's answer about a doctor.
        if any(asks_for_a_professional(text) for text in turn.unmatched):
            return self.medical(turn)
        doubt = next((r for r in readings if r.doubt), None)
        if doubt:
            return self.hurt_check(turn, Speech().say("Just to be safe."), doubt.doubt,
                                   self.reader.feeling(doubt.rest).symptom)
        return None

    # -- does anything hurt? ----------------------------------------------------

    def hurt_check(self, turn: Turn, speech: Speech, flag: str = "pain",
                   symptom: str | None = None, examples: bool = False) -> Reply:
        """Ask whether anything hurts; the next turn's yes is the red-flag answer (as
        ``flag``), its no goes back to the question asked before (or triages ``symptom``)."""
        turn.session["check"] = turn.check or {
            "flag": flag, **({"symptom": symptom} if symptom else {}),
            "question": asked(turn.session.get("question"))}
        if examples:
            speech.say("If something hurts, say yes, and we'll stop. If not, say no.")
        return ask(speech, HURTS, "Does anything hurt? Yes or no?")

    def answer_check(self, turn: Turn, hurts: bool) -> Reply | None:
        """A yes or no to "does anything hurt?" asked last turn; None if it wasn't."""
        check = turn.check
        if check is None:
            return None
        if hurts:  # the session comes back from the device: only a known red flag
            flag = check.get("flag")
            return self.report_symptom(turn, flag if flag in RED_FLAG_TABLE else "pain", None)
        if isinstance(check.get("symptom"), str):
            return self.report_symptom(turn, check["symptom"], None)
        if asked(check.get("question")):
            return ask(Speech().say("Good."), check["question"])
        return self.menu(Speech().say("Good."))

    # -- questions for a doctor, physical therapist or pharmacist -------------------

    def medical(self, turn: Turn) -> Reply:
        """Medicines, what the injury is, whether to see someone: the coach's part is to say
        who can answer, and when to go."""
        speech = Speech().say(
            "I'm a coach, not a doctor, so I can't advise on medicines or tell you what's "
            "wrong with your leg. A pharmacist can tell you what's safe to take, and "
            f"{professional(turn)} can check your leg. Do see one if you've had a sharp or "
            "sudden pain, a pop, bruising or swelling, or if it's getting worse.")
        if self.player(turn):  # asked mid-routine: find out before going on
            return self.hurt_check(turn, speech)
        if self.red_flagged(turn):
            return self.take_care(turn, speech)
        if turn.offer and asked(turn.session.get("question")):
            return ask(speech, turn.session["question"])
        return self.menu(speech)

    # -- after a red flag -------------------------------------------------------

    def open_red_flag(self, turn: Turn) -> str | None:
        """The red flag reported this session or in the last ``RED_FLAG_DAYS`` days that the
        user has not yet said was checked and feels fine; None when there is none."""
        if turn.session.get("checked"):
            return None
        profile = Profile.from_dict(turn.session.get("profile"))
        if profile.red_flag:
            return profile.symptom
        if turn.saved.get("checked"):
            return None
        today = datetime.now(UTC).date()
        recent = [r["symptom"] for r in turn.saved.get("reports", [])
                  if r.get("symptom") in RED_FLAG_TABLE
                  and (today - date.fromisoformat(r["day"])).days <= RED_FLAG_DAYS]
        return recent[-1] if recent else None

    def hold_back(self, turn: Turn, then: dict, speech: Speech | None = None) -> Reply | None:
        """Before a routine is offered, started or resumed: after a red flag, ask whether it
        has been checked and feels fine; a yes does ``then``. None when nothing holds it back."""
        flag = self.open_red_flag(turn)
        if flag is None:
            return None
        speech = speech or Speech()
        speech.say(f"You told me about {RED_FLAG_TABLE[flag].said} lately, so no stretching or "
                   "rolling until it has been checked.")
        turn.session["offer"] = {"kind": "checked", "then": then}
        return ask(speech, CHECKED, "Has your leg been checked, and does it feel fine now? "
                   "Yes or no?")

    def checked(self, turn: Turn, fine: bool) -> Reply:
        """The answer to "has it been checked?": a yes does what was held back."""
        then = turn.offer.get("then")
        then = then if isinstance(then, dict) else {}
        turn.session.pop("offer", None)
        if not fine:
            return self.take_care(turn, Speech().say(
                f"Then leave the stretching and rolling for now, and see {professional(turn)} "
                "first."))
        turn.session["checked"] = True
        turn.saved["checked"] = datetime.now(UTC).date().isoformat()
        routine = self.catalog.routines.get(then.get("routine", ""))
        speech = Speech().say("Good to hear. Go gently, and stop if anything hurts.")
        if then.get("act") == "resume":
            return self.resume(turn)
        if routine is None:
            return self.menu(speech)
        if then.get("act") == "offer":
            return self.offer_start(turn, routine, speech)
        return self.begin(turn, routine, speech)

    # -- before a run -------------------------------------------------------------

    def steer_to_warm_up(self, turn: Turn, routine: Routine) -> Reply | None:
        """A static routine asked for by someone about to run: offer the warm-up now and the
        static one for later (once; asked again, it is their choice). None when not needed."""
        profile = Profile.from_dict(turn.session.get("profile"))
        if routine.id not in self.static or profile.timing != "before-run":
            return None
        if turn.session.get("steered"):
            turn.session.pop("later", None)
            return None
        warm_up = next((r for r in self.catalog.routines.values()
                        if "pre-run" in r.tags and r.id not in self.static), None)
        if warm_up is None:
            return None
        turn.session["steered"] = True
        turn.session["later"] = routine.id
        static, now = self.name(routine, turn), self.name(warm_up, turn)
        speech = Speech().say(f"The {static} are static stretches, and those are best after "
                              "your run. Before you head out, a warm-up gets your hamstrings "
                              "ready.")
        turn.session["offer"] = {"kind": "start", "routine": warm_up.id}
        return ask(speech, f"Shall we do the {now} now, and the {static} when you're back?",
                   f"Would you like the {now} now? You can do the {static} after your run. "
                   "Say yes or no.")

    def later(self, turn: Turn, speech: Speech) -> None:
        """Remind a user who put a static routine off until after the run to ask for it."""
        routine = self.catalog.routines.get(turn.session.pop("later", ""))
        if routine:
            speech.say(f"When you're back from your run, ask me for the "
                       f"{self.name(routine, turn)}.")

    # -- not understood -----------------------------------------------------------

    def fallback(self, turn: Turn) -> Reply:
        """Something the skill did not understand. In a routine it may be pain, so it asks;
        elsewhere the question asked last is asked again; the second miss in a row gives
        examples of what to say right now."""
        turn.session["misses"] = misses = turn.misses + 1
        again = misses > 1
        speech = Speech().say("Sorry, I still didn't catch that." if again
                              else "Sorry, I didn't catch that.")
        if turn.check is not None or self.player(turn):
            return self.hurt_check(turn, speech, examples=again)
        kind = turn.offer.get("kind")
        question = asked(turn.session.get("question"))
        if kind in LIST_OFFERS:
            if again:
                self.examples(turn, kind, speech)
                return ask(speech, "Which would you like?", question)
            return ask(speech, question or "Which would you like?")
        if kind and question:  # a yes/no offer stays live: ask it again, nothing else
            if again:
                speech.say("Please just say yes or no.")
            return ask(speech, question)
        if again:
            speech.say("You could say: my hamstrings feel tight, I'm sore after my run, or "
                       "list routines.")
        return self.menu(speech)

    def examples(self, turn: Turn, kind: str, speech: Speech) -> None:
        """Name two things that can be said after a list: of kinds of routine, of routines
        or of products."""
        shown = turn.offer.get("shown") or []
        if kind == "product-choice":
            names = [t.name.get(turn.locale) for t in self.catalog.products.values()][:2]
            said = [f"tell me about the {name}" for name in names]
        elif kind == "category-choice":
            said = [self.reader.category_name(c) for c in shown][:2]
        else:
            routines = [self.catalog.routines[i] for i in shown if i in self.catalog.routines] \
                or list(self.catalog.routines.values())
            said = [f"start the {self.name(r, turn)}" for r in routines[:1]] + ["the first one"]
        if said:
            speech.say(f"You could say {' or '.join(said)}.")
