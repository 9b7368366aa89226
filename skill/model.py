"""Interaction models generated from the core intents and what the packs contribute.

``build_model`` writes the model the ASK CLI deploys for one locale: every intent the
skill handles, sample utterances for the custom intents (and extra phrasings for a few
built-ins), and slot types whose values come from the loaded packs: routines, products,
symptoms and timings. ``check_model`` holds a model to Alexa's rules.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from skill.catalog import normalise
from skill.engine import LOCALES
from skill.handlers import FIND_SLOTS, handled_intents
from skill.plugins import Packs, installed_packs
from skill.reading import HABITS, LOCAL_WORDS, NO_EQUIPMENT, ORDINALS, Reader

INVOCATION_NAME = "hamstring coach"
MODEL_DIR = Path("interaction_models")
REQUIRED_BUILT_INS = ("AMAZON.CancelIntent", "AMAZON.FallbackIntent", "AMAZON.HelpIntent",
                      "AMAZON.NavigateHomeIntent", "AMAZON.StopIntent")
MAX_BYTES = 1_500_000
MAX_INTENTS = 250
MAX_INTENTS_AND_TYPES = 350
MAX_VALUE_LENGTH = 140
LAUNCH_WORDS = {"ask", "begin", "do", "enable", "launch", "load", "open", "play", "resume", "run",
                "start", "talk", "tell", "use"}
WAKE_WORDS = {"alexa", "amazon", "echo", "computer", "ziggy"}
SHORT_NAME_WORDS = {"the", "a", "an", "for", "to", "of"}

# Slot name -> slot type of every custom slot.
SLOT_TYPES = {"routine": "ROUTINE", "product": "PRODUCT", "symptom": "SYMPTOM",
              "timing": "TIMING", "habit": "HABIT", "topic": "TOPIC", "category": "CATEGORY",
              "exercise": "EXERCISE", "equipment": "EQUIPMENT", "duration": "LENGTH",
              "ordinal": "ORDINAL", "side": "SIDE"}
CUSTOM_SLOTS = {
    "StartRoutineIntent": ("routine",),
    "ProductTipsIntent": ("product",),
    "ReportSymptomIntent": ("symptom", "timing", "habit"),
    "TopicIntent": ("topic",),
    "FindRoutineIntent": FIND_SLOTS,
    "SwitchSideIntent": ("side",),
    "PainIntent": ("timing",),
}
# Intents whose samples give way to a pack's topic questions ("should I see a doctor" is
# answered by a topic when a pack has one); what they say is still screened for red flags.
YIELD_TO_TOPICS = ("PainIntent", "MedicalQuestionIntent")
# Lengths the LENGTH slot lists besides short and long ("ten minutes").
SAID_MINUTES = ("two", "three", "four", "five", "six", "seven", "eight", "ten", "twelve",
                "fifteen", "twenty", "thirty")

# The sides a user can ask for mid-routine ("right leg", "the other one").
SIDES = {"left": ["left", "left hand", "left one"], "right": ["right", "right hand", "right one"],
         "other": ["other", "opposite", "other one", "second"]}

# Sample utterances. "(a|b|)" expands to each choice; an empty choice makes it optional.
SAMPLES: dict[str, tuple[str, ...]] = {
    "StartRoutineIntent": (
        "{routine}",
        "the {routine}",
        "(start|begin|do|try|play) (the|) {routine}",
        "(start|begin|do|try) (the|) {routine} (routine|please)",
        "let's (do|start|try|begin) (the|) {routine}",
        "(I want to|I'd like to|I would like to|can we|can I|could we) (do|start|try) (the|) "
        "{routine}",
        "(take|talk|walk) me through (the|) {routine}",
        "(give me|I'll have|I'll take|let's go with|go with) (the|) {routine}",
        "(start|begin|do) a (routine|workout|session)",
        "(I want to|I'd like to|let's) (do a routine|stretch|work out|do some stretches)",
        "(start|do|begin) my (stretches|stretching|exercises|workout)",
    ),
    "FindRoutineIntent": (
        "{category}",
        "{equipment}",
        "(the|) {category} (one|routine|routines|session|please)",
        "(some|a bit of|a little) {category} (work|exercises|please|)",
        "(I want|I'd like|I need|let's do|can we do|let's have|give me|how about|maybe) "
        "(some|a bit of|a|) {category} (routine|session|work|)",
        "(I want to|I'd like to|can I|let's) (do|try) (some|a bit of) {category}",
        "(something|anything|a routine|one|the one|a workout) (with|using|for) (a|an|the|my|) "
        "{equipment}",
        "(I|I've|I) (only|just) (have|got) (a|an|the|my|) {equipment}",
        "I (have|got) (a|an|the|my) {equipment} (here|with me|)",
        "I've got (a|an|my) {equipment} (here|with me|)",
        "(only|just) (a|an|the|my|) {equipment}",
        "(all|) I have is (a|an|my|) {equipment}",
        "what can I do with (a|an|the|my|) {equipment}",
        "(something|anything|a routine|one|a workout) {equipment}",
        "(I have|I've got|I got|there's) {equipment} (here|with me|)",
        "(I've got|I have|I only have|I've only got|I just have) {duration}",
        "(something|anything|a routine|one) (for|that takes|under|in|of|lasting) {duration}",
        "(something|anything) {duration}",
        "(a|) {duration} (one|routine|session|workout) (please|)",
        "(the|) {duration} one",
        "(a|) {duration} {category} (session|routine|)",
        "{duration} of {category}",
        "what can I do in {duration}",
        "(I'm|I am) {duration}",
        "(the|) {ordinal} (one|routine|option|please|)",
        "(let's do|I'll do|I'll take|I want|I'd like|give me|go with|start) the {ordinal} "
        "(one|)",
        "{exercise}",
        "(I want to do|let's do|can we do|I'd like to do|I feel like) (some|a few|) {exercise}",
        "(something|a routine|one|the one|anything) with (some|) {exercise} (in it|)",
        "(which|what) (routine|one) has {exercise} (in it|)",
    ),
    "ListRoutinesIntent": (
        "(list|read me|tell me|give me|show me|what are) (the|your|all the) (routines|workouts|"
        "exercises|options)",
        "list routines",
        "what (routines|workouts|exercises|stretches) (do you have|are there|can I do)",
        "which (routines|workouts|exercises|stretches) (do you have|are there|can I do)",
        "what (can I do|else is there|else do you have|do you have|are my options|are the "
        "choices)",
        "what other (routines|exercises) (are there|do you have)",
        "(other|more) (routines|options)",
        "(list|read) them",
        "(what have you got|what've you got|what do you offer|what's on offer)",
        "I'm not sure which one",
        "I don't know which one",
    ),
    "ProgressIntent": (
        "how (many|many steps|many exercises|many stretches|many more|many more steps) (are|) "
        "left",
        "how (much|much time|long) is left",
        "how (much longer|long to go|long left|much further|much more is there)",
        "how far along am I",
        "how many more (steps|exercises|stretches|to go)",
        "(where am I|what step am I on|which step is this|what step is this)",
        "(am I|are we) (nearly|almost) (done|finished|there)",
        "how long until I'm (done|finished)",
        "(what's left|how many to go|progress)",
    ),
    "MoreIntent": (
        "more",
        "(tell me|give me|name|list) (some|) more",
        "more (please|tips|products)",
        "what else have you got",
        "(the|name the|what are the|list the) (others|other ones|rest)",
        "(any|are there any) (others|other ones|more)",
    ),
    "KeepGoingIntent": (
        "(just|) keep going",
        "keep going without stopping",
        "(don't stop|don't stop between steps|don't wait for me|no stopping)",
        "(do|play) (them all|all the steps|the whole thing) (without stopping|)",
        "go straight through",
        "(non stop|continuous mode|play straight through|carry on without stopping)",
    ),
    "SkipIntent": (
        "skip (it|this|that|this one|this step|this exercise|the rest of this step|)",
        "(next step|next exercise) please",
        "move on to the next (step|exercise)",
        "I (can't|don't want to) do this (one|step|exercise|)",
    ),
    "OneStepAtATimeIntent": (
        "(do|take it|go|) one step at a time",
        "one at a time",
        "step by step",
        "(stop|wait|pause) (after|between) (each step|steps)",
        "wait for me (between steps|)",
        "(let me say next|step mode|don't keep going)",
    ),
    "TickingOnIntent": (
        "(can you|could you|please|) (turn|put|switch) (the|) ticking (back|) on",
        "(I want|I miss|give me|bring back|play) the ticking (clock|sound|) (back|)",
        "(tick|ticking) on",
        "(play|use) (a|the) (ticking|) clock (during|in) (the|) holds",
        "I (like|liked) the ticking",
    ),
    "TickingOffIntent": (
        "(can you|could you|please|) (turn|switch) (the|) ticking off",
        "(can you|could you|please|) (turn|switch) off the ticking (clock|sound|)",
        "(stop|mute|silence|no) (the|) ticking (clock|sound|) (please|)",
        "(mute|silence) the clock",
        "(tick|ticking) off",
        "the ticking (is annoying|is too much|is distracting|drives me mad)",
        "I don't (want|like) the ticking",
        "(no|without the) clock (during|in) (the|) holds",
    ),
    "ReportSymptomIntent": (
        "{symptom}",
        "{symptom} {timing}",
        "{timing}",
        "(it's|I'm|it was) {timing}",
        "(my hamstrings|my legs|the backs of my legs|the backs of my thighs|they) (are|feel|"
        "have been|are feeling|felt) {symptom} ({timing}|)",
        "(my hamstring|my leg|the back of my thigh|the back of my leg|it) (is|feels|has been|"
        "felt) {symptom} ({timing}|)",
        "(they're|it's) {symptom} ({timing}|)",
        "{timing} (my hamstrings|they|my legs) (are|feel|felt) {symptom}",
        "{timing} (my hamstring|it) (is|feels|felt) {symptom}",
        "(I feel|I'm|I am) {symptom} ({timing}|)",
        "(kind of|a bit|a little|pretty|really|quite|very|so|super) {symptom}",
        "I (felt|feel|had|got|get|noticed) {symptom} (in my hamstring|in my leg|in the back of my "
        "leg|in the back of my thigh|)",
        "(I have|I've got|I got|there's) {symptom} (in my hamstrings|in my hamstring|in the back "
        "of my leg|in the back of my thigh|)",
        "(I have|I've got) {symptom} (in my hamstrings|) {timing}",
        "(I have|I've got) {symptom} hamstrings ({timing}|)",
        "{symptom} hamstrings ({timing}|)",
        "I {habit} but (they're|they are|my hamstrings are|they still feel|my hamstrings still "
        "feel) (still|) {symptom} ({timing}|)",
        "(even though|although) I {habit} (they're|they are|my hamstrings are|they feel) "
        "(still|) {symptom}",
        "(my hamstrings are bothering me|I have a problem with my hamstrings|something's wrong "
        "with my hamstrings)",
    ),
    # Pain and injury said in words of their own: an exclamation, a pull, something that went.
    # Every one is a red flag, so no slot is needed to tell what it was.
    "PainIntent": (
        "(ouch|ow|oww|ouch ouch|ow ow|argh|ooh ouch|aah ouch)",
        "(hang on|wait|stop|hold on|oh|ah) (ouch|ow|it hurts|that hurts|that really hurts|that's "
        "painful)",
        "(that's|it's|that is|it is|that feels|it feels) (a bit|quite|really|very|) painful",
        "(I'm|I am) (in pain|hurting|in a lot of pain)",
        "(I think I've|I've|I have) done something (to my hamstring|to my leg|)",
        "it feels like (something tore|something went|something popped|something snapped|I "
        "pulled something|I tore something)",
        "(I think|maybe) (it's|my hamstring is) (torn|pulled|strained)",
        "(ouch|ow|yes|yeah|) (that|it|this) (hurts|really hurts|hurts a lot|hurts now|is "
        "hurting|is painful|kills)",
        "(ouch|ow) (my hamstring|my leg|my hamstrings|my knee|my thigh|my back)",
        "(my hamstring|my leg|the back of my leg|the back of my thigh) (hurts|is hurting|is "
        "painful|is killing me) ({timing}|)",
        "(my hamstrings|my legs|they) (hurt|are hurting|are painful|are killing me) ({timing}|)",
        "(it|that) hurts (when I|if I) (bend|bend over|straighten my leg|lift my leg|walk|stretch|"
        "move|move it)",
        "(I've got|I have|I felt|I just felt|I get|there's) (a pain|some pain|pain|a twinge|a "
        "pull|a strain) (in my hamstring|in the back of my leg|in my leg|in my thigh|)",
        "(I|I've|I think I|I think I've|I might have|I may have) (pulled|strained|tweaked|hurt|"
        "injured) (my hamstring|something|a muscle|it|my leg|the back of my leg)",
        "(I've got|I have) a (pulled|strained|torn) (hamstring|muscle)",
        "something (went|gave|just went|popped|snapped|tore|pinged) (in my hamstring|in my leg|"
        "in the back of my leg|at the back of my leg|)",
        "(it|my hamstring) (went|just went|gave way|popped|snapped|pinged)",
        "I (felt|heard|just felt) (something|it) (go|give|pop|snap|tear|ping)",
        "I (can't|cannot|can hardly|can barely) (walk|walk properly|put weight on it|bear weight|"
        "bear weight on it|put any weight on it|stand on it)",
        "I'm (limping|hobbling|not walking properly|struggling to walk)",
        "(it's|the pain is|it keeps|my hamstring is) (getting worse|worse|worse than before|"
        "getting more painful)",
        "(my leg|my hamstring|it|the back of my leg|my thigh) (is|feels|has gone|went) (numb|"
        "tingly|swollen|bruised)",
        "(I've got|I have) (pins and needles|a bruise|swelling|numbness)",
        "(it's|there's) (tingling|swelling|bruising) (in my leg|in my hamstring|)",
        "it's (swelling up|gone numb|gone purple|black and blue)",
        "(it's|that's) (really painful|very painful|agony|killing me)",
    ),
    # Medicines, what the injury is, whether to see someone: the coach says who can answer.
    "MedicalQuestionIntent": (
        "what (should|can) I take (for it|for the pain|for this|)",
        "(can|should|could) I take (ibuprofen|paracetamol|acetaminophen|aspirin|naproxen|"
        "painkillers|a painkiller|something|anything|an anti inflammatory|anti inflammatories) "
        "(for it|for the pain|)",
        "(what|which) (painkiller|painkillers|medicine|medication|pills|tablets) should I (take|"
        "use)",
        "(is it|is my hamstring|do you think it's|do you think my hamstring is) (torn|broken|"
        "strained|serious|a tear|a strain|a pulled muscle|bad)",
        "(have I|did I) (torn it|tear it|torn my hamstring|tear my hamstring|pulled it|pull it|"
        "strained it|injured it)",
        "what's wrong with (my leg|my hamstring|it|me|my hamstrings)",
        "what (is it|have I done|did I do|is wrong with my leg|could it be)",
        "(should I|do I need to|do I have to) (see|go to|call|visit) (a doctor|the doctor|my "
        "doctor|a physio|a physical therapist|the hospital|a pharmacist|someone)",
        "do I need (a doctor|a physio|to see someone|to see a doctor|an x ray|a scan)",
        "should I get it (checked|looked at|checked out)",
        "(is it serious|how bad is it|how long will it take to heal|when can I run again)",
    ),
    "ProductTipsIntent": (
        "how (do|should) I use (a|an|the|) {product}",
        "tell me about (a|an|the|) {product}",
        "(what is|what's) (a|an|) {product}",
        "what are {product}",
        "(is|is a|is an|are) {product} any good",
        "(should I|when should I|how long should I) (use|try) (a|an|) {product}",
        "(does|does a|does an|do) {product} help",
        "(give me a tip on|tips on|tips for) (a|an|) {product}",
        "what about (a|an|the|) {product}",
        "should I (see|book|go to) a {product}",
        "(product tips|recovery tips|recovery products)",
        "tell me about recovery products",
        "what can I use for recovery",
        "what (products|equipment) do you recommend",
        "(what products help|what equipment helps)",
        "what helps with recovery",
        "what should I buy",
    ),
    # The questions themselves are the TOPIC slot's values, contributed by the packs' topics.
    "TopicIntent": (
        "{topic}",
        "(tell me|I'd like to know|I want to know|can you tell me|do you know|quick question) "
        "{topic}",
        "(so|and|okay|coach|hey coach) {topic}",
    ),
    "WeekPlanIntent": (
        "what should I do this week",
        "what should I do (over the next week|each week|every week|in a week)",
        "(make|give|build) me a (weekly|week's|training|) plan",
        "(plan my week|weekly plan|my weekly plan|week plan|my plan for the week)",
        "(what's|what is) my plan (for the week|for this week|this week|)",
        "(what's|what is) the plan (for the week|for this week|this week)",
        "how (often|many times a week) should I (do this|do these|train|work on my hamstrings)",
        "how should I plan my week",
        "(what about|and|for|) this week",
    ),
    "AMAZON.NextIntent": (
        "(done|done that|I've done that|that's done|did it)",
        "(ready|I'm ready)",
        "(okay|ok|alright|right) (I'm ready|ready|done|I'm in position|I'm down)",
        "(I'm in position|I'm in place|I'm down|I'm on the floor|I'm set|good to go)",
        "next (one|step|side|set|exercise|stretch)",
        "next side",
        "(go on|move on|let's move on|carry on|what's next|okay next)",
    ),
    "AMAZON.PreviousIntent": (
        "(go|) back (a step|one step|one)",
        "(previous step|last step|the step before|back)",
    ),
    "AMAZON.RepeatIntent": (
        "(again|one more time|once more)",
        "(do|say) (that|it) again",
        "repeat that step",
        "what did you say",
    ),
    "AMAZON.StartOverIntent": (
        "(from the top|from the beginning|right from the start)",
        "start from the beginning",
        "(back to the beginning|go back to the start)",
        "(restart the routine|start the routine again)",
    ),
    "AMAZON.PauseIntent": (
        "(stop for now|pause for now|pause it)",
        "pause (the routine|here)",
    ),
    "WaitIntent": (
        "(hang on|hold on|wait|wait a bit|hold up|one sec|one second|one moment|just a sec|"
        "just a second|just a moment|not yet|wait what)",
        "(hang on|hold on|wait) a (sec|second|minute|moment|bit)",
        "give me a (minute|moment|sec|second|bit)",
        "(take a break|break time|I need a break|I need a rest|I need a breather|let me take a "
        "break|let me catch my breath|I need to catch my breath)",
        "(wait|hang on|hold on) (I'm|I am) not (ready|in position) (yet|)",
        "(I'm|I am) not (ready|in position) (yet|)",
        "I'm still getting (ready|into position|down)",
    ),
    "SwitchSideIntent": (
        "(switch|change|swap) (legs|sides|over)",
        "(the|) {side} (leg|side)",
        "(do|now|let's do|go to|switch to|change to|start with|what about) (the|my) {side} "
        "(leg|side)",
        "(now|) the {side} (leg|side) (now|please|)",
        "(I want to|can I|can we) do the {side} (leg|side)",
        "I did the wrong (leg|side)",
    ),
    "TooHardIntent": (
        "(this is|it's|that's|this one is|that was) (too hard|too much|too difficult|too tough)",
        "(too hard|too difficult|too tough|too much)",
        "(make it|make this|something|give me something|can we do something|can I do "
        "something) easier",
        "(easier|an easier one|an easier version|the easier version) (please|)",
        "I can't (manage|keep up with) (this|it|that)",
        "(this is|it's) (really|) hard",
    ),
    "TooEasyIntent": (
        "(this is|it's|that's|this one is|that was) (too easy|really easy|easy)",
        "(too easy|way too easy)",
        "(make it|make this|something|give me something|can we do something|can I do "
        "something) harder",
        "(harder|a harder one|a harder version|the harder version) (please|)",
        "(I want|give me) (a challenge|more of a challenge)",
        "I could do (more|a lot more)",
    ),
    "EquipmentIntent": (
        "what (equipment|things|stuff) do I need",
        "what do I need (for this|for this one|for it|for this step|for the routine|)",
        "what will I need",
        "(what equipment is it|what does it need|what does this need)",
        "do I need (anything|any equipment|equipment|something)",
        "what should I (use|have) (for this|)",
        "(what's|what is) the equipment",
    ),
    "RepsLeftIntent": (
        "how many more",
        "how many (reps|sets) (are|) (left|to go|is it|are there|do I do)",
        "how many (more|) (reps|sets)",
        "how many (reps|sets) (is this|in this one)",
        "how many (more|) times",
        "how long is (this|this hold|this one)",
    ),
    "ThanksIntent": (
        "(thanks|thank you|thanks a lot|thank you very much|thanks coach|many thanks)",
        "(okay|ok|alright|all right|okey dokey|right then)",
        "(cool|great|nice|awesome|perfect|got it|good|sounds good)",
        "(okay|alright|cool|great) (thanks|thank you)",
    ),
    "AMAZON.ResumeIntent": (
        "(let's|) pick up where (I|we) left off",
        "(carry on|continue) where I left off",
        "(resume|continue) (my|the) routine",
        "(back to my routine|where was I)",
    ),
    "AMAZON.YesIntent": (
        "(yep|go for it|let's do it|why not|please do)",
        "(yes|) (I am|I do|it does)",
        "yes let's go",
        "(yes|yeah|) (it's been checked|I've had it checked|it's been checked and it's fine)",
        "(yes|yeah|) (the|my) (doctor|physio|physical therapist) (said|says) it's fine",
    ),
    "AMAZON.NoIntent": (
        "(no thank you|nope|not now|not really|not today|not right now)",
        "(no|) (I'm not|I don't|it doesn't)",
        "no (start fresh|fresh start)",
        "no (not really|not now|not today|thanks|thank you|I'm good|I'm okay)",
        "(no|nope|) (it doesn't hurt|it does not hurt|nothing hurts|it's not painful|no pain)",
        "(no|nope) (it's fine|all good)",
        "(no|) (it hasn't been checked|not yet it hasn't|I haven't seen anyone|I haven't had it "
        "checked)",
    ),
    "AMAZON.HelpIntent": (
        "(what can I say|what do I say|what can you do)",
        "(how does this work|how do I use this|I'm confused|I'm lost)",
    ),
    "AMAZON.StopIntent": (
        "(that's enough|that's enough for today|I've had enough)",
        "(I'm finished for today|I'm done for today)",
        "(goodbye|bye|end the routine|stop the routine)",
    ),
}

# Where English differs: the same intents, phrased the way each country says it.
COMMONWEALTH = ("en-GB", "en-AU", "en-IN")
LOCAL_SAMPLES: dict[str, dict[tuple[str, ...], tuple[str, ...]]] = {
    "ReportSymptomIntent": {
        ("en-US",): (
            "my hamstrings (are|feel|have been) {symptom} since I got new (running shoes|"
            "sneakers)",
            "my physical therapist (says|said) my hamstrings are {symptom}",
        ),
        ("en-CA",): (
            "my hamstrings (are|feel|have been) {symptom} since I got new running shoes",
            "my (physio|physiotherapist) (says|said) my hamstrings are {symptom}",
        ),
        COMMONWEALTH: (
            "my hamstrings (are|feel|have been) {symptom} since I got new trainers",
            "my hamstrings feel {symptom} in my new trainers",
            "my physio (says|said) my hamstrings are {symptom}",
        ),
        ("en-GB", "en-AU"): (
            "my (hammies are|hammies feel|hammy is|hammy feels) {symptom} ({timing}|)",
            "I've got (a {symptom} hammy|{symptom} hammies)",
        ),
    },
    "ProductTipsIntent": {
        ("en-US",): (
            "would a physical therapist recommend (a|an|) {product}",
            "should I pack (a|an|) {product} in my gym bag",
        ),
        ("en-CA",): (
            "would a (physio|physiotherapist) recommend (a|an|) {product}",
            "should I pack (a|an|) {product} in my gym bag",
        ),
        COMMONWEALTH: (
            "would a physio recommend (a|an|) {product}",
            "should I pack (a|an|) {product} in my kit bag",
        ),
    },
    "PainIntent": {
        ("en-GB", "en-AU"): (
            "(I've|I think I've) (pulled|done|tweaked|strained) my (hammy|hamstring)",
            "my hammy (went|has gone|popped|hurts|is killing me)",
        ),
        COMMONWEALTH: ("(it's|that's) proper painful",),
    },
    "MedicalQuestionIntent": {
        ("en-US",): ("should I see (a PT|my physical therapist|urgent care)",),
        ("en-CA", "en-IN"): ("(should I|do I need to) see (a physiotherapist|my physiotherapist)",),
        COMMONWEALTH: (
            "(should I|do I need to) (see|go to) (a GP|my GP|the GP|A and E|the chemist)",
            "(should I|do I need to) see (a physio|my physio)",
        ),
    },
    "StartRoutineIntent": {
        ("en-US", "en-CA"): ("let's give the {routine} a try",),
        COMMONWEALTH: ("(let's|) have a go at the {routine}", "(let's|) give the {routine} a go"),
    },
    "ListRoutinesIntent": {
        COMMONWEALTH: ("what (routines|exercises) have you got",),
    },
    "FindRoutineIntent": {
        ("en-GB", "en-AU"): ("(give me|let's have|fancy) a quick {category}",
                             "(I've|I have) only got (a|an|my|) {equipment} to hand",
                             "(I've|I have) only got {duration} spare"),
        ("en-AU",): ("(a|) quick {category} sesh", "a {duration} sesh"),
        ("en-IN",): ("(please|kindly) (give me|start) (some|a|) {category} (exercise|exercises|"
                     "routine)", "I have only {duration}", "I have only (a|an|) {equipment}"),
        ("en-US", "en-CA"): ("(gimme|let's get in) some {category}",
                             "I've only got {duration} to spare"),
    },
    "AMAZON.RepeatIntent": {
        ("en-US", "en-CA"): ("what was that",),
        COMMONWEALTH: ("(pardon|sorry what was that|come again)",),
    },
    "WaitIntent": {
        ("en-US", "en-CA"): ("(hold your horses|gimme a sec|gimme a second)",),
        ("en-GB", "en-AU"): ("(hang on a tick|give me a tick|half a mo|just a tick)",),
        ("en-IN",): ("(wait one minute|one minute please|just one minute|wait please)",),
    },
    "ThanksIntent": {
        ("en-US",): ("(gotcha|sweet|thanks a bunch)",),
        ("en-CA",): ("(thanks eh|gotcha|sounds great)",),
        ("en-GB",): ("(cheers|ta|brilliant|lovely|cheers for that)",),
        ("en-AU",): ("(cheers|ta|no worries|good on you|cheers mate)",),
        ("en-IN",): ("(thank you so much|okay fine|okay thank you so much)",),
    },
    "TooHardIntent": {
        ("en-US", "en-CA"): ("this is (brutal|killing me)",),
        COMMONWEALTH: ("this is a bit much", "(I'm|I am) struggling with this"),
    },
    "TooEasyIntent": {
        ("en-US", "en-CA"): ("this is a piece of cake",),
        COMMONWEALTH: ("this is a doddle",),
    },
    "EquipmentIntent": {
        ("en-US", "en-CA"): ("what gear do I need",),
        COMMONWEALTH: ("what kit do I need",),
    },
    "SwitchSideIntent": {
        ("en-GB", "en-AU"): ("swap legs over",),
    },
}

SLOT_REF = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
CHOICE = re.compile(r"\(([^()]*)\)")


def expand(template: str) -> list[str]:
    """Every utterance a template stands for: ``"(a|b|) x"`` gives ``a x``, ``b x``, ``x``."""
    pieces = CHOICE.split(template)
    choices = [[piece] if i % 2 == 0 else piece.split("|") for i, piece in enumerate(pieces)]
    return [" ".join("".join(combo).split()) for combo in itertools.product(*choices)]


def samples_for(intent: str, locale: str) -> list[str]:
    """The sample utterances of ``intent`` in ``locale``, sorted and without repeats."""
    templates = list(SAMPLES.get(intent, ()))
    for locales, extra in LOCAL_SAMPLES.get(intent, {}).items():
        if locale in locales:
            templates += extra
    return sorted({utterance for t in templates for utterance in expand(t)})


def _value(value_id: str, name: str, synonyms: Iterable[str]) -> dict:
    """One slot type value with its synonyms, the name and repeats left out."""
    seen = {normalise(name)}
    kept = []
    for synonym in sorted(synonyms):
        if normalise(synonym) not in seen:
            seen.add(normalise(synonym))
            kept.append(synonym)
    entry: dict = {"value": name}
    if kept:
        entry["synonyms"] = kept
    return {"id": value_id, "name": entry}


GENERIC_WORDS = {"stretch", "roll", "time", "ball", "roller", "spot", "it", "out", "thigh",
                 "edges", "down", "in", "start", "wall", "flexor", "quads", "circle", "knot"}


def plurals(name: str) -> list[str]:
    """'glute bridge' also said 'glute bridges'; 'leg swings' also 'leg swing'."""
    head, _, _ = name.rpartition(" ")
    last = name.split()[-1]
    other = last[:-1] if last.endswith("s") and not last.endswith("ss") else \
        last + ("es" if last.endswith(("ch", "sh", "ss", "x")) else "s")
    return [f"{head} {other}".strip()]


def slot_types(packs: Packs, locale: str) -> list[dict]:
    """ROUTINE, PRODUCT, TOPIC, SYMPTOM and TIMING with the values the packs contribute."""
    catalog = packs.catalog
    routines = [_value(r.id, r.name.get(locale),
                       [*r.synonyms, *(t for _, t in r.name.by_locale)])
                for r in catalog.routines.values()]
    products = [_value(p.id, p.name.get(locale),
                       [*p.synonyms, *(t for _, t in p.name.by_locale)])
                for p in catalog.products.values()]
    topics = [_value(t.id, t.questions[0], t.questions[1:]) for t in catalog.topics.values()]
    said = packs.model_words(locale)

    def word_values(kind: str, local: dict[str, dict[str, list[str]]]) -> list[dict]:
        merged = {word_id: [*phrases, *local.get(kind, {}).get(word_id, [])]
                  for word_id, phrases in said.get(kind, {}).items()}
        return [_value(word_id, (phrases or [word_id])[0], phrases[1:])
                for word_id, phrases in merged.items()]

    def table_values(table: dict[str, list[str]]) -> list[dict]:
        return [_value(key, said[0] if said else key.replace("-", " "), said[1:])
                for key, said in table.items()]

    reader = Reader(catalog)
    exercises = {}
    for routine in catalog.routines.values():
        for title in reader.exercises(routine):
            exercises.setdefault(title.replace(" ", "-"), [title, *plurals(title)])
            head = title.split()[-1]
            if head not in GENERIC_WORDS:  # "bridges", for every kind of bridge
                many = head if head.endswith("s") else plurals(head)[0]
                exercises.setdefault(many, [many, *plurals(many)])
    local = LOCAL_WORDS.get(locale, {})
    lengths = {**reader.table("lengths"),
               **{f"{n}-minutes": [f"{n} minutes", f"{n} minute", f"{n} mins"]
                  for n in SAID_MINUTES}, "half-an-hour": ["half an hour", "thirty minutes"]}
    ordinals = {w: [p for p, m in ORDINALS.items() if m == n and not p[0].isdigit()]
                for w, n in ORDINALS.items() if " " not in w and not w[0].isdigit()}
    # A routine's own name wins: "tennis ball" on its own starts the tennis ball release.
    taken = {normalise(n) for r in catalog.routines.values() for n in (r.name.default, *r.synonyms)}
    equipment = {k: [p for p in said if normalise(p) not in taken]
                 for k, said in {**reader.table("equipment"), "no-equipment": NO_EQUIPMENT}.items()}
    equipment = {k: said for k, said in equipment.items() if said}
    types = {"ROUTINE": routines, "PRODUCT": products, "TOPIC": topics,
             "SYMPTOM": word_values("symptoms", local), "TIMING": word_values("timings", local),
             "HABIT": table_values(HABITS), "CATEGORY": table_values(reader.table("categories")),
             "EQUIPMENT": table_values(equipment), "LENGTH": table_values(lengths),
             "ORDINAL": table_values(ordinals), "EXERCISE": table_values(exercises),
             "SIDE": table_values(SIDES)}
    return [{"name": name, "values": sorted(values, key=lambda v: v["id"])}
            for name, values in sorted(types.items())]


def build_model(packs: Packs, locale: str) -> dict:
    """The interaction model for ``locale`` in the format the ASK CLI deploys."""
    intents = []
    for name in sorted(set(handled_intents())):
        intent: dict = {"name": name}
        slots = CUSTOM_SLOTS.get(name, ())
        if slots:
            intent["slots"] = [{"name": slot, "type": SLOT_TYPES[slot]} for slot in slots]
        intent["samples"] = samples_for(name, locale)
        intents.append(intent)
    types = slot_types(packs, locale)
    asked = {normalise(said) for t in types if t["name"] == "TOPIC" for value in t["values"]
             for said in (value["name"]["value"], *value["name"].get("synonyms", ()))}
    for intent in intents:  # a pack's topic answers its own questions
        if intent["name"] in YIELD_TO_TOPICS:
            intent["samples"] = [s for s in intent["samples"] if normalise(s) not in asked]
    return {"interactionModel": {"languageModel": {
        "invocationName": INVOCATION_NAME,
        "intents": intents,
        "types": types,
    }}}


def dumps(model: dict) -> str:
    """A model as the committed files hold it: JSON indented by two, trailing newline."""
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


# -- checking ------------------------------------------------------------------------


def check_invocation_name(name: str) -> list[str]:
    """Alexa's rules for an invocation name."""
    problems = []
    words = name.split()
    if len(words) < 2:
        problems.append(f"invocation name {name!r} must have two or more words")
    if not re.fullmatch(r"[a-z.' ]+", name) or name != " ".join(words):
        problems.append(f"invocation name {name!r} may hold only lower-case letters, single "
                        "spaces, apostrophes and periods")
    for word in words:
        if word in LAUNCH_WORDS:
            problems.append(f"invocation name {name!r} contains the launch word {word!r}")
        if word in WAKE_WORDS:
            problems.append(f"invocation name {name!r} contains the wake word {word!r}")
    if len(words) == 2 and SHORT_NAME_WORDS & set(words):
        word = sorted(SHORT_NAME_WORDS & set(words))[0]
        problems.append(f"invocation name {name!r} has two words, so it cannot contain {word!r}")
    return problems


