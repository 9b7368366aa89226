"""The Alexa side: ask-sdk-core handlers and interceptors around ``Coach``.

Each handler matches a request and calls one ``Coach`` method; the interceptors
load the user's saved attributes before a turn and save them after it. A store
that fails is logged and costs the saved position, never the answer. Requests that
take no speech (a session ending, Alexa reporting an error, audio player events,
anything without a session) get an answer without any, even when a handler fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.dispatch_components import (
    AbstractExceptionHandler,
    AbstractRequestHandler,
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import RequestEnvelope, Response
from ask_sdk_model.canfulfill import (
    CanFulfillIntent,
    CanFulfillIntentValues,
    CanFulfillSlot,
    CanFulfillSlotValues,
    CanUnderstandSlotValues,
)
from ask_sdk_model.interfaces.alexa.presentation.apl import (
    RenderDocumentDirective as RenderScreen,
)
from ask_sdk_model.interfaces.alexa.presentation.apla import (
    RenderDocumentDirective as RenderAudio,
)
from ask_sdk_model.slu.entityresolution import StatusCode
from ask_sdk_model.ui import SimpleCard

from skill import presentation
from skill.conversation import Coach
from skill.saved import Saved
from skill.speech import Speech, heard
from skill.stores.common import update
from skill.turn import Reply, Turn, ask

log = logging.getLogger(__name__)

# The exception a handler raised in the current turn; the skill still answers with an apology.
turn_error: ContextVar[BaseException | None] = ContextVar("turn_error", default=None)

Action = Callable[[Coach, Turn, HandlerInput], Reply]
HEARD_READ = 300  # characters of each slot value read for red flags
# The slots of FindRoutineIntent: whichever holds the words, all of them are read.
FIND_SLOTS = ("category", "exercise", "equipment", "duration", "ordinal")
USER_EVENT = "Alexa.Presentation.APL.UserEvent"
# Screens that stay up when the turn ends the session. On a device with a screen, a response
# that leaves shouldEndSession unset keeps the session open for about 30 seconds with the
# microphone closed: the card stays in view and its buttons still work, and the user can only
# speak again with the wake word. Every other turn keeps Alexa's voice rules as they are:
# shouldEndSession false with a reprompt when a question is asked, true otherwise.
LINGERING_SCREENS = {"end", "red-flag"}


def touched(handler_input: HandlerInput) -> list:
    """The arguments of a touch on the screen (``SendEvent``): an intent name, its slots."""
    request = handler_input.request_envelope.request
    if getattr(request, "object_type", None) != USER_EVENT:
        return []
    return list(getattr(request, "arguments", None) or [])


# Request types Alexa takes no speech in reply to (besides any request without a session).
SPEECHLESS = ("SessionEndedRequest", "System.ExceptionEncountered", "AudioPlayer.",
              "PlaybackController.", "CanFulfillIntentRequest")


def can_speak(handler_input: HandlerInput) -> bool:
    """Whether the answer to this request may speak (and keep a session open)."""
    envelope = handler_input.request_envelope
    kind = getattr(envelope.request, "object_type", None) or ""
    return envelope.session is not None and not kind.startswith(SPEECHLESS)


def resolved(handler_input: HandlerInput, name: str) -> tuple[str | None, bool]:
    """A slot's resolved id if entity resolution matched, else what was heard (fit to be
    said back); and whether it matched."""
    intent = getattr(handler_input.request_envelope.request, "intent", None)
    found = (intent.slots or {}).get(name) if intent else None
    if found is None:
        touch = touched(handler_input)
        slots = touch[1] if len(touch) > 1 and isinstance(touch[1], dict) else {}
        return (heard(str(slots[name])) or None, False) if slots.get(name) else (None, False)
    resolutions = getattr(found.resolutions, "resolutions_per_authority", None) or []
    for resolution in resolutions:
        if resolution.status and resolution.status.code == StatusCode.ER_SUCCESS_MATCH \
                and resolution.values:
            value = resolution.values[0].value
            return heard(str(value.id or value.name or "")) or None, True
    return heard(str(found.value or "")) or None, False


def slot(handler_input: HandlerInput, name: str) -> str | None:
    """A slot's resolved id if entity resolution matched, else what was heard."""
    return resolved(handler_input, name)[0]


def slot_values(handler_input: HandlerInput, unmatched: bool = False) -> tuple[str, ...]:
    """Every slot value of the request as it was heard (only those entity resolution did not
    match, if ``unmatched``): a pain report or a question for a doctor can arrive in any of
    them. Each is cut to ``HEARD_READ`` characters, more than anyone says in one breath."""
    intent = getattr(handler_input.request_envelope.request, "intent", None)
    return tuple(str(found.value)[:HEARD_READ]
                 for name, found in ((intent.slots if intent else None) or {}).items()
                 if found is not None and found.value
                 and not (unmatched and resolved(handler_input, name)[1]))


