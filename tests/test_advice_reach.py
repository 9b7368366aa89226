"""Every advice rule of the built-in packs can win the triage, and every routine a rule names
can be offered: the triage is played for every combination of symptom, timing, habit,
history and answers to its questions."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from skill.conversation import Coach
from skill.plugins import load_packs
from skill.triage import RED_FLAGS, SYMPTOMS, TIMINGS
from skill.turn import Turn

PACKS = load_packs(["stretching", "strengthening", "massage", "recovery"])
COACH = Coach(PACKS.catalog, advise=PACKS.advice)
RULES = PACKS.manager.get_plugin("content").rules
ANSWERS = ("stretches_a_lot", "timing", "recurring")


def earlier_reports(symptom: str) -> list[dict]:
    """Two earlier days with the same trouble: what makes a report recurring."""
    today = datetime.now(UTC).date()
    return [{"symptom": symptom, "day": (today - timedelta(days=d)).isoformat()} for d in (3, 9)]


def play(symptom: str, timing: str | None, habit: str | None, recurring: bool,
         answers: dict[str, bool]) -> tuple[str, str | None, str]:
    """Report, answer the questions asked, and say which rule won and what was offered."""
    turn = Turn(saved={"safety_heard": True,
                       "reports": earlier_reports(symptom) if recurring else []})
    reply = COACH.report_symptom(turn, symptom, timing, habit)
    for _ in range(len(ANSWERS) + 1):
        if turn.offer.get("kind") != "question":
            break
        reply = COACH.yes(turn) if answers[turn.offer["field"]] else COACH.no(turn)
    text = reply.speech.text()
    won = [rule.id for rule in RULES if rule.say.get() in text]
    assert len(won) == 1, (symptom, timing, habit, recurring, answers, text)
    return won[0], turn.offer.get("routine"), text


CASES = [(symptom, timing, habit, recurring, dict(zip(ANSWERS, said, strict=True)))
         for symptom in SYMPTOMS if symptom not in RED_FLAGS
         for timing in (*TIMINGS, None)
         for habit in (None, "stretches-a-lot")
         for recurring in (False, True)
         for said in itertools.product((True, False), repeat=len(ANSWERS))]
OUTCOMES = [(case, play(*case)) for case in CASES]


def test_every_combination_ends_in_one_rule_and_a_routine_on_offer():
    for case, (_, routine, _) in OUTCOMES:
        assert routine in PACKS.catalog.routines, case


@pytest.mark.parametrize("rule", sorted(r.id for r in RULES))
def test_every_advice_rule_wins_for_some_combination(rule):
    assert any(won == rule for _, (won, _, _) in OUTCOMES), \
        f"advice rule {rule!r} never wins the triage"


@pytest.mark.parametrize("routine", sorted({r.routine for r in RULES if r.routine}))
def test_every_routine_an_advice_rule_names_is_offered(routine):
    assert any(offered == routine for _, (_, offered, _) in OUTCOMES), \
        f"routine {routine!r} is named by advice but never offered"


def test_someone_who_stretches_a_lot_is_told_to_strengthen_and_offered_strength_work():
    strength = {r.id for r in PACKS.catalog.routines.values() if "strength" in r.tags}
    for (symptom, timing, habit, recurring, answers), (_, routine, text) in OUTCOMES:
        stretches_a_lot = habit is not None or answers["stretches_a_lot"]
        if symptom == "tight" and stretches_a_lot and timing not in ("before-run", "during-run") \
                and not (timing is None and answers["timing"]):
            assert routine in strength, (timing, recurring, answers, routine)
            assert "stronger hamstrings" in text