def check_sample(intent: str, sample: str, slots: set[str]) -> list[str]:
    """Alexa's rules for one sample utterance of ``intent`` whose slots are ``slots``."""
    problems = []
    words = SLOT_REF.sub(" ", sample)
    if re.search(r"\d", words):
        problems.append(f"{intent}: sample {sample!r} has digits; spell numbers out "
                        "(\"five\", not \"5\")")
    odd = sorted({c for c in words if not (c.isalpha() or c in " '.")} - set("0123456789"))
    if odd:
        problems.append(f"{intent}: sample {sample!r} has characters Alexa does not accept: "
                        + " ".join(repr(c) for c in odd))
    for slot in SLOT_REF.findall(sample):
        if slot not in slots:
            problems.append(f"{intent}: sample {sample!r} uses slot {{{slot}}}, which the intent "
                            "does not define")
    if not sample.strip():
        problems.append(f"{intent}: an empty sample utterance")
    return problems


def normalised_sample(sample: str, slot_type: dict[str, str]) -> str:
    """How Alexa compares samples: case, periods and spacing ignored, slots by their type."""
    text = SLOT_REF.sub(lambda m: "{" + slot_type.get(m.group(1), m.group(1)) + "}", sample)
    return " ".join(text.lower().replace(".", " ").split())


