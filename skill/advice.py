"""The turns about how the user feels and what helps: triage, red flags, product tips.

Plain Python with no Alexa types. ``AdviceTurns`` is one part of ``Coach``: its methods use
the coach's catalog, advice and routine helpers (``menu``, ``begin``, ``player``,
``safety_note``) like the rest of the conversation does.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from skill.catalog import ProductTip
from skill.engine import Routine
from skill.plan import WEEK_DAYS, plan_week
from skill.reading import HABITS
from skill.speech import Speech
from skill.triage import QUESTIONS, RED_FLAG_TABLE, RED_FLAGS, Profile, choose, recognise
from skill.turn import Reply, Screen, Turn, ask

HISTORY_LENGTH = 20  # reports, and finished routines, kept per user
RECURRING_DAYS = 56
RED_FLAG_DAYS = 14  # how long a red flag holds back stretching and rolling, unless checked
SLOT_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
PROFESSIONAL = {
    "en-US": "a doctor or a physical therapist",
    "en-CA": "a doctor or a physiotherapist",
    "en-IN": "a doctor or a physiotherapist",
    "en-GB": "a GP or a physio",
    "en-AU": "a GP or a physio",
}


def professional(turn: Turn) -> str:
    """Who to see about a red flag, in the words of the user's country."""
    return PROFESSIONAL.get(turn.locale, PROFESSIONAL["en-US"])


