"""Whole conversations in natural wording, played through the simulator in process.

Each ``tests/conversations/*.convo`` file holds conversations separated by a blank line::

    # a tired runner asks for something short
    @locale en-GB
    > open hamstring coach
    = how do your hamstrings feel
    > something short please
    = let's do the
    ! didn't catch
    > stop
    =end

``# title`` comes first; ``@locale`` is optional (en-US by default); ``>`` is what the user
says (typed into the simulator, so it is understood with the interaction model as Alexa
would); after it, ``= text`` must be in the reply's speech, ``! text`` must not be (both
case-insensitive), and ``=end`` says the session has ended after that reply.

Every conversation, whatever it checks itself, must also keep the voice rules: each reply
that leaves the session open has a reprompt and offers something to say; the same reply is
not given twice in a row to different requests (a dead end); and Fallback is never heard
three times in a row. Each conversation is a new user with nothing saved.
"""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from skill import create_app
from skill.engine import LOCALES
from skill.model import build_model
from skill.simulator import Simulator, Understanding, clean
from skill.testing import AppDevice

FOLDER = Path(__file__).parent / "conversations"
FALLBACK = "AMAZON.FallbackIntent"
FALLBACKS_IN_A_ROW = 3


@dataclass
class Turn:
    """One thing the user says and what the reply must (not) contain."""

    said: str
    line: int
    expect: list[str] = field(default_factory=list)
    refuse: list[str] = field(default_factory=list)
    ends: bool = False


@dataclass
class Conversation:
    """A titled conversation from a ``.convo`` file."""

    title: str
    path: Path
    line: int
    locale: str = "en-US"
    turns: list[Turn] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"


def parse(path: Path) -> list[Conversation]:
    """The conversations in one file; a malformed line is an error that says where."""
    conversations: list[Conversation] = []
    current: Conversation | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        where = f"{path.name}:{number}"
        if not line:
            current = None
            continue
        if current is None:
            if not line.startswith("# "):
                raise ValueError(f"{where}: a conversation starts with '# title', not {line!r}")
            current = Conversation(line[2:].strip(), path, number)
            conversations.append(current)
            continue
        kind, _, text = line.partition(" ")
        text = text.strip()
        if kind == "@locale" and not current.turns and text in LOCALES:
            current.locale = text
        elif kind == ">" and text:
            current.turns.append(Turn(text, number))
        elif kind in ("=", "!") and text and current.turns:
            (current.turns[-1].expect if kind == "=" else current.turns[-1].refuse).append(text)
        elif kind == "=end" and not text and current.turns:
            current.turns[-1].ends = True
        elif kind != "#":
            raise ValueError(f"{where}: cannot read {line!r} (expected '> said', '= text', "
                             "'! text', '=end' or '@locale' before the first turn)")
    for conversation in conversations:
        if not conversation.turns:
            raise ValueError(f"{conversation.where}: {conversation.title!r} has no turns")
    return conversations


def all_conversations() -> list[Conversation]:
    return [c for path in sorted(FOLDER.glob("*.convo")) for c in parse(path)]


CONVERSATIONS = all_conversations()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("conversations")
    return create_app({"VERIFY_REQUESTS": False,
                       "DATABASE_URL": f"sqlite:///{folder / 'conversations.db'}"})


@pytest.fixture(scope="module")
def understandings(app) -> dict[str, Understanding]:
    packs = app.extensions["hamstring"]["packs"]
    return {locale: Understanding(build_model(packs, locale)) for locale in LOCALES}


def plain(text: str) -> str:
    """Speech compared without case or curly apostrophes."""
    return " ".join(text.replace("\u2019", "'").lower().split())


def offers_something(answer) -> bool:
    """Whether an open reply tells the user what they can say: a question or a "say ..."."""
    said = plain(f"{answer.text} {re.sub(r'<[^>]+>', ' ', answer.reprompt)}")
    return "?" in said or "say " in said