def check_types(types: list[dict]) -> list[str]:
    """Slot type values: present, named, and at most 140 characters."""
    problems = []
    for slot_type in types:
        name = slot_type.get("name", "?")
        values = slot_type.get("values") or []
        if not values:
            problems.append(f"slot type {name} has no values (is a pack that provides them "
                            "installed?)")
        for value in values:
            entry = value.get("name") or {}
            spoken = entry.get("value") or ""
            if not spoken.strip():
                problems.append(f"slot type {name}: value {value.get('id')!r} has no name")
            for text in (spoken, *entry.get("synonyms", ())):
                if len(text) > MAX_VALUE_LENGTH:
                    problems.append(f"slot type {name}: value {value.get('id')!r} has "
                                    f"{text[:30]!r}... of {len(text)} characters; the limit is "
                                    f"{MAX_VALUE_LENGTH}")
    return problems


def check_model(model: dict, handled: list[str]) -> list[str]:
    """Every rule of Alexa's (and of this skill) that ``model`` breaks; empty when it is fine.

    ``handled`` names the intents the skill answers (``handled_intents()``).
    """
    language = (model.get("interactionModel") or {}).get("languageModel")
    if not isinstance(language, dict):
        return ["not an interaction model: there is no interactionModel.languageModel"]
    problems = check_invocation_name(language.get("invocationName") or "")
    intents = language.get("intents") or []
    types = language.get("types") or []
    defined_types = {t.get("name") for t in types}
    problems += check_types(types)
    names = [intent.get("name", "") for intent in intents]
    if len(intents) > MAX_INTENTS:
        problems.append(f"{len(intents)} intents; the limit is {MAX_INTENTS}")
    if len(intents) + len(types) > MAX_INTENTS_AND_TYPES:
        problems.append(f"{len(intents) + len(types)} intents and slot types together; the limit "
                        f"is {MAX_INTENTS_AND_TYPES}")
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"intent {name} is defined {names.count(name)} times")
    claimed: dict[str, tuple[str, str]] = {}
    for intent in intents:
        name = intent.get("name", "")
        slot_type = {s.get("name"): s.get("type") for s in intent.get("slots") or ()}
        for slot, kind in slot_type.items():
            if kind not in defined_types and not str(kind).startswith("AMAZON."):
                problems.append(f"{name}: slot {{{slot}}} has type {kind}, which the model does "
                                "not define")
        samples = intent.get("samples") or []
        if not samples and not name.startswith("AMAZON."):
            problems.append(f"{name}: a custom intent needs sample utterances")
        for sample in samples:
            problems += check_sample(name, sample, set(slot_type))
            key = normalised_sample(sample, slot_type)
            if key not in claimed:
                claimed[key] = (name, sample)
                continue
            owner, original = claimed[key]
            if owner == name:
                problems.append(f"{name}: the sample {sample!r} is there twice")
            else:
                problems.append(f"{owner} and {name} both claim the sample {sample!r}"
                                + (f" (as {original!r})" if original != sample else ""))
    for name in names:
        if name not in handled:
            problems.append(f"intent {name} is in the model but the skill does not handle it")
    for name in handled:
        if name not in names and not name.startswith("AMAZON."):
            problems.append(f"intent {name} is handled by the skill but missing from the model")
    for name in REQUIRED_BUILT_INS:
        if name not in names:
            problems.append(f"the required built-in intent {name} is missing")
    size = len(dumps(model).encode())
    if size > MAX_BYTES:
        problems.append(f"the model is {size / 1e6:.2f} MB; the limit is 1.5 MB")
    return problems