class AdviceTurns:
    """Triage and product tips, as methods of ``Coach``."""

    def report_symptom(self, turn: Turn, symptom: str | None, timing: str | None,
                       habit: str | None = None) -> Reply:
        """The user says how their hamstrings feel (and when, and maybe that they already
        stretch a lot): advise and offer a routine."""
        profile = Profile.from_dict(turn.session.get("profile"))
        heard = symptom
        symptom = recognise(symptom) if symptom else None
        if symptom not in RED_FLAGS:  # read the words of a whole phrase, whichever slot
            feeling = self.reader.feeling(heard, timing, habit)
            if not feeling.symptom and not profile.symptom:
                wish = self.reader.wish(heard, timing)
                if wish:  # "I've only got a tennis ball": a request, not a symptom
                    return self.choose(turn, wish, heard or "")
            symptom = feeling.symptom or symptom
            timing = feeling.timing
            habit = habit if habit in HABITS else "stretches-a-lot" if feeling.stretches_a_lot \
                else None
        if symptom and symptom != profile.symptom:
            # Only slot ids go into the saved history, never a phrase as it was heard.
            recurring = SLOT_ID.fullmatch(symptom) is not None \
                and self.remember_report(turn, symptom)
            profile = Profile(symptom=symptom, timing=timing or profile.timing,
                              recurring=recurring)
        elif timing:
            profile = Profile(**{**profile.to_dict(), "timing": timing})
        if habit:
            profile = Profile(**{**profile.to_dict(), "stretches_a_lot": True})
        return self.triage(turn, profile)

    def remember_report(self, turn: Turn, symptom: str) -> bool:
        """Log today's report; True when the same trouble was reported on two earlier days
        in the last eight weeks, which is what makes it recurring."""
        today = datetime.now(UTC).date()
        reports = [r for r in turn.saved.get("reports", [])
                   if (today - date.fromisoformat(r["day"])).days <= RECURRING_DAYS]
        earlier = {r["day"] for r in reports
                   if r["symptom"] == symptom and r["day"] != today.isoformat()}
        if not any(r["symptom"] == symptom and r["day"] == today.isoformat() for r in reports):
            # An append: a report another session makes at the same moment is kept too.
            turn.saved.append("reports", {"symptom": symptom, "day": today.isoformat()},
                              keep=HISTORY_LENGTH)
        return len(earlier) >= 2

    def triage(self, turn: Turn, profile: Profile) -> Reply:
        """Red flags first; then ask what is still unknown; then the best advice."""
        turn.session["profile"] = profile.to_dict()
        turn.session.pop("offer", None)
        speech = Speech()
        self.safety_note(turn, speech)
        if profile.symptom is None:
            return ask(speech, "How do your hamstrings feel: tight, sore, stiff, or cramping?")
        if profile.red_flag:
            return self.red_flag(turn, speech)
        choice = choose(self.advise(profile, turn.locale), self.static, profile)
        if choice is None:  # a symptom no pack knows: ask again in words they do
            turn.session["profile"] = Profile(timing=profile.timing).to_dict()
            speech.say("I'm not sure what to suggest for that.")
            return ask(speech, "Do your hamstrings feel tight, sore, stiff, or cramping?",
                       "Do they feel tight, sore, stiff, or cramping? "
                       "You can also say list routines.")
        needs = choice.needs
        if needs is None and profile.timing is None and choice.routine in self.static:
            needs = "timing"  # never offer a static stretch to someone about to run
        if needs:
            turn.session["offer"] = {"kind": "question", "field": needs}
            return ask(speech, QUESTIONS[needs], QUESTIONS[needs] + " Yes or no?")
        advice = choice.say.get(turn.locale)
        speech.say(advice)
        tip = self.catalog.products.get(choice.product or "")
        if tip:
            product = tip.name.get(turn.locale)
            # "my ... tip" fits every product name: plural, mass noun or not
            speech.say(f"Ask me for my {product} tip any time." if product in advice.lower()
                       else f"My {product} tip can help too: ask me for it any time.")
        routine = self.catalog.routines.get(choice.routine or "")
        if routine is None:
            return self.menu(speech)
        speech.say(routine.when.get(turn.locale))  # when it is best, to help them decide
        return self.offer_start(turn, routine, speech)

    def offer_start(self, turn: Turn, routine: Routine, speech: Speech) -> Reply:
        """Ask whether to start ``routine``; "yes" starts it. After a red flag, ask first
        whether it has been checked."""
        held = self.hold_back(turn, {"act": "offer", "routine": routine.id}, speech)
        if held:
            return held
        turn.session["offer"] = {"kind": "start", "routine": routine.id}
        return ask(speech, f"Shall we start the {self.name(routine, turn)}?",
                   f"Would you like to start the {self.name(routine, turn)}? Say yes or no.")

    def red_flag(self, turn: Turn, speech: Speech) -> Reply:
        """Stop: no routine, see a professional; offer the cold-pack tip if there is one.

        A routine in progress stops here, and nothing is kept that would resume it: no
        stretching or rolling until the user says it has been checked (``hold_back``)."""
        if self.player(turn):
            speech.say("Let's stop the routine there.")
        speech.say("That could be more than tightness, so please don't stretch, roll or run "
                   f"on it. Stop, and have it checked by {professional(turn)}. Even if it "
                   "settles, give running several days off completely.")
        self.stand_down(turn)
        tip = self.catalog.find_product("cold pack")
        if tip is None:
            reply = self.take_care(turn, speech)
        else:
            reply = self.offer_product(turn, tip, speech)
        reply.screen = Screen("red-flag", lines=self.red_flag_lines(turn))
        return reply

    def stand_down(self, turn: Turn) -> None:
        """After a red flag: keep nothing that would resume a routine, and forget that an
        earlier one was checked."""
        self.keep(turn, None)
        turn.session.pop("heard_by", None)
        turn.session.pop("checked", None)
        turn.saved.pop("checked", None)

    def mark_red_flag(self, turn: Turn, flag: str) -> None:
        """Note a red flag that a pack's answer will speak to (a topic on strains): it holds
        back routines as any red flag does, and the answer ends without offering one."""
        profile = Profile.from_dict(turn.session.get("profile"))
        if flag != profile.symptom:
            self.remember_report(turn, flag)
        turn.session["profile"] = Profile(symptom=flag, timing=profile.timing).to_dict()
        self.stand_down(turn)

    def red_flag_lines(self, turn: Turn) -> tuple[str, ...]:
        """What the red-flag screen shows: large and plain, the same advice as spoken."""
        return ("Stop now.", "No stretching, rolling or running on it.",
                f"Have it checked by {professional(turn)}.")

    def offer_product(self, turn: Turn, tip: ProductTip, speech: Speech) -> Reply:
        """Ask whether to give a product tip; "yes" gives it."""
        turn.session["offer"] = {"kind": "product", "product": tip.id}
        name = tip.name.get(turn.locale)
        return ask(speech, f"Would you like my {name} tip?",
                   f"Shall I give you my {name} tip? Yes or no?")

    def recent_red_flag(self, turn: Turn, speech: Speech) -> bool:
        """Remind a user who reported a red flag lately, not yet checked, to go carefully."""
        flag = self.open_red_flag(turn)
        if flag is None:
            return False
        speech.say(f"Last time you told me about {RED_FLAG_TABLE[flag].said}. Only stretch or "
                   "roll once it has been checked and feels fine.")
        return True

    def take_care(self, turn: Turn, speech: Speech) -> Reply:
        """End the session after a red flag, with no routine and no open question."""
        turn.session.pop("offer", None)
        return Reply(speech.say("Take care of that leg."))

    def red_flagged(self, turn: Turn) -> bool:
        """Whether this session's triage found a red flag."""
        return Profile.from_dict(turn.session.get("profile")).red_flag

    def product_tips(self, turn: Turn, spoken: str | None) -> Reply:
        """Tell the user about one recovery product, or list them."""
        tip = self.catalog.find_product(spoken)
        if tip:
            return self.tip(tip, turn)
        speech = Speech()
        if spoken:
            speech.say(f"I don't have a tip on {spoken}.")
        return self.list_products(turn, speech)

    def list_products(self, turn: Turn, speech: Speech, start: int = 0) -> Reply:
        """Name the products there are tips on (a few at a time) and ask which one."""
        names = [t.name.get(turn.locale) for t in self.catalog.products.values()]
        if not names:
            return self.menu(speech.say("No product tips are installed."))
        hint = self.name_some(turn, "product-choice", names, start, speech,
                              "I have tips on these:" if start == 0 else "There's also")
        return ask(speech, "Which one would you like to hear about?" + hint,
                   f"Which one would you like to hear about? For example, say "
                   f"tell me about the {names[0]}.")

    def tip(self, tip: ProductTip, turn: Turn) -> Reply:
        """A product tip spoken (what, when, how, when not) and sent as a card."""
        speech = Speech()
        for part in (tip.what, tip.when, tip.how, tip.avoid):
            speech.say(part.get(turn.locale))
        card = (tip.name.get(turn.locale).capitalize(), speech.text())
        # asked while a routine was on offer: the offer still stands
        offered = turn.offer.get("routine") if turn.offer.get("kind") == "start" else None
        reply = self.after_answer(turn, speech, offered, None)
        reply.card = card
        return reply

    def topic(self, turn: Turn, spoken: str | None) -> Reply:
        """Answer a question a pack's topic covers ("how long until I can run again"), then
        offer its routine, or go back to the routine in progress."""
        topic = self.catalog.find_topic(spoken)
        speech = Speech()
        if topic is None:
            speech.say("I don't have an answer to that one.")
            if self.player(turn):
                return ask(speech, "Say next when you're ready to carry on.",
                           "Say next to go on with the routine, or stop to finish.")
            return self.menu(speech)
        speech.say(topic.say.get(turn.locale))
        reply = self.after_answer(turn, speech, topic.routine, topic.product)
        question = topic.questions[0]
        reply.card = (question[0].upper() + question[1:], topic.say.get(turn.locale))
        return reply

    def after_answer(self, turn: Turn, speech: Speech, routine_id: str | None,
                     product_id: str | None) -> Reply:
        """After an answer: back to the routine in progress; or offer ``routine_id`` (or the
        product tip); or ask what next."""
        if self.player(turn):
            return ask(speech, "Say next when you're ready to carry on.",
                       "Say next to go on with the routine, or stop to finish.")
        if self.red_flagged(turn):  # no routine today
            return self.take_care(turn, speech)
        routine = self.catalog.routines.get(routine_id or "")
        if routine:
            return self.offer_start(turn, routine, speech)
        tip = self.catalog.products.get(product_id or "")
        if tip:
            return self.offer_product(turn, tip, speech)
        turn.session.pop("offer", None)
        return self.menu(speech)

    def week_plan(self, turn: Turn) -> Reply:
        """What to do this week, from the routines finished and the trouble reported lately:
        a few sentences, a card, the plan for a screen, and the next strength session on
        offer."""
        today = datetime.now(UTC).date()
        ages = [(r.get("symptom"), (today - date.fromisoformat(r["day"])).days)
                for r in turn.saved.get("reports", [])]
        red_flag = self.open_red_flag(turn) is not None  # not yet checked and fine
        troubled = any(s not in RED_FLAG_TABLE and age < WEEK_DAYS for s, age in ages)
        plan = plan_week(turn.saved.get("history", []), self.catalog.routines, troubled,
                         red_flag, today)
        speech = Speech()
        for sentence in plan.sentences():
            speech.say(sentence)
        card = ("Your week", speech.text())
        if red_flag and not self.player(turn):
            reply = self.take_care(turn, speech)
        else:
            reply = self.after_answer(turn, speech, plan.offer, None)
        reply.card, reply.plan = card, plan
        return reply

    def answer(self, turn: Turn, value: bool) -> Reply:
        """A yes or no to a triage question: fill it into the profile and triage again."""
        profile = Profile.from_dict(turn.session.get("profile"))
        return self.triage(turn, profile.answer(turn.offer["field"], value))