def turn_of(handler_input: HandlerInput) -> Turn:
    """The ``Turn`` the request interceptor built for this request."""
    return handler_input.attributes_manager.request_attributes["turn"]


class CoachHandler(AbstractRequestHandler):
    """Matches one kind of request and answers it with one ``Coach`` method."""

    def __init__(self, coach: Coach, matches: Callable[[HandlerInput], bool],
                 action: Action) -> None:
        self.coach, self.matches, self.action = coach, matches, action

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return self.matches(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        turn = turn_of(handler_input)
        reply = self.coach.guard(turn) or self.action(self.coach, turn, handler_input)
        if reply.screen is None and supports(handler_input, "Alexa.Presentation.APL"):
            reply.screen = self.coach.screen(turn)
        return respond(handler_input, reply)


def supports(handler_input: HandlerInput, interface: str) -> bool:
    """Whether the device lists ``interface`` in its supportedInterfaces (kept by the
    envelope reader under its JSON name when the SDK's model does not declare it)."""
    device = handler_input.request_envelope.context.system.device
    interfaces = getattr(device, "supported_interfaces", None)
    if interfaces is None:
        return False
    if interface == "Alexa.Presentation.APL":
        return getattr(interfaces, "alexa_presentation_apl", None) is not None
    return getattr(interfaces, interface, None) is not None


def viewport(handler_input: HandlerInput) -> dict:
    """``context.Viewport`` as the plain fields the screens are laid out by."""
    state = getattr(handler_input.request_envelope.context, "viewport", None)
    if state is None:
        return {}
    return {"shape": getattr(state.shape, "value", state.shape),
            "mode": getattr(state.mode, "value", state.mode),
            "pixelWidth": state.pixel_width, "pixelHeight": state.pixel_height,
            "dpi": state.dpi}


def respond(handler_input: HandlerInput, reply: Reply) -> Response:
    """Turn a ``Reply`` into the Alexa response; remember the question for "repeat".

    A device with a screen also gets the turn's card; a hold plays over a ticking clock
    (APL for Audio) where the device lists it and the user wants it, and as SSML otherwise.
    Either way the words, the reprompt and the session are the same as on any Echo."""
    builder = handler_input.response_builder
    if not can_speak(handler_input):
        return builder.response
    locale = getattr(handler_input.request_envelope.request, "locale", None) or "en-US"
    sound = presentation.render_audio(reply) if reply.ticking and supports(
        handler_input, "Alexa.Presentation.APLA") else None
    if sound:
        builder.add_directive(RenderAudio(token=sound["token"], document=sound["document"],
                                          datasources=sound["datasources"]))
    else:
        builder.speak(reply.speech.ssml())
    if reply.reprompt:
        builder.ask(Speech().say(reply.reprompt).ssml())
        handler_input.attributes_manager.session_attributes["question"] = reply.reprompt
    if reply.card:
        builder.set_card(SimpleCard(title=reply.card[0], content=reply.card[1]))
    screen = reply.screen is not None and supports(handler_input, "Alexa.Presentation.APL")
    if screen:
        card = presentation.render_screen(reply, locale, viewport(handler_input))
        builder.add_directive(RenderScreen(token=card["token"], document=card["document"],
                                           datasources=card["datasources"]))
    if not (screen and reply.ends_session and reply.screen.kind in LINGERING_SCREENS):
        builder.set_should_end_session(reply.ends_session)
    return builder.response


class SessionEndedHandler(AbstractRequestHandler):
    """The session closed (timeout, "exit", error): nothing can be said; keep the place
    (saved again, in case a turn's save was lost)."""

    def __init__(self, coach: Coach) -> None:
        self.coach = coach

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        log.info("session ended: %s", getattr(request, "reason", None))
        self.coach.session_ended(turn_of(handler_input))
        return handler_input.response_builder.response


class CanFulfillHandler(AbstractRequestHandler):
    """Alexa asks whether the skill could answer an intent, without a session: yes for an
    intent it handles with every slot value matched, maybe when one was not, no otherwise."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("CanFulfillIntentRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        intent = getattr(handler_input.request_envelope.request, "intent", None)
        name = getattr(intent, "name", None)
        slots, answer = {}, CanFulfillIntentValues.NO
        if name in handled_intents():
            answer = CanFulfillIntentValues.YES
            for slot_name, given in (intent.slots or {}).items():
                if not getattr(given, "value", None):
                    continue
                matched = resolved(handler_input, slot_name)[1]
                slots[slot_name] = CanFulfillSlot(
                    can_understand=CanUnderstandSlotValues.YES if matched
                    else CanUnderstandSlotValues.MAYBE,
                    can_fulfill=CanFulfillSlotValues.YES if matched
                    else CanFulfillSlotValues.NO)
                if not matched:
                    answer = CanFulfillIntentValues.MAYBE
        builder = handler_input.response_builder
        builder.set_can_fulfill_intent(CanFulfillIntent(can_fulfill=answer, slots=slots))
        return builder.response


class OtherRequestHandler(AbstractRequestHandler):
    """Any request no other handler takes (audio player and playback events, Alexa's report
    of an error in an earlier answer, new kinds): answered with nothing to say."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        kind = getattr(request, "object_type", None) or type(request).__name__
        if kind == "System.ExceptionEncountered":
            error, cause = getattr(request, "error", None), getattr(request, "cause", None)
            error_type = getattr(getattr(error, "object_type", None), "value", None)
            log.warning("Alexa could not use an answer (request %s): %s: %s",
                        getattr(cause, "request_id", None), error_type,
                        getattr(error, "message", None))
        else:
            log.info("no handler for %s requests: answered with nothing to say", kind)
        return handler_input.response_builder.response


class LoadTurn(AbstractRequestInterceptor):
    """Build the ``Turn`` before a handler runs; its saved attributes are read on first use."""

    def __init__(self, store: AbstractPersistenceAdapter | None) -> None:
        self.store = store

    def process(self, handler_input: HandlerInput) -> None:
        envelope = handler_input.request_envelope
        session = envelope.session
        saved = Saved(lambda: self.read(envelope, saved))
        handler_input.attributes_manager.request_attributes["turn"] = Turn(
            locale=getattr(envelope.request, "locale", None) or "en-US",
            # Out of session (audio player events...) there is nothing to keep between turns.
            session={} if session is None else handler_input.attributes_manager
            .session_attributes,
            saved=saved,
            new_session=bool(session and session.new),
            heard=slot_values(handler_input),
            unmatched=slot_values(handler_input, unmatched=True),
        )

    def read(self, envelope: RequestEnvelope, saved: Saved) -> dict:
        """The user's saved attributes; empty if there is no store or it failed."""
        if self.store is None:
            return {}
        try:
            return self.store.get_attributes(request_envelope=envelope) or {}
        except Exception:  # noqa: BLE001 - any store failure costs the position only
            log.exception("could not read saved attributes")
            saved.read_failed = True
            return {}


class SaveTurn(AbstractResponseInterceptor):
    """Write back the saved attributes a turn changed, and only those; nothing when the
    turn could not read them."""

    def __init__(self, store: AbstractPersistenceAdapter | None) -> None:
        self.store = store

    def process(self, handler_input: HandlerInput, response: Response) -> None:
        turn: Turn | None = handler_input.attributes_manager.request_attributes.get("turn")
        if self.store is None or turn is None:
            return
        changes, removed = turn.saved.changes()
        appends = turn.saved.appends()
        if not changes and not removed and not appends:
            return
        if turn.saved.read_failed:  # a visit count of 1, say, worked out from nothing
            log.error("not saving attributes: they could not be read this turn")
            return
        try:
            update(self.store, handler_input.request_envelope, changes, removed, appends)
        except Exception:  # noqa: BLE001 - the answer still goes out
            log.exception("could not save attributes")


class ErrorHandler(AbstractExceptionHandler):
    """The one exception handler: log it and give the user something to do.

    The session attributes go back empty: whatever the failed turn left in them (or came
    in with them and made it fail) would otherwise fail the next turn the same way.
    """

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        log.exception("handler failed", exc_info=exception)
        turn_error.set(exception)
        if handler_input.request_envelope.session is not None:
            handler_input.attributes_manager.session_attributes = {}
        speech = Speech().say("Sorry, something went wrong on my side.")
        reply = ask(speech, "What would you like to try?",
                    "What would you like to do? You can also say stop.")
        return respond(handler_input, reply)


def intent(name: str) -> Callable[[HandlerInput], bool]:
    """Match an intent by name, spoken or touched on a screen (a button's ``SendEvent``
    names the intent it stands for); the name stays readable for ``handled_intents``."""
    spoken = is_intent_name(name)

    def matches(handler_input: HandlerInput) -> bool:
        touch = touched(handler_input)
        return spoken(handler_input) or bool(touch) and touch[0] == name

    matches.intent_name = name
    return matches


def routes() -> list[tuple[Callable[[HandlerInput], bool], Action]]:
    """Which ``Coach`` method answers which request; the SDK asks each handler in turn, so
    "next", by far the most frequent, comes first."""
    return [
        (intent("AMAZON.NextIntent"), lambda c, t, h: c.next(t)),
        (is_request_type("LaunchRequest"), lambda c, t, h: c.launch(t)),
        (intent("StartRoutineIntent"), lambda c, t, h: c.start_routine(t, slot(h, "routine"))),
        (intent("ListRoutinesIntent"), lambda c, t, h: c.list_routines(t)),
        (intent("FindRoutineIntent"),
         lambda c, t, h: c.find_routine(t, *(slot(h, name) for name in FIND_SLOTS))),
        (intent("MoreIntent"), lambda c, t, h: c.more(t)),
        (intent("ReportSymptomIntent"),
         lambda c, t, h: c.report_symptom(t, slot(h, "symptom"), slot(h, "timing"),
                                          slot(h, "habit"))),
        (intent("PainIntent"), lambda c, t, h: c.report_symptom(t, "pain", None)),
        (intent("MedicalQuestionIntent"), lambda c, t, h: c.medical(t)),
        (intent("ProductTipsIntent"), lambda c, t, h: c.product_tips(t, slot(h, "product"))),
        (intent("TopicIntent"), lambda c, t, h: c.topic(t, slot(h, "topic"))),
        (intent("WeekPlanIntent"), lambda c, t, h: c.week_plan(t)),
        (intent("ProgressIntent"), lambda c, t, h: c.progress(t)),
        (intent("KeepGoingIntent"), lambda c, t, h: c.set_continuous(t, True)),
        (intent("OneStepAtATimeIntent"), lambda c, t, h: c.set_continuous(t, False)),
        (intent("SkipIntent"), lambda c, t, h: c.skip(t)),
        (intent("WaitIntent"), lambda c, t, h: c.hold_on(t)),
        (intent("SwitchSideIntent"), lambda c, t, h: c.switch_side(t, slot(h, "side"))),
        (intent("TooHardIntent"), lambda c, t, h: c.too_hard(t)),
        (intent("TooEasyIntent"), lambda c, t, h: c.too_easy(t)),
        (intent("EquipmentIntent"), lambda c, t, h: c.equipment(t)),
        (intent("RepsLeftIntent"), lambda c, t, h: c.reps_left(t)),
        (intent("ThanksIntent"), lambda c, t, h: c.thanks(t)),
        (intent("AMAZON.PreviousIntent"), lambda c, t, h: c.previous(t)),
        (intent("AMAZON.RepeatIntent"), lambda c, t, h: c.repeat(t)),
        (intent("AMAZON.StartOverIntent"), lambda c, t, h: c.start_over(t)),
        (intent("AMAZON.PauseIntent"), lambda c, t, h: c.pause(t)),
        (intent("AMAZON.ResumeIntent"), lambda c, t, h: c.resume(t)),
        (intent("AMAZON.YesIntent"), lambda c, t, h: c.yes(t)),
        (intent("AMAZON.NoIntent"), lambda c, t, h: c.no(t)),
        (intent("AMAZON.HelpIntent"), lambda c, t, h: c.help(t)),
        (intent("AMAZON.StopIntent"), lambda c, t, h: c.stop(t)),
        (intent("AMAZON.CancelIntent"), lambda c, t, h: c.stop(t)),
        (intent("AMAZON.NavigateHomeIntent"), lambda c, t, h: c.stop(t)),
        (intent("TickingOnIntent"), lambda c, t, h: c.set_ticking(t, True)),
        (intent("TickingOffIntent"), lambda c, t, h: c.set_ticking(t, False)),
        (intent("AMAZON.FallbackIntent"), lambda c, t, h: c.fallback(t)),
        (is_request_type(USER_EVENT), lambda c, t, h: c.fallback(t)),  # a touch we don't know
    ]


def handled_intents() -> list[str]:
    """Names of every intent the skill answers (for checking interaction models)."""
    names = []
    for matches, _ in routes():
        name = getattr(matches, "intent_name", None)
        if name:
            names.append(name)
    return names


def build_skill(coach: Coach, store: AbstractPersistenceAdapter | None) -> CustomSkill:
    """The ask-sdk skill: handlers, interceptors and the exception handler."""
    builder = CustomSkillBuilder()
    for matches, action in routes():
        builder.add_request_handler(CoachHandler(coach, matches, action))
    builder.add_request_handler(SessionEndedHandler(coach))
    builder.add_request_handler(CanFulfillHandler())
    builder.add_request_handler(OtherRequestHandler())  # last: it takes any request
    builder.add_global_request_interceptor(LoadTurn(store))
    builder.add_global_response_interceptor(SaveTurn(store))
    builder.add_exception_handler(ErrorHandler())
    return builder.create()