# -- commands ------------------------------------------------------------------------


def build_command(args: argparse.Namespace) -> int:
    """Write ``<locale>.json`` for every English locale into ``args.out``."""
    packs = installed_packs()
    for problem in packs.problems:
        print(f"pack problem: {problem}", file=sys.stderr)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    handled = handled_intents()
    failed = False
    for locale in LOCALES:
        model = build_model(packs, locale)
        path = out / f"{locale}.json"
        path.write_text(dumps(model), encoding="utf-8")
        problems = check_model(model, handled)
        failed = failed or bool(problems)
        for problem in problems:
            print(f"{path}: {problem}", file=sys.stderr)
        print(f"wrote {path} ({describe(model)})")
    return 1 if failed else 0


def check_command(args: argparse.Namespace) -> int:
    """Check model files (default: every locale's file in ``interaction_models``)."""
    paths = [Path(f) for f in args.files] or [MODEL_DIR / f"{loc}.json" for loc in LOCALES]
    handled = handled_intents()
    failed = False
    for path in paths:
        try:
            model = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            problems = [f"cannot read it: {error}"]
        else:
            problems = check_model(model, handled)
        failed = failed or bool(problems)
        for problem in problems:
            print(f"{path}: {problem}")
        if not problems:
            print(f"{path}: ok ({describe(model)})")
    return 1 if failed else 0


