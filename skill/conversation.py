"""What the coach says and does in each turn: plain Python with no Alexa types.

A ``Turn`` carries the session attributes (a dict) and the user's saved
attributes (a ``Saved`` mapping, read from the store on first use); each method
of ``Coach`` reads and changes them and returns a ``Reply``. A reply with a
reprompt keeps the session open; one without ends it, so the microphone is
never left open without a question.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from skill.catalog import Catalog, ProductTip
from skill.engine import Player, Routine, Segment
from skill.saved import Saved
from skill.speech import Speech, number, render_segment, seconds_phrase
from skill.triage import QUESTIONS, Advice, Profile, choose, recognise

log = logging.getLogger(__name__)

HISTORY_LENGTH = 20
RENDER_CACHE = 4096  # rendered segments kept per process
RECURRING_DAYS = 56
TURN_BUDGET = 84.0  # seconds of segment speech, leaving room for the closing question
PROFESSIONAL = {
    "en-US": "a doctor or a physical therapist",
    "en-CA": "a doctor or a physiotherapist",
    "en-IN": "a doctor or a physiotherapist",
    "en-GB": "a GP or a physio",
    "en-AU": "a GP or a physio",
}
SLOT_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SAFETY_NOTE = "I'm a coach, not a doctor: if anything gives you a sharp pain, stop."


@dataclass
class Reply:
    """What to say; ``reprompt`` set means the session stays open for an answer."""

    speech: Speech
    reprompt: str | None = None
    card: tuple[str, str] | None = None

    @property
    def ends_session(self) -> bool:
        """True when the skill is not waiting for an answer."""
        return self.reprompt is None


@dataclass
class Turn:
    """One request's view of the user: session and saved attributes, mutated in place."""

    locale: str = "en-US"
    session: dict = field(default_factory=dict)
    saved: Saved = field(default_factory=Saved)  # a dict given here is taken as loaded
    new_session: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.saved, Saved):
            self.saved = Saved(self.saved)

    @property
    def offer(self) -> dict:
        """The yes/no question the skill asked last, if any."""
        return self.session.get("offer") or {}


@dataclass(frozen=True)
class RoutineEvent:
    """Something that happened in a routine, for packs that observe."""

    name: str  # "started", "step_done" or "completed"
    routine: str
    step: int | None = None
    user: str | None = None


def ask(speech: Speech, question: str, reprompt: str | None = None) -> Reply:
    """Say ``speech`` then ``question`` and wait for an answer."""
    return Reply(speech.say(question), reprompt or question)


