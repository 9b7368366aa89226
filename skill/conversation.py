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
from skill.engine import Player, Routine, Segment, Step
from skill.reading import Reader
from skill.safety import SafetyTurns
from skill.speech import (
    Speech,
    about,
    closing,
    number,
    render_segment,
    seconds_phrase,
    spoken_list,
    with_article,
)
from skill.triage import Advice, Profile
from skill.turn import Reply, RoutineEvent, Screen, Turn, ask

log = logging.getLogger(__name__)

RENDER_CACHE = 4096  # rendered segments kept per process
HEARD = 0.9  # of a turn's estimated speech time, after which it counts as heard
TURN_BUDGET = 84.0  # seconds of segment speech, leaving room for the closing question
# How "how many reps" describes a timed step.
TIMED_WORDS = {"hold": "You hold this one for", "rolling": "You roll for",
               "timed": "This one lasts"}
SAFETY_NOTE = "I'm a coach, not a doctor: if anything gives you a sharp pain, stop."


class Coach(SafetyTurns, AdviceTurns, ChoosingTurns):
    """The conversation. Holds the catalog and a callback for routine events; the triage
    and product tips are in ``AdviceTurns``, finding and listing routines in
    ``ChoosingTurns``, the safety guard and the Fallback in ``SafetyTurns``."""

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
        """The routine the user left unfinished last time, if it still exists, waiting at
        the segment after the last one played (a session that ended without ``leave``, say
        on a red flag, saved it as played)."""
        state = turn.saved.get("player")
        routine = self.catalog.routines.get(state["routine"]) if state else None
        if routine is None:
            return None
        player = Player.restore(routine, state)
        if player.ready:
            player.next()
            player.wait()
        return player

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

    def play(self, turn: Turn, player: Player, intro: Speech | None = None,
             settle: str = "Say next when you're in position.") -> Reply:
        """Speak the current segment (or several in continuous mode) and ask to go on; while
        the user is still getting into position, ask ``settle`` instead."""
        speech = intro or Speech()
        rendered: dict = {}

        def measure(segment) -> float:
            rendered[segment] = self.render(player.routine.id, segment, turn.locale)
            return rendered[segment].seconds

        if player.ready and speech.seconds \
                and speech.seconds + measure(player.segment) > TURN_BUDGET:
            player.wait()  # the words before it and the step would not fit in one turn
        played = player.play(measure, TURN_BUDGET - speech.seconds)
        if not played:
            self.keep(turn, player)
            turn.session.pop("heard_by", None)
            reply = ask(speech, settle, "Say next when you're ready to begin, or stop to finish.")
            reply.screen = Screen("overview", player.routine)
            reply.ticking = self.ticking(turn)  # read now, with the rest of the saved prefs
            return reply
        first = player.segment
        for segment in played:
            if segment not in rendered:
                measure(segment)
            speech.extend(rendered[segment])
        self.keep(turn, player)
        if player.at_end:
            reply = self.finish(turn, player, speech)
            if speech.holds:  # the last hold is still to run: show its clock, not the end
                reply.screen = Screen("step", player.routine, first)
            return reply
        reply = ask(speech, self.prompt(turn, player), self.reprompt(player))
        reply.screen = Screen("step", player.routine, first)
        reply.ticking = self.ticking(turn)
        # When this turn's speech will have been heard to the end (a little early, since the
        # estimate can run long): a user who leaves after that has done this segment.
        heard_by = datetime.now(UTC) + timedelta(seconds=HEARD * speech.seconds)
        turn.session["heard_by"] = heard_by.isoformat(timespec="seconds")
        return reply

    def prompt(self, turn: Turn, player: Player) -> str:
        """The question that keeps the routine's place: what to say to go on from here."""
        if not player.ready:
            return "Say next when you're ready."
        return closing(player.routine, player.position, turn.locale, player.continuous)

    def reprompt(self, player: Player) -> str:
        """The longer question asked when the user says nothing, fitting the mode."""
        if player.continuous:
            return "Say keep going to carry on, or pause to take a break."
        return "Say next to go on, repeat to do that again, or pause to take a break."

    def leave(self, turn: Turn, player: Player) -> None:
        """Keep the place to come back to when the user goes (pause, stop, a timeout). A
        segment heard to the end is done: coming back starts with the one after it. One cut
        short ("Alexa, pause" in the middle of a hold) is played again."""
        heard_by = turn.session.pop("heard_by", None)
        if heard_by and player.ready and not player.at_end \
                and datetime.now(UTC) >= datetime.fromisoformat(heard_by):
            player.next()
        player.wait()  # coming back, the user gets into position before the next hold
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
        speech.say(closing(player.routine, len(player.routine.segments()) - 1, turn.locale))
        self.later(turn, speech)
        return Reply(speech, card=("Routine finished", self.name(player.routine, turn)),
                     screen=Screen("end", player.routine), ticking=self.ticking(turn))

    def begin(self, turn: Turn, routine: Routine, intro: Speech | None = None) -> Reply:
        """Start ``routine`` from the top: what it is, how long, what it needs and when not to
        do it, then a stop until the user is in position."""
        held = self.hold_back(turn, {"act": "begin", "routine": routine.id}, intro) \
            or self.steer_to_warm_up(turn, routine)
        if held:
            return held
        continuous = bool(turn.saved.get("prefs", {}).get("continuous"))
        player = Player.start(routine, continuous=continuous)
        turn.session.pop("too_hard", None)
        speech = intro or Speech()
        speech.say(f"Let's do the {self.name(routine, turn)}, about "
                   f"{about(routine.seconds(turn.locale))}.")
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
        if saved and not self.open_red_flag(turn):
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
            return self.left_unfinished(turn)
        if not player.ready:  # "ready" after "say next when you're in position"
            player.settle()
            return self.play(turn, player)
        return self.advance(turn, player, Speech())

    def left_unfinished(self, turn: Turn) -> Reply:
        """A routine command in a new session ("next", "I'm ready", "done"): offer the
        routine the user left unfinished, if there is one."""
        saved = self.saved_player(turn)
        if saved is None:
            return self.nothing_running(turn)
        speech = Speech().say(f"You were on {self.where(saved)}.")
        self.recent_red_flag(turn, speech)
        return self.offer_resume(turn, speech)

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
            return self.left_unfinished(turn)
        return self.skip_step(turn, player, Speech().say("Skipping ahead."))

    def skip_step(self, turn: Turn, player: Player, speech: Speech) -> Reply:
        """Go to the next step and play it (the user is in place), or finish."""
        if not player.skip():
            return self.finish(turn, player, speech.say("That was the last step."))
        player.settle()
        return self.play(turn, player, speech)

    def previous(self, turn: Turn) -> Reply:
        """Go back to the previous step."""
        player = self.player(turn)
        if player is None:
            return self.left_unfinished(turn)
        speech = Speech()
        if not player.previous():
            speech.say("This is the first step, so here it is again.")
        player.settle()
        return self.play(turn, player, speech)

    def repeat(self, turn: Turn) -> Reply:
        """Play the current segment again, or repeat the last question."""
        player = self.player(turn)
        if player is not None:
            if not player.ready:  # nothing played yet: say again what to do
                return ask(Speech(), self.prompt(turn, player), self.reprompt(player))
            return self.play(turn, player)
        question = turn.session.get("question")
        if question:
            return ask(Speech(), question)
        return self.menu(Speech())

    def start_over(self, turn: Turn) -> Reply:
        """Back to the first step of the current routine."""
        player = self.player(turn)
        in_place = player is not None  # in this session the user is on the floor already
        player = player or self.saved_player(turn)
        if player is None:
            return self.nothing_running(turn)
        player.start_over()
        if in_place:
            player.settle()
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
        player = self.player(turn)
        if player is not None:  # in this session: after "hang on", or just "carry on"
            return self.next(turn)
        player = self.saved_player(turn)
        if player is None:
            return self.nothing_running(turn)
        held = self.hold_back(turn, {"act": "resume"})
        if held:
            return held
        player.resume()
        player.wait()  # back after a break: into position before anything starts
        step = player.step.title.get(turn.locale).lower()
        side = ", the right side" if player.segment.side == "right" else ""
        return self.play(turn, player, Speech().say(
            f"Picking up at {self.where(player)}: {step}{side}."))

    def hold_on(self, turn: Turn) -> Reply:
        """"Hang on", "wait", "I need a break": keep the session and the place, and wait for
        the user to say they're ready (the place is saved in case they don't come back)."""
        player = self.player(turn)
        if player is None:
            question = turn.session.get("question") if turn.offer else None
            return ask(Speech().say("Take your time."), question or self.menu_question())
        self.leave(turn, player)
        return ask(Speech(), "Take your time; say next when you're ready.",
                   "I've kept your place. Say next when you're ready, or stop to finish.")

    def switch_side(self, turn: Turn, side: str | None) -> Reply:
        """"Other leg", "right leg": go to that side of the current step."""
        player = self.player(turn)
        if player is None:
            return self.left_unfinished(turn)
        if player.step.sides != "both":
            return ask(Speech().say("This one works both legs together, so there's no side "
                                    "to switch to."), self.prompt(turn, player),
                       self.reprompt(player))
        if side not in ("left", "right"):  # "other leg", "switch legs"
            side = "left" if player.segment.side == "right" else "right"
        player.to_side(side)
        player.settle()
        return self.play(turn, player)

    def easier_choice(self, turn: Turn, player: Player) -> Routine | None:
        """What "too hard" offers: None to skip the step (the first time in a routine), or
        a gentler routine when the user says it again and there is one."""
        said = turn.session.get("too_hard", 0)
        turn.session["too_hard"] = said + 1
        if said == 0:
            return None
        return next((r for r in self.catalog.routines.values()
                     if "gentle" in r.tags and r.id != player.routine.id), None)

    def harder_choice(self, player: Player | None) -> Routine | None:
        """What "too easy" suggests for another time: a strength routine, since easy
        stretches are not made better by stretching further."""
        return next((r for r in self.catalog.routines.values() if "strength" in r.tags
                     and (player is None or r.id != player.routine.id)), None)

    def too_hard(self, turn: Turn) -> Reply:
        """"Too hard", "easier": leave this step out, or offer a gentler routine."""
        player = self.player(turn)
        speech = Speech().say("That's fine: none of this should ever feel like a strain.")
        if player is None:
            gentle = next((r for r in self.catalog.routines.values() if "gentle" in r.tags),
                          None)
            return self.offer_start(turn, gentle, speech) if gentle else self.menu(speech)
        gentler = self.easier_choice(turn, player)
        if gentler is None:
            return self.skip_step(turn, player, speech.say("Let's leave that one out."))
        self.keep(turn, player)
        return self.offer_start(turn, gentler, speech)

    def too_easy(self, turn: Turn) -> Reply:
        """"Too easy", "harder": no pushing a stretch further; name a step up for later."""
        player = self.player(turn)
        harder = self.harder_choice(player)
        if player is None:
            speech = Speech().say("Good to hear.")
            return self.offer_start(turn, harder, speech) if harder else self.menu(speech)
        speech = Speech()
        if player.step.kind == "reps":
            speech.say("Good. Make each rep slower, with a short pause at the top.")
        else:
            speech.say("Good: easy is right. Going further doesn't make it work better.")
        if harder:
            speech.say(f"For more of a challenge another day, try the {self.name(harder, turn)}.")
        return ask(speech, self.prompt(turn, player), self.reprompt(player))

    def equipment(self, turn: Turn) -> Reply:
        """"What do I need": the routine's equipment, and what this step uses."""
        player = self.player(turn)
        offered = self.catalog.routines.get(turn.offer.get("routine", "")) \
            if turn.offer.get("kind") == "start" else None
        routine = player.routine if player else offered
        if routine is None:
            return self.menu(Speech().say(
                "Each routine tells you what it needs before it starts: some need nothing, "
                "others a towel or strap, a foam roller or a ball."))
        speech = Speech()
        if routine.equipment:
            speech.say(f"For the {self.name(routine, turn)} you need "
                       f"{spoken_list(map(with_article, routine.equipment))}.")
        else:
            speech.say(f"The {self.name(routine, turn)} needs no equipment, just some floor.")
        if player and player.step.equipment:
            speech.say(f"This step uses the {spoken_list(player.step.equipment)}.")
        if player is None:
            return self.offer_start(turn, routine, speech)
        return ask(speech, self.prompt(turn, player), self.reprompt(player))

    def reps_left(self, turn: Turn) -> Reply:
        """"How many more", "how many reps": what this step is, and what is left of it."""
        player = self.player(turn)
        if player is None:
            return self.left_unfinished(turn)
        step = player.step
        if step.kind == "reps":
            sets = f", {number(step.sets)} sets" if step.sets > 1 else ""
            what = f"This one is {number(step.reps)} reps{sets}"
        elif step.seconds:
            what = f"{TIMED_WORDS[step.kind]} {seconds_phrase(step.seconds)}"
        else:
            what = "This one has no reps or timing"
        if step.sides == "both":
            what += " on each side"
        upcoming = player.position + (1 if player.ready else 0)
        rest = [s for s in player.routine.segments()[upcoming:] if s.step == player.segment.step]
        speech = Speech().say(f"{what}. {still_to_do(step, rest)}")
        return ask(speech, self.prompt(turn, player), self.reprompt(player))

    def thanks(self, turn: Turn) -> Reply:
        """"Thanks", "okay", "cool": a short acknowledgement that keeps the place and the
        question; said to "Shall we...?" it is a yes."""
        if turn.offer.get("kind") in ("start", "resume", "product"):
            return self.yes(turn)
        speech = Speech().say("You're welcome.")
        player = self.player(turn)
        if player:
            return ask(speech, self.prompt(turn, player), self.reprompt(player))
        question = turn.session.get("question") if turn.offer else None
        if question:
            return ask(speech, question)
        return self.menu(speech)

    def progress(self, turn: Turn) -> Reply:
        """Say how far along the user is, in this session or the one they left."""
        player = self.player(turn)
        if player is None:
            saved = self.saved_player(turn)
            if saved is None:
                return self.nothing_running(turn)
            left = about(saved.progress(turn.locale).seconds_left)
            return self.offer_resume(
                turn, Speech().say(f"You were on {self.where(saved)}, about {left} left."))
        progress = player.progress(turn.locale)
        if not progress.seconds_left:
            speech = Speech().say("That was the last of it.")
        else:
            where = "Next up is" if progress.starts_step else "You're on"
            speech = Speech().say(f"{where} step {progress.step} of {progress.steps}, about "
                                  f"{about(progress.seconds_left)} left.")
        return ask(speech, self.prompt(turn, player), self.reprompt(player))

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
        already = player.continuous == continuous
        player.continuous = continuous
        if continuous:
            if not player.ready:  # the first segment needs the whole turn
                player.settle()
                return self.play(turn, player)
            # said once when the mode changes; "keep going" after that just carries on
            return self.advance(turn, player,
                                Speech() if already else Speech().say("Okay, I'll keep going."))
        self.keep(turn, player)  # what was played stays played: ask for "next"
        return ask(Speech().say("Okay, one step at a time."), "Say next when you're ready.",
                   "Say next to go on, or pause to take a break.")

    def yes(self, turn: Turn) -> Reply:
        """Accept the offer made last turn."""
        checked = self.answer_check(turn, True)
        if checked:
            return checked
        offer = turn.offer
        if offer.get("kind") == "checked":
            return self.checked(turn, True)
        if offer.get("kind") == "resume":
            return self.resume(turn)
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
        checked = self.answer_check(turn, False)
        if checked:
            return checked
        offer = turn.offer
        if offer.get("kind") == "checked":
            return self.checked(turn, False)
        turn.session.pop("offer", None)
        if offer.get("kind") == "start" and turn.session.get("later"):
            speech = Speech().say("Okay.")
            self.later(turn, speech)
            return self.menu(speech)
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

    def nothing_running(self, turn: Turn) -> Reply:
        """Answer a routine command when no routine is running."""
        return self.menu(Speech().say("There's no routine running right now."))


def still_to_do(step: Step, rest: list[Segment]) -> str:
    """What is left of ``step`` when ``rest`` are its segments still to play: 'Two sets to
    go.', 'The right side to go.', 'That's this one done.'"""
    if not rest:
        return "That's this one done."
    sets = len({s.set_no for s in rest})
    if sets > 1:
        return f"{number(sets).capitalize()} sets to go."
    right = rest[0].side == "right"
    if step.sets > 1:
        return "The right side of the last set to go." if right else "The last set to go."
    if right:
        return "The right side to go."
    if step.sides == "both":
        return "Both sides to go."
    return "It's still to come." if rest[0].part == 0 else "Nearly there."
