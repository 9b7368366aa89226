"""The built-in packs against the source articles they were written from (``shared/seeds/``
beside the repository): every sentence in the coach's own words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from skill.engine import Text
from skill.plan import plan_week
from skill.plugins import load_packs
from tests.support.services import require

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
RUN = 8  # words in a row that may not be shared with a source
PACKS = load_packs(["stretching", "strengthening", "massage", "recovery"])


def words(text: str) -> list[str]:
    """Lower-case words, apostrophes straightened, punctuation dropped."""
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def runs(text: str) -> set[tuple[str, ...]]:
    """Every run of ``RUN`` words in ``text``."""
    said = words(text)
    return {tuple(said[i:i + RUN]) for i in range(len(said) - RUN + 1)}


def every_locale(text: Text | None) -> Iterator[str]:
    """The text in each locale it is written for."""
    if text:
        yield text.default
        yield from (t for _, t in text.by_locale)


def spoken_strings() -> Iterator[tuple[str, str]]:
    """(where, text) for everything the built-in packs make the coach say."""
    catalog = PACKS.catalog
    for routine in catalog.routines.values():
        for field in ("name", "description", "when", "avoid"):
            for text in every_locale(getattr(routine, field)):
                yield f"{routine.id}.{field}", text
        for n, step in enumerate(routine.steps):
            for field in ("title", "instruction", "easier", "harder"):
                for text in every_locale(getattr(step, field)):
                    yield f"{routine.id}.steps[{n}].{field}", text
            for cue in step.cues:
                yield from ((f"{routine.id}.steps[{n}].cue", t) for t in every_locale(cue.text))
    for tip in catalog.products.values():
        for field in ("what", "when", "how", "avoid"):
            yield from ((f"{tip.id}.{field}", t) for t in every_locale(getattr(tip, field)))
    for rule in PACKS.manager.get_plugin("content").rules:
        yield from ((f"advice {rule.id}", t) for t in every_locale(rule.say))
    for topic in catalog.topics.values():
        yield from ((f"topic {topic.id}", t) for t in every_locale(topic.say))
    for plan in (plan_week([], catalog.routines, troubled=True),
                 plan_week([], catalog.routines, red_flag=True)):
        yield from (("weekly plan", sentence) for sentence in plan.sentences())


def test_no_spoken_string_shares_eight_words_in_a_row_with_a_source():
    require(SEEDS.is_dir(), "the source articles in shared/seeds beside the repository")
    sources = set()
    for article in sorted(SEEDS.glob("*.txt")):
        sources |= runs(article.read_text(encoding="utf-8"))
    assert sources, "no source articles found"
    copied = [(where, " ".join(run)) for where, text in spoken_strings()
              for run in runs(text) & sources]
    assert not copied, copied


@pytest.mark.parametrize("text, expected", [
    ("Hold it for 15 to 20 minutes, then let go.", 3),  # ten words
    ("Short.", 0),
])
def test_runs_counts_every_eight_word_window(text, expected):
    assert len(runs(text)) == expected