class Coach:
    """The conversation. Holds the catalog and a callback for routine events."""

    def __init__(
        self,
        catalog: Catalog,
        notify: Callable[[RoutineEvent], None] | None = None,
        advise: Callable[[Profile, str], list[Advice]] | None = None,
    ) -> None:
        self.catalog = catalog
        self.notify = notify or (lambda event: None)
        self.advise = advise or (lambda profile, locale: [])
        self.static = {r.id for r in catalog.routines.values() if "static" in r.tags}
        # A segment always sounds the same: render each once (callers never change it).
        self.render = functools.lru_cache(maxsize=RENDER_CACHE)(self._render)

    def _render(self, routine_id: str, segment: Segment, locale: str) -> Speech:
        return render_segment(self.catalog.routines[routine_id], segment, locale)

    # -- helpers -------------------------------------------------------------

    def player(self, turn: Turn) -> Player | None:
        """The routine in progress in this session, if any."""
        state = turn.session.get("player")
        routine = self.catalog.routines.get(state["routine"]) if state else None
        return Player.restore(routine, state) if routine else None

    def saved_player(self, turn: Turn) -> Player | None:
        """The routine the user left unfinished last time, if it still exists."""
        state = turn.saved.get("player")
        routine = self.catalog.routines.get(state["routine"]) if state else None
        return Player.restore(routine, state) if routine else None

    def keep(self, turn: Turn, player: Player | None) -> None:
        """Store the position in the session and in the saved attributes."""
        turn.session.pop("offer", None)
        if player is None:
            turn.session.pop("player", None)
            turn.saved.pop("player", None)
        else:
            turn.session["player"] = player.state()
            turn.saved["player"] = player.state()

    def name(self, routine: Routine, turn: Turn) -> str:
        """The routine's spoken name."""
        return routine.name.get(turn.locale)

    def menu_question(self) -> str:
        """The open question asked when nothing is running."""
        return "How do your hamstrings feel, or which routine would you like?"

    def menu(self, speech: Speech) -> Reply:
        """Ask what the user wants, with a reprompt that lists the options."""
        return ask(
            speech,
            self.menu_question(),
            "You can tell me how your hamstrings feel, like tight or sore, "
            "or say list routines. What would you like?",
        )

    def where(self, player: Player) -> str:
        """'step 3 of 7 of the after-run stretches'."""
        progress = player.progress()
        return f"step {progress.step} of {progress.steps} of the {player.routine.name.get()}"

    # -- playing -------------------------------------------------------------

    def play(self, turn: Turn, player: Player, intro: Speech | None = None) -> Reply:
        """Speak the current segment (or several in continuous mode) and ask to go on."""
        speech = intro or Speech()
        rendered: dict = {}

        def measure(segment) -> float:
            rendered[segment] = self.render(player.routine.id, segment, turn.locale)
            return rendered[segment].seconds

        if speech.seconds and speech.seconds + measure(player.segment) > TURN_BUDGET:
            # The introduction and the step would not fit in one turn: let the user settle.
            self.keep(turn, player)
            turn.session["offer"] = {"kind": "begin"}
            return ask(speech, "Say next when you're in position.",
                       "Say next when you're ready to begin, or stop to finish.")
        for segment in player.play(measure, TURN_BUDGET - speech.seconds):
            if segment not in rendered:
                measure(segment)
            speech.extend(rendered[segment])
        self.keep(turn, player)
        if player.at_end:
            return self.finish(turn, player, speech)
        following = player.routine.segments()[player.position + 1]
        if following.step == player.segment.step:
            if following.part:
                question = "Say next to keep going."
            elif following.set_no == player.segment.set_no:
                question = "Say next for the right side."
            else:
                question = f"Say next for set {number(following.set_no)}."
        else:
            question = "Say next when you're ready, or repeat to do it again."
        return ask(speech, question,
                   "Say next to go on, repeat to do that again, or pause to take a break.")

    def finish(self, turn: Turn, player: Player, speech: Speech) -> Reply:
        """Close the routine, remember it in the history, and end the session."""
        player.done = True
        history = turn.saved.setdefault("history", [])
        history.append({"routine": player.routine.id,
                        "finished": datetime.now(UTC).isoformat(timespec="seconds")})
        del history[:-HISTORY_LENGTH]
        self.keep(turn, None)
        self.notify(RoutineEvent("completed", player.routine.id))
        speech.say(f"That's the end of the {self.name(player.routine, turn)}. Nicely done. "
                   "Drink some water, and come back any time.")
        return Reply(speech, card=("Routine finished", self.name(player.routine, turn)))

    def begin(self, turn: Turn, routine: Routine, intro: Speech | None = None) -> Reply:
        """Start ``routine`` from the top."""
        continuous = bool(turn.saved.get("prefs", {}).get("continuous"))
        player = Player.start(routine, continuous=continuous)
        speech = intro or Speech()
        minutes = max(1, round(routine.seconds() / 60))
        speech.say(f"Let's do the {self.name(routine, turn)}. It takes about {minutes} "
                   f"minute{'s' if minutes > 1 else ''}.")
        if routine.equipment:
            speech.say(f"You'll need {_join(map(with_article, routine.equipment))}.")
        if routine.avoid.get(turn.locale):
            speech.say(routine.avoid.get(turn.locale))
        self.notify(RoutineEvent("started", routine.id))
        return self.play(turn, player, speech)

    # -- intents ---------------------------------------------------------------

    def launch(self, turn: Turn) -> Reply:
        """Greet; offer to resume an unfinished routine, or ask how the user feels."""
        turn.saved["visits"] = int(turn.saved.get("visits", 0)) + 1
        speech = Speech()
        saved = self.saved_player(turn)
        if saved:
            return self.offer_resume(
                turn, speech.say(f"Welcome back. You were on {self.where(saved)}."))
        speech.say("Welcome to Hamstring Coach.")
        self.safety_note(turn, speech)
        return self.menu(speech)

    def offer_resume(self, turn: Turn, speech: Speech) -> Reply:
        """Ask whether to pick up the routine the user left; "yes" resumes it."""
        turn.session["offer"] = {"kind": "resume"}
        return ask(speech, "Shall we pick up there?",
                   "Would you like to pick up where you left off? Say yes or no.")

    def safety_note(self, turn: Turn, speech: Speech) -> None:
        """Say the one-sentence safety note the first time a user hears the skill."""
        if not turn.saved.get("safety_heard"):
            turn.saved["safety_heard"] = True
            speech.say(SAFETY_NOTE)

    # -- triage --------------------------------------------------------------

    def report_symptom(self, turn: Turn, symptom: str | None, timing: str | None) -> Reply:
        """The user says how their hamstrings feel (and when): advise and offer a routine."""
        profile = Profile.from_dict(turn.session.get("profile"))
        symptom = recognise(symptom) if symptom else None
        if symptom and symptom != profile.symptom:
            # Only slot ids go into the saved history, never a phrase as it was heard.
            recurring = SLOT_ID.fullmatch(symptom) is not None \
                and self.remember_report(turn, symptom)
            profile = Profile(symptom=symptom, timing=timing or profile.timing,
                              recurring=recurring)
        elif timing:
            profile = Profile(**{**profile.to_dict(), "timing": timing})
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
            reports.append({"symptom": symptom, "day": today.isoformat()})
        turn.saved["reports"] = reports[-HISTORY_LENGTH:]
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
                       "Tell me if they feel tight, sore, stiff, or cramping, "
                       "or say list routines.")
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
        return self.offer_start(turn, routine, speech)

    def offer_start(self, turn: Turn, routine: Routine, speech: Speech) -> Reply:
        """Ask whether to start ``routine``; "yes" starts it."""
        turn.session["offer"] = {"kind": "start", "routine": routine.id}
        return ask(speech, f"Shall we start the {self.name(routine, turn)}?",
                   f"Would you like to start the {self.name(routine, turn)}? Say yes or no.")

    def red_flag(self, turn: Turn, speech: Speech) -> Reply:
        """Stop: no routine, see a professional; offer the cold-pack tip if there is one.

        A routine in progress stops here (its place stays saved for another day)."""
        who = PROFESSIONAL.get(turn.locale, PROFESSIONAL["en-US"])
        speech.say("That could be more than tightness, so please don't stretch, roll or run "
                   f"on it today. Stop, and have it checked by {who}.")
        turn.session.pop("player", None)
        tip = self.catalog.find_product("cold pack")
        if tip is None:
            return self.take_care(turn, speech)
        turn.session["offer"] = {"kind": "product", "product": tip.id}
        return ask(speech, f"Would you like my {tip.name.get(turn.locale)} tip?",
                   f"Shall I give you my {tip.name.get(turn.locale)} tip? Yes or no?")

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
        if tip is None:
            names = [t.name.get(turn.locale) for t in self.catalog.products.values()]
            speech = Speech()
            if spoken:
                speech.say(f"I don't have a tip on {spoken}.")
            if not names:
                return self.menu(speech.say("No product tips are installed."))
            speech.say(f"I have tips on these: {_join(names, shown=8)}.")
            turn.session["offer"] = {"kind": "product-choice"}
            return ask(speech, "Which one would you like to hear about?",
                       f"Which one would you like to hear about? For example, say "
                       f"tell me about the {names[0]}.")
        return self.tip(tip, turn)

    def tip(self, tip: ProductTip, turn: Turn) -> Reply:
        """A product tip spoken (what, when, how, when not) and sent as a card."""
        speech = Speech()
        for part in (tip.what, tip.when, tip.how, tip.avoid):
            speech.say(part.get(turn.locale))
        card = (tip.name.get(turn.locale).capitalize(), speech.text())
        offered = self.catalog.routines.get(turn.offer.get("routine", "")) \
            if turn.offer.get("kind") == "start" else None
        if self.player(turn):  # asked in the middle of a routine: offer to carry on
            reply = ask(speech, "Say next when you're ready to carry on.",
                        "Say next to go on with the routine, or stop to finish.")
        elif offered:  # asked while a routine was on offer: the offer still stands
            reply = self.offer_start(turn, offered, speech)
        elif self.red_flagged(turn):  # no routine today: nothing more to ask
            reply = self.take_care(turn, speech)
        else:
            turn.session.pop("offer", None)
            reply = self.menu(speech)
        reply.card = card
        return reply

    def start_routine(self, turn: Turn, spoken: str | None) -> Reply:
        """Start the routine the user named (or give the tip on a product they named), or
        list what there is."""
        # A name said on its own is heard as a routine's: after "which one would you like to
        # hear about?", or when no routine has it, it is a product's.
        tip = self.catalog.find_product(spoken) if spoken else None
        routine = self.catalog.find_routine(spoken)
        if tip and (routine is None or turn.offer.get("kind") == "product-choice"):
            return self.tip(tip, turn)
        if routine:
            return self.begin(turn, routine)
        speech = Speech()
        if spoken:
            speech.say(f"I don't know a routine called {spoken}.")
        return self.list_routines(turn, speech)

    def list_routines(self, turn: Turn, speech: Speech | None = None) -> Reply:
        """Name the routines there are and ask which one."""
        speech = speech or Speech()
        names = [self.name(r, turn) for r in self.catalog.routines.values()]
        if not names:
            speech.say("No routines are installed yet.")
            return Reply(speech)
        speech.say(f"I have these routines: {_join(names, shown=6)}.")
        return ask(speech, "Which one would you like?",
                   f"Which routine would you like? For example, say start the {names[0]}.")

    def next(self, turn: Turn) -> Reply:
        """Go to the next segment, or finish."""
        if turn.offer.get("kind") in ("start", "resume"):
            return self.yes(turn)  # "ready" after "Shall we start?"
        player = self.player(turn)
        if player is None:
            return self.nothing_running(turn)
        if turn.offer.get("kind") == "begin":
            return self.play(turn, player)
        return self.advance(turn, player, Speech())

    def advance(self, turn: Turn, player: Player, speech: Speech) -> Reply:
        """Move past the segment just played and play the next, or finish."""
        step_before = player.segment.step
        if not player.next():
            return self.finish(turn, player, speech)
        if player.segment.step != step_before:
            self.notify(RoutineEvent("step_done", player.routine.id, step_before + 1))
        return self.play(turn, player, speech)

    def skip(self, turn: Turn) -> Reply:
        """Leave the rest of this step (other side, sets) and go to the next step."""
        player = self.player(turn)
        if player is None:
            return self.nothing_running(turn)
        if not player.skip():
            return self.finish(turn, player, Speech().say("That was the last step."))
        return self.play(turn, player, Speech().say("Skipping ahead."))

    def previous(self, turn: Turn) -> Reply:
        """Go back to the previous step."""
        player = self.player(turn)
        if player is None:
            return self.nothing_running(turn)
        speech = Speech()
        if not player.previous():
            speech.say("This is the first step, so here it is again.")
        return self.play(turn, player, speech)

    def repeat(self, turn: Turn) -> Reply:
        """Play the current segment again, or repeat the last question."""
        player = self.player(turn)
        if player is not None:
            return self.play(turn, player)
        question = turn.session.get("question")
        if question:
            return ask(Speech(), question)
        return self.menu(Speech())

    def start_over(self, turn: Turn) -> Reply:
        """Back to the first step of the current routine."""
        player = self.player(turn) or self.saved_player(turn)
        if player is None:
            return self.nothing_running(turn)
        player.start_over()
        return self.play(turn, player, Speech().say("Starting over."))

    def pause(self, turn: Turn) -> Reply:
        """Save the position and end the session; launching again offers to resume."""
        player = self.player(turn)
        if player is None:
            return Reply(Speech().say("Okay. Come back whenever you like."))
        player.pause()
        self.keep(turn, player)
        return Reply(Speech().say(
            f"Paused on {self.where(player)}. When you're ready, say: Alexa, ask hamstring "
            "coach to resume."))

    def resume(self, turn: Turn) -> Reply:
        """Carry on from where the user paused or left off."""
        player = self.player(turn) or self.saved_player(turn)
        if player is None:
            return self.nothing_running(turn)
        player.resume()
        if player.segment.opens_step:  # the step's opening says which step it is
            intro = f"Picking up the {self.name(player.routine, turn)} where you left off."
        else:
            intro = f"Picking up at {self.where(player)}."
        return self.play(turn, player, Speech().say(intro))

    def progress(self, turn: Turn) -> Reply:
        """Say how far along the user is, in this session or the one they left."""
        player = self.player(turn)
        if player is None:
            saved = self.saved_player(turn)
            if saved is None:
                return self.nothing_running(turn)
            left = seconds_phrase(saved.progress().minutes_left * 60)
            return self.offer_resume(
                turn, Speech().say(f"You were on {self.where(saved)}, about {left} left."))
        progress = player.progress()
        speech = Speech().say(
            f"You're on step {progress.step} of {progress.steps}, about "
            f"{seconds_phrase(progress.minutes_left * 60)} left.")
        return ask(speech, "Say next when you're ready.",
                   "Say next to go on, or pause to take a break.")

    def set_continuous(self, turn: Turn, continuous: bool) -> Reply:
        """Switch between one step a turn and several steps a turn."""
        turn.saved.setdefault("prefs", {})["continuous"] = continuous
        player = self.player(turn)
        if player is None:
            speech = Speech().say("Okay, I'll keep going without stopping." if continuous
                                  else "Okay, one step at a time.")
            return self.menu(speech)
        player.continuous = continuous
        unplayed = turn.offer.get("kind") == "begin"  # the user is still getting into position
        if continuous:
            if unplayed:  # the first segment needs the whole turn
                return self.play(turn, player)
            return self.advance(turn, player, Speech().say("Okay, I'll keep going."))
        self.keep(turn, player)  # what was played stays played: ask for "next"
        if unplayed:
            turn.session["offer"] = {"kind": "begin"}
        return ask(Speech().say("Okay, one step at a time."), "Say next when you're ready.",
                   "Say next to go on, or pause to take a break.")

    def yes(self, turn: Turn) -> Reply:
        """Accept the offer made last turn."""
        offer = turn.offer
        if offer.get("kind") == "resume":
            return self.resume(turn)
        if offer.get("kind") == "begin":
            return self.next(turn)
        if offer.get("kind") == "start":
            routine = self.catalog.routines.get(offer.get("routine", ""))
            if routine:
                return self.begin(turn, routine)
        if offer.get("kind") == "question":
            return self.answer(turn, True)
        if offer.get("kind") == "product":
            tip = self.catalog.products.get(offer.get("product", ""))
            if tip:
                return self.tip(tip, turn)
        if self.player(turn):
            return self.next(turn)
        return self.menu(Speech())

    def no(self, turn: Turn) -> Reply:
        """Decline the offer made last turn."""
        offer = turn.offer
        turn.session.pop("offer", None)
        if offer.get("kind") == "resume":
            self.keep(turn, None)
            return self.menu(Speech().say("Okay, a fresh start then."))
        if offer.get("kind") == "question":
            turn.session["offer"] = offer
            return self.answer(turn, False)
        if offer.get("kind") == "product" and self.red_flagged(turn):
            return self.take_care(turn, Speech().say("Okay."))
        if self.player(turn):
            return ask(Speech().say("Okay."), "Say next when you're ready, or stop to finish.")
        return self.menu(Speech().say("No problem."))

    def answer(self, turn: Turn, value: bool) -> Reply:
        """A yes or no to a triage question: fill it into the profile and triage again."""
        profile = Profile.from_dict(turn.session.get("profile"))
        return self.triage(turn, profile.answer(turn.offer["field"], value))

    def help(self, turn: Turn) -> Reply:
        """Explain what can be said right now."""
        player = self.player(turn)
        if player:
            speech = Speech().say(
                f"We're on {self.where(player)}. You can say next, skip, repeat, go back, "
                "how many left, keep going, or pause.")
            return ask(speech, "What would you like?",
                       "Say next to go on, or pause to take a break.")
        speech = Speech().say(
            "I talk you through stretches, strength work and foam rolling for your "
            "hamstrings, step by step. Tell me how they feel, or ask for a routine.")
        return self.menu(speech)

    def stop(self, turn: Turn) -> Reply:
        """End the session; an unfinished routine stays saved."""
        player = self.player(turn)
        if player:
            self.keep(turn, player)
            return Reply(Speech().say("Okay, I've saved your place. See you next time."))
        return Reply(Speech().say("Okay. Look after those hamstrings."))

    def fallback(self, turn: Turn) -> Reply:
        """Something was said that the skill does not understand."""
        speech = Speech().say("Sorry, I didn't catch that.")
        if self.player(turn):
            return ask(speech, "Say next, repeat, or pause.")
        if turn.offer.get("kind") == "product-choice":
            return ask(speech, "Which product would you like to hear about?",
                       "Which product would you like to hear about? For example, say tell me "
                       "about the cold pack.")
        return self.menu(speech)

    def nothing_running(self, turn: Turn) -> Reply:
        """Answer a routine command when no routine is running."""
        return self.menu(Speech().say("There's no routine running right now."))


def _join(items, shown: int | None = None) -> str:
    """'a', 'a and b', 'a, b and c'; past ``shown`` items, 'a, b and 3 more'."""
    items = list(items)
    if shown is not None and len(items) > shown:
        return ", ".join(items[:shown]) + f" and {len(items) - shown} more"
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def with_article(thing: str) -> str:
    """'a strap', 'an exercise ball'; plurals and 'some ...' are left alone."""
    if thing.endswith("s") or thing.split()[0] in ("a", "an", "some", "your", "two"):
        return thing
    return ("an " if thing[0] in "aeiou" else "a ") + thing
