"""What the coach says and does in each turn: plain Python with no Alexa types.

``Coach`` has one method per thing a user can say; each takes the ``Turn`` (session and
saved attributes, see ``skill.turn``), changes it, and returns a ``Reply``. The triage and
product tips are in ``skill.advice``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from skill.advice import HISTORY_LENGTH, AdviceTurns
from skill.catalog import Catalog
from skill.choosing import LIST_PAGE, ChoosingTurns
from skill.engine import Player, Routine, Segment
from skill.reading import Reader
from skill.speech import Speech, number, render_segment, seconds_phrase, spoken_list, with_article
from skill.triage import Advice, Profile
from skill.turn import Reply, RoutineEvent, Screen, Turn, ask

log = logging.getLogger(__name__)

RENDER_CACHE = 4096  # rendered segments kept per process
HEARD = 0.9  # of a turn's estimated speech time, after which it counts as heard
TURN_BUDGET = 84.0  # seconds of segment speech, leaving room for the closing question
SAFETY_NOTE = "I'm a coach, not a doctor: if anything gives you a sharp pain, stop."


class Coach(AdviceTurns, ChoosingTurns):
    """The conversation. Holds the catalog and a callback for routine events; the triage
    and product tips are in ``AdviceTurns``, finding and listing routines in
    ``ChoosingTurns``."""

    def __init__(
        self,
        catalog: Catalog,
        notify: Callable[[RoutineEvent], None] | None = None,
        advise: Callable[[Profile, str], list[Advice]] | None = None,
    ) -> None:
        self.catalog = catalog
        self.reader = Reader(catalog)
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
        reply = ask(
            speech,
            self.menu_question(),
            "You can tell me how your hamstrings feel, like tight or sore, "
            "or say list routines. What would you like?",
        )
        reply.screen = Screen("menu")
        return reply

    def screen(self, turn: Turn) -> Screen:
        """What a screen shows after a turn that did not choose: the red flag while it
        stands, the step in progress (without its clock), else the menu."""
        if self.red_flagged(turn):
            return Screen("red-flag", lines=self.red_flag_lines(turn))
        player = self.player(turn)
        if player:
            return Screen("step", player.routine, player.segment)
        return Screen("menu")

    def ticking(self, turn: Turn) -> bool:
        """Whether holds play over a ticking clock (the default) or as speech and cues
        alone; the saved preference is read once a session."""
        if "ticking" not in turn.session:
            turn.session["ticking"] = bool(turn.saved.get("prefs", {}).get("ticking", True))
        return bool(turn.session["ticking"])

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
            turn.session.pop("heard_by", None)
            reply = ask(speech, "Say next when you're in position.",
                        "Say next when you're ready to begin, or stop to finish.")
            reply.screen = Screen("overview", player.routine)
            return reply
        first = player.segment
        for segment in player.play(measure, TURN_BUDGET - speech.seconds):
            if segment not in rendered:
                measure(segment)
            speech.extend(rendered[segment])
        self.keep(turn, player)
        if player.at_end:
            reply = self.finish(turn, player, speech)
            if speech.holds:  # the last hold is still to run: show its clock, not the end
                reply.screen = Screen("step", player.routine, first)
            return reply
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
        reply = ask(speech, question,
                    "Say next to go on, repeat to do that again, or pause to take a break.")
        reply.screen = Screen("step", player.routine, first)
        reply.ticking = self.ticking(turn)
        # When this turn's speech will have been heard to the end (a little early, since the
        # estimate can run long): a user who leaves after that has done this segment.
        heard_by = datetime.now(UTC) + timedelta(seconds=HEARD * speech.seconds)
        turn.session["heard_by"] = heard_by.isoformat(timespec="seconds")
        return reply

    def leave(self, turn: Turn, player: Player) -> None:
        """Keep the place to come back to when the user goes (pause, stop, a timeout). A
        segment heard to the end is done: coming back starts with the one after it. One cut
        short ("Alexa, pause" in the middle of a hold) is played again."""
        heard_by = turn.session.pop("heard_by", None)
        if heard_by and not player.at_end \
                and datetime.now(UTC) >= datetime.fromisoformat(heard_by):
            player.next()
        self.keep(turn, player)

    def session_ended(self, turn: Turn) -> None:
        """The session closed without a word from the user (a timeout, "exit")."""
        player = self.player(turn)
        if player:
            self.leave(turn, player)
        turn.session.pop("offer", None)

    def finish(self, turn: Turn, player: Player, speech: Speech) -> Reply:
        """Close the routine, remember it in the history, and end the session."""
        player.done = True
        turn.saved.append("history", {"routine": player.routine.id,
                                      "finished": datetime.now(UTC).isoformat(timespec="seconds")},
                          keep=HISTORY_LENGTH)
        self.keep(turn, None)
        self.notify(RoutineEvent("completed", player.routine.id))
        speech.say(f"That's the end of the {self.name(player.routine, turn)}. Nicely done. "
                   "Drink some water, and come back any time.")
        return Reply(speech, card=("Routine finished", self.name(player.routine, turn)),
                     screen=Screen("end", player.routine), ticking=self.ticking(turn))

    def begin(self, turn: Turn, routine: Routine, intro: Speech | None = None) -> Reply:
        """Start ``routine`` from the top."""
        continuous = bool(turn.saved.get("prefs", {}).get("continuous"))
        player = Player.start(routine, continuous=continuous)
        speech = intro or Speech()
        minutes = max(1, round(routine.seconds() / 60))
        speech.say(f"Let's do the {self.name(routine, turn)}. It takes about {minutes} "
                   f"minute{'s' if minutes > 1 else ''}.")
        if routine.equipment:
            speech.say(f"You'll need {spoken_list(map(with_article, routine.equipment))}.")
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
            speech.say(f"Welcome back. You were on {self.where(saved)}.")
            self.recent_red_flag(turn, speech)
            return self.offer_resume(turn, speech)
        speech.say("Welcome to Hamstring Coach.")
        if not self.recent_red_flag(turn, speech):
            self.safety_note(turn, speech)
        return self.menu(speech)

    def offer_resume(self, turn: Turn, speech: Speech) -> Reply:
        """Ask whether to pick up the routine the user left; "yes" resumes it."""
        turn.session["offer"] = {"kind": "resume"}
        reply = ask(speech, "Shall we pick up there?",
                    "Would you like to pick up where you left off? Say yes or no.")
        saved = self.saved_player(turn)
        if saved:
            progress = saved.progress()
            reply.screen = Screen("overview", saved.routine, lines=(
                f"You were on step {progress.step} of {progress.steps}.",))
        return reply

    def safety_note(self, turn: Turn, speech: Speech) -> None:
        """Say the one-sentence safety note the first time a user hears the skill."""
        if not turn.saved.get("safety_heard"):
            turn.saved["safety_heard"] = True
            speech.say(SAFETY_NOTE)

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
        wish = self.reader.wish(spoken)
        if wish:  # "the stretching one", "something with a strap"
            return self.choose(turn, wish, spoken or "")
        speech = Speech()
        if spoken:
            speech.say(f"I don't know a routine called {spoken}.")
        return self.list_routines(turn, speech)

    def name_some(self, turn: Turn, kind: str, names: list[str], start: int, speech: Speech,
                  intro: str) -> str:
        """Say up to ``LIST_PAGE`` of ``names`` from ``start`` and remember where to go on
        when the user says "more" (an offer of ``kind``). Returns what to add to the question:
        how to hear the rest, if any are left."""
        shown = names[start:start + LIST_PAGE]
        left = len(names) - start - len(shown)
        speech.say(f"{intro} {spoken_list(shown, more=left)}.")
        turn.session["offer"] = {"kind": kind, **({"from": start + len(shown)} if left else {})}
        return " Say more to hear the rest." if left else ""

    def more(self, turn: Turn) -> Reply:
        """Name the next few of the list said last."""
        start = turn.offer.get("from")
        routines = self.more_routines(turn)
        if routines:
            return routines
        if start and turn.offer.get("kind") == "product-choice":
            return self.list_products(turn, Speech(), start)
        if self.player(turn):
            return ask(Speech().say("There's nothing more to list."), "Say next when you're ready.",
                       "Say next to go on, or pause to take a break.")
        return self.menu(Speech().say("There's nothing more to list."))

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
        self.leave(turn, player)
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

    def set_ticking(self, turn: Turn, ticking: bool) -> Reply:
        """Choose between holds over a ticking clock and holds with spoken cues alone;
        remembered across sessions."""
        turn.saved.setdefault("prefs", {})["ticking"] = ticking
        turn.session["ticking"] = ticking
        said = ("Okay, you'll hear a clock ticking through each hold." if ticking
                else "Okay, no ticking: I'll just talk you through each hold.")
        if self.player(turn) is None:
            return self.menu(Speech().say(said))
        return ask(Speech().say(said), "Say next when you're ready.",
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
            self.leave(turn, player)
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