def describe(model: dict) -> str:
    """'22 intents, 512 samples, 4 slot types'."""
    language = model["interactionModel"]["languageModel"]
    samples = sum(len(i.get("samples") or ()) for i in language["intents"])
    return (f"{len(language['intents'])} intents, {samples} samples, "
            f"{len(language['types'])} slot types")


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``model build``, ``model check`` and ``model evaluate``."""
    model = commands.add_parser("model", help="build, check and evaluate the interaction models")
    sub = model.add_subparsers(dest="model_command", required=True)
    build = sub.add_parser("build", help="write interaction_models/<locale>.json from the packs")
    build.add_argument("--out", default=str(MODEL_DIR), help="where to write the models")
    build.set_defaults(func=build_command)
    check = sub.add_parser("check", help="validate models against Alexa's rules")
    check.add_argument("files", nargs="*", help="model files (default: every locale's)")
    check.set_defaults(func=check_command)
    evaluate = sub.add_parser("evaluate", help="score natural utterances against the models "
                              "with two offline judges")
    evaluate.add_argument("files", nargs="+", help="evaluation files (YAML)")
    evaluate.add_argument("--locale", choices=LOCALES,
                          help="judge every file as this locale (default: each file's)")
    evaluate.add_argument("--model", metavar="FILE",
                          help="a model file (default: interaction_models/<locale>.json)")
    evaluate.add_argument("--min-exact", type=float, default=0.9, metavar="RATIO",
                          help="the exact matcher's lowest passing accuracy (0.9)")
    evaluate.add_argument("--min-statistical", type=float, default=0.95, metavar="RATIO",
                          help="the statistical judge's lowest passing accuracy (0.95)")
    evaluate.add_argument("--reject", type=float, default=0.3, metavar="P",
                          help="below this probability the statistical judge hears Fallback")
    evaluate.set_defaults(func=evaluate_command)


def evaluate_command(args: argparse.Namespace) -> int:
    """``model evaluate``, with the judges (and scikit-learn) loaded only when asked for."""
    from skill.evaluate import evaluate_command as run

    return run(args)
