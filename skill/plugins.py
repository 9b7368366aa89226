"""Finding, loading and isolating content packs.

Packs are found through the entry-point group ``hamstring_coach.packs``. Each
hook is called pack by pack, so a pack that fails to import, returns malformed
data or raises costs only its own contribution: the failure is recorded as a
``Problem`` naming the pack and the hook, and the skill keeps serving.

A pack's code runs in a worker thread with a deadline (``HOOK_DEADLINE``): Alexa gives
up on a turn after about 8 s, and nothing else would stop a hook that hangs. A pack
that overruns is reported and left out of that call; while the overrunning call is
still going, the pack is left out of further calls instead of tying up more threads.
Failures while serving are counted per pack, hook and kind of error, and logged at
most once a minute for each, so a pack that fails on every turn costs neither memory
nor a log line per turn.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pluggy

from skill import config, hookspecs
from skill.catalog import AdviceRule, Catalog, PackInfo, ProductTip
from skill.content import PackContent, Problem, load_pack
from skill.engine import LOCALES
from skill.triage import Advice, Profile, advice_from_rule, rule_matches
from skill.turn import RoutineEvent

log = logging.getLogger(__name__)
GROUP = "hamstring_coach.packs"
HOOKS = tuple(name for name, value in vars(hookspecs).items()
              if hasattr(value, f"{hookspecs.PROJECT}_spec"))
HOOK_DEADLINE = 0.5  # seconds a pack's hook may take in a turn
LOAD_DEADLINE = 10.0  # seconds a pack's hook may take while the packs load
LOG_EVERY = 60.0  # seconds between log lines about the same failure while serving
MAX_FAILURE_KINDS = 256  # distinct (pack, hook, error) counters kept; the rest pooled
HOOK_THREADS = 16


class ContentHooks:
    """The core's own plugin: serves the advice, product and word sections of YAML
    files through the same hooks a pack implements in code."""

    def __init__(self) -> None:
        self.rules: list[AdviceRule] = []
        self.products: list[ProductTip] = []
        self.words: dict[str, dict[str, Any]] = {}

    def add(self, content: PackContent) -> None:
        """Take over a validated pack's declarative sections."""
        self.rules += content.advice
        self.products += content.products
        for slot_type, values in content.words.items():
            for value, phrases in values.items():
                self.words.setdefault(slot_type, {}).setdefault(value, []).append(phrases)

    @hookspecs.hookimpl
    def register_advice(self, profile: Profile) -> list[Advice]:
        """Advice from every matching YAML rule."""
        return [advice_from_rule(r, profile) for r in self.rules if rule_matches(r, profile)]

    @hookspecs.hookimpl
    def register_product_tips(self) -> list[ProductTip]:
        """Every product tip from YAML."""
        return list(self.products)

    @hookspecs.hookimpl
    def register_model_words(self, locale: str) -> dict[str, dict[str, list[str]]]:
        """Words from YAML, the locale's own list where one is given."""
        out: dict[str, dict[str, list[str]]] = {}
        for slot_type, values in self.words.items():
            for value, contributions in values.items():
                phrases = out.setdefault(slot_type, {}).setdefault(value, [])
                for item in contributions:
                    if isinstance(item, dict):
                        item = item.get(locale) or item.get("en") or item.get("en-US") or []
                    phrases += [p for p in item if p not in phrases]
        return out


@dataclass
class PackRecord:
    """A pack as found: where it came from and what it offers."""

    name: str
    plugin: Any = None
    dist: Any = None  # the importlib.metadata Distribution; its metadata is read on demand
    info: PackInfo | None = None
    routines: list[str] = field(default_factory=list)
    hooks: list[str] = field(default_factory=list)
    ok: bool = True

    @property
    def distribution(self) -> str:
        """The name of the distribution that installed the pack."""
        return self.dist.name if self.dist else ""

    @property
    def version(self) -> str:
        """The installed distribution's version."""
        return self.dist.version if self.dist else ""