def play(conversation: Conversation, app, understanding: Understanding, user: str) -> None:
    """Play one conversation; assert its own checks and the rules every one must keep."""
    device = AppDevice(app, user_id=user, locale=conversation.locale)
    out = io.StringIO()
    simulator = Simulator(device, understanding, out=out, wait=False)
    fallbacks = 0
    before: tuple[str, str, str] | None = None  # (said, heard, reply) of the previous turn
    for turn in conversation.turns:
        start = len(out.getvalue())
        answer = simulator.hear(turn.said)
        heard = simulator.heard.describe() if simulator.heard else "(launch or session end)"
        where = (f"{conversation.path.name}:{turn.line} ({conversation.title}), "
                 f"you: {turn.said!r} -> {heard}\n{out.getvalue()[start:]}")
        assert answer is not None and answer.status == 200, where
        speech = plain(answer.text)
        for text in turn.expect:
            assert plain(text) in speech, f"expected {text!r} in the reply to {where}"
        for text in turn.refuse:
            assert plain(text) not in speech, f"did not expect {text!r} in the reply to {where}"
        if turn.ends:
            assert answer.ends, f"the session should have ended after {where}"
        assert not answer.problems, f"voice rules broken: {answer.problems} in {where}"
        if not answer.ends:
            assert answer.reprompt, f"an open reply without a reprompt: {where}"
            assert offers_something(answer), f"an open reply offers nothing to say: {where}"
        fallbacks = fallbacks + 1 if heard == FALLBACK else 0
        assert fallbacks < FALLBACKS_IN_A_ROW, f"Fallback {fallbacks} times in a row: {where}"
        now = (clean(turn.said), heard, speech)
        if before and not answer.ends and before[2] == speech and before[0] != now[0] \
                and (heard == FALLBACK or before[1] != heard):
            raise AssertionError(f"a dead end: the same reply to {before[0]!r} and to {where}")
        before = now


def test_the_conversation_files_are_there_and_read():
    names = {path.name for path in FOLDER.glob("*.convo")}
    assert "loose.convo" in names
    titles = [(c.path.name, c.title) for c in CONVERSATIONS]
    assert len(titles) == len(set(titles)), "two conversations in one file share a title"


def test_a_malformed_file_says_where(tmp_path):
    bad = tmp_path / "bad.convo"
    bad.write_text("# fine\n> open hamstring coach\n= welcome\n\n> no title here\n")
    with pytest.raises(ValueError, match=r"bad.convo:5: a conversation starts with '# title'"):
        parse(bad)
    bad.write_text("# fine\n> open hamstring coach\n~ what is this\n")
    with pytest.raises(ValueError, match=r"bad.convo:3: cannot read"):
        parse(bad)


def test_the_rules_catch_a_dead_end_and_fallbacks(app, understandings):
    gibberish = Conversation("lost", FOLDER / "made-up.convo", 1, turns=[
        Turn("open hamstring coach", 1), Turn("banana bread", 2), Turn("purple monkey", 3),
        Turn("walrus", 4)])
    with pytest.raises(AssertionError, match="a dead end|Fallback 3 times"):
        play(gibberish, app, understandings["en-US"], "amzn1.ask.account.rules")
    wrong = Conversation("wrong", FOLDER / "made-up.convo", 1, turns=[
        Turn("open hamstring coach", 1, expect=["this is never said"])])
    with pytest.raises(AssertionError, match="expected 'this is never said'"):
        play(wrong, app, understandings["en-US"], "amzn1.ask.account.rules2")


_users = itertools.count()


@pytest.mark.parametrize("conversation", CONVERSATIONS,
                         ids=[f"{c.path.stem}:{c.line}" for c in CONVERSATIONS])
def test_conversation(conversation: Conversation, app, understandings):
    play(conversation, app, understandings[conversation.locale],
         f"amzn1.ask.account.convo-{conversation.path.stem}-{conversation.line}-{next(_users)}")