class Workers:
    """Daemon threads that run packs' hooks, started as needed up to ``size``.

    Not a ``ThreadPoolExecutor``: its threads are joined when the interpreter exits, so a
    hook that hangs would hold up a worker's shutdown as well as the turn.
    """

    def __init__(self, size: int) -> None:
        self.size, self.threads, self.idle = size, 0, 0
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.lock = threading.Lock()

    def submit(self, function: Callable, **kwargs: Any) -> Future:
        """Run ``function(**kwargs)`` in a worker thread, with the caller's context vars."""
        future: Future = Future()
        self.jobs.put((future, contextvars.copy_context(), function, kwargs))
        with self.lock:
            if self.idle == 0 and self.threads < self.size:
                self.threads += 1
                threading.Thread(target=self._work, name=f"pack-hook-{self.threads}",
                                 daemon=True).start()
        return future

    def _work(self) -> None:
        while True:
            with self.lock:
                self.idle += 1
            future, context, function, kwargs = self.jobs.get()
            with self.lock:
                self.idle -= 1
            try:
                future.set_result(context.run(function, **kwargs))
            except BaseException as error:  # noqa: BLE001 - handed to the caller
                future.set_exception(error)


@dataclass
class Failure:
    """How often one pack's hook has failed in one way while serving."""

    pack: str
    hook: str
    error: str  # the kind: "raised KeyError", "ran past its deadline", ...
    reason: str  # the latest message in full
    count: int = 0
    first: float = field(default_factory=time.time)
    last: float = 0.0
    logged: float = 0.0  # time.monotonic() of the last log line about it
    unlogged: int = 0  # failures since that line


@dataclass
class Packs:
    """The loaded packs: the catalog they built, and what went wrong.

    ``problems`` holds what went wrong while loading (bounded by the packs and their
    files); ``failures`` counts what went wrong while serving.
    """

    manager: pluggy.PluginManager
    catalog: Catalog
    records: dict[str, PackRecord]
    problems: list[Problem]
    deadline: float = HOOK_DEADLINE
    loaded: bool = False  # set once loading is over: failures are counted from then on
    failures: dict[tuple[str, str, str], Failure] = field(default_factory=dict)
    _overdue: dict[str, int] = field(default_factory=dict)  # pack -> calls still running
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: Workers = field(default_factory=lambda: Workers(HOOK_THREADS))

    def call(self, hook: str, **kwargs) -> list[tuple[str, Any]]:
        """Call ``hook`` on each pack, each in a worker thread with a deadline (the packs
        at once); a pack that raises or overruns is reported and left out."""
        started = time.monotonic()
        deadline = started + (self.deadline if self.loaded else LOAD_DEADLINE)
        calls: list[tuple[str, Future]] = []
        for impl in getattr(self.manager.hook, hook).get_hookimpls():
            args = {name: kwargs[name] for name in impl.argnames}
            if self._overdue.get(impl.plugin_name):
                self.failed(impl.plugin_name, hook, "still running a call that overran",
                            "left out: a call that ran past its deadline has not returned")
                continue
            calls.append((impl.plugin_name, self._start(impl.plugin, impl.function, args)))
        wait_for([future for _, future in calls], timeout=max(0.0, deadline - started))
        results = []
        for pack, future in calls:
            if not future.done():
                self._overran(pack, future)
                self.failed(pack, hook, "ran past its deadline",
                            f"took longer than {deadline - started:.1f} s; left out this time")
                continue
            error = future.exception()
            if error is None:
                results.append((pack, future.result()))
            else:  # a pack's error costs its contribution
                self.failed(pack, hook, f"raised {type(error).__name__}",
                            f"raised {type(error).__name__}: {error}")
        return results

    def _start(self, plugin: Any, function: Callable, args: dict) -> Future:
        """``function(**args)``: the core's own YAML hooks right here, a pack's code in a
        worker thread."""
        if isinstance(plugin, ContentHooks):
            future: Future = Future()
            try:
                future.set_result(function(**args))
            except Exception as error:  # noqa: BLE001 - reported by the caller
                future.set_exception(error)
            return future
        return self._workers.submit(function, **args)

    def _overran(self, pack: str, future: Future) -> None:
        """Leave ``pack`` out of further calls until this one returns."""
        with self._lock:
            self._overdue[pack] = self._overdue.get(pack, 0) + 1

        def returned(_: Future) -> None:
            with self._lock:
                self._overdue[pack] -= 1

        future.add_done_callback(returned)

    def report(self, pack: str, hook: str, reason: str) -> None:
        """Record and log a pack's failure while loading."""
        problem = Problem(pack, 0, 0, hook, reason, pack)
        self.problems.append(problem)
        log.warning("pack %s, hook %s: %s", pack, hook, reason)

    def failed(self, pack: str, hook: str, error: str, reason: str) -> None:
        """Count a pack's failure while serving (a problem, while loading); log the first
        of each kind, then at most once every ``LOG_EVERY`` seconds with the count."""
        if not self.loaded:
            self.report(pack, hook, reason)
            return
        now = time.monotonic()
        with self._lock:
            key = (pack, hook, error)
            if key not in self.failures and len(self.failures) >= MAX_FAILURE_KINDS:
                key = (pack, hook, "other")
            failure = self.failures.get(key)
            if failure is None:
                failure = self.failures[key] = Failure(*key, reason)
            failure.count += 1
            failure.last, failure.reason = time.time(), reason
            failure.unlogged += 1
            if failure.logged and now - failure.logged < LOG_EVERY:
                return
            failure.logged, repeats, failure.unlogged = now, failure.unlogged - 1, 0
        if repeats:
            log.warning("pack %s, hook %s: %s (and %d more times in the last %.0f s; %d in "
                        "all)", pack, hook, reason, repeats, LOG_EVERY, failure.count)
        else:
            log.warning("pack %s, hook %s: %s", pack, hook, reason)

    def advice(self, profile: Profile, locale: str = "en-US") -> list[Advice]:
        """Every pack's advice for ``profile``; malformed answers are reported and dropped."""
        found = []
        for pack, answer in self.call("register_advice", profile=profile, locale=locale):
            items = _list_of(answer, Advice)
            if items is None:
                self.failed(pack, "register_advice", "bad answer",
                            "did not return a list of Advice")
                continue
            found += [a if a.source else Advice(a.say, a.routine, a.product, a.priority,
                                                a.needs, pack) for a in items
                      if a.routine is None or a.routine in self.catalog.routines]
        return found

    def model_words(self, locale: str) -> dict[str, dict[str, list[str]]]:
        """Interaction-model words from every pack, merged."""
        merged: dict[str, dict[str, list[str]]] = {}
        for pack, answer in self.call("register_model_words", locale=locale):
            if not isinstance(answer, dict):
                self.failed(pack, "register_model_words", "bad answer",
                            "did not return a mapping")
                continue
            for slot_type, values in answer.items():
                for value, phrases in (values or {}).items():
                    target = merged.setdefault(slot_type, {}).setdefault(value, [])
                    target += [p for p in phrases if p not in target]
        return merged

    def notify(self, event: RoutineEvent) -> None:
        """Tell observing packs about a routine event."""
        self.call("routine_event", event=event)


def _list_of(answer: Any, kind: type) -> list | None:
    if answer is None:
        return []
    if isinstance(answer, list | tuple) and all(isinstance(a, kind) for a in answer):
        return list(answer)
    return None


def installed_packs() -> Packs:
    """The packs the skill would load, honouring ``HAMSTRING_LOAD_PACKS``/``DISABLE_PACKS``."""
    settings = config.load()
    return load_packs(settings["LOAD_PACKS"], settings["DISABLE_PACKS"])


def discover(load: list[str] | None, disable: Iterable[str]) -> tuple[list, list[Problem]]:
    """The entry points to load, filtered by ``LOAD_PACKS`` and ``DISABLE_PACKS``."""
    found = sorted(entry_points(group=GROUP), key=lambda ep: ep.name)
    wanted = None if load is None else set(load)
    chosen = [ep for ep in found
              if (wanted is None or ep.name in wanted) and ep.name not in disable]
    names = {ep.name for ep in found}
    problems = [Problem(name, 0, 0, "", "no installed pack has this name", name)
                for name in (load or ()) if name not in names]
    return chosen, problems


def load_packs(load: list[str] | None = None, disable: Iterable[str] = (),
               extra: dict[str, Any] | None = None,
               deadline: float = HOOK_DEADLINE) -> Packs:
    """Find, register and validate packs, and build the catalog.

    ``load`` names the packs to load (``None``: all installed); ``disable`` skips
    some; ``extra`` registers plugin objects directly (tests and embedding);
    ``deadline``: seconds a pack's hook may take once loaded.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    content_hooks = ContentHooks()
    packs = Packs(manager, Catalog(), {}, [], deadline)
    entries, packs.problems = discover(load, set(disable))
    candidates: list[tuple[str, Any, Any]] = []
    for ep in entries:
        try:
            candidates.append((ep.name, ep.load(), ep.dist))
        except Exception as error:  # noqa: BLE001 - a broken pack is skipped
            packs.records[ep.name] = PackRecord(ep.name, dist=ep.dist, ok=False)
            packs.report(ep.name, "import", f"failed to import: {type(error).__name__}: {error}")
    candidates += [(name, plugin, None) for name, plugin in (extra or {}).items()]
    for name, plugin, dist in candidates:
        record = PackRecord(name, plugin, dist)
        packs.records[name] = record
        try:
            manager.register(plugin, name=name)
        except Exception as error:  # noqa: BLE001 - bad hook signatures and the like
            record.ok = False
            packs.report(name, "register", str(error))
            continue
    for hook in HOOKS:
        for impl in getattr(manager.hook, hook).get_hookimpls():
            packs.records[impl.plugin_name].hooks.append(hook)
    for name, answer in packs.call("register_content"):
        _add_content(packs, content_hooks, name, answer)
    manager.register(content_hooks, name="content")
    for name, answer in packs.call("register_product_tips"):
        for tip in _list_of(answer, ProductTip) or []:
            packs.catalog.add_product(tip)
        if _list_of(answer, ProductTip) is None:
            packs.report(name, "register_product_tips", "did not return a list of ProductTip")
    _check_references(packs, content_hooks)
    packs.catalog.words = read_words(packs)
    packs.loaded = True
    return packs


def read_words(packs: Packs) -> dict[str, dict[str, list[str]]]:
    """Every locale's words of every pack together: what the conversation reads in a phrase
    (a British "trainers" heard by the en-US skill still means running shoes)."""
    merged: dict[str, dict[str, list[str]]] = {}
    for locale in LOCALES:
        for kind, values in packs.model_words(locale).items():
            for value, phrases in values.items():
                target = merged.setdefault(kind, {}).setdefault(value, [])
                target += [p for p in phrases if p not in target]
    return merged


def _add_content(packs: Packs, content_hooks: ContentHooks, name: str, answer: Any) -> None:
    record = packs.records[name]
    if not isinstance(answer, list | tuple) or not all(
            isinstance(p, str | Path) for p in answer):
        record.ok = False
        packs.report(name, "register_content", "did not return a list of file paths")
        return
    content = load_pack([Path(p) for p in answer], name)
    if content.problems:
        record.ok = False
        packs.problems += content.problems
        for problem in content.problems:
            log.warning("pack %s: %s", name, problem)
        return
    record.info = content.info
    catalog = packs.catalog
    for routine in content.routines:
        clash = catalog.add_routine(routine)
        if clash:
            packs.report(name, "register_content", clash)
        else:
            record.routines.append(routine.id)
    for topic in content.topics:
        clash = catalog.add_topic(topic)
        if clash:
            packs.report(name, "register_content", clash)
    catalog.packs[name] = content.info
    content_hooks.add(content)


def _check_references(packs: Packs, content_hooks: ContentHooks) -> None:
    """Advice or a topic that names a routine or product nobody ships is reported."""
    for topic in packs.catalog.topics.values():
        for kind, wanted, known in (("routine", topic.routine, packs.catalog.routines),
                                    ("product", topic.product, packs.catalog.products)):
            if wanted and wanted not in known:
                packs.report(topic.pack, "register_content",
                             f"topic {topic.id!r} offers unknown {kind} {wanted!r}")
    for rule in content_hooks.rules:
        if rule.routine and rule.routine not in packs.catalog.routines:
            packs.report(rule.pack, "register_advice",
                         f"advice {rule.id!r} recommends unknown routine {rule.routine!r}")
        if rule.product and rule.product not in packs.catalog.products:
            packs.report(rule.pack, "register_advice",
                         f"advice {rule.id!r} mentions unknown product {rule.product!r}")
