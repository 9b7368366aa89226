"""One contract for every store: SQLite, PostgreSQL (this machine's server), DynamoDB (dynalite).

Each test gets a fresh store of its own: a new SQLite file, a new schema in a PostgreSQL
database made for this run (dropped at the end), a new table in a dynalite started for this
run. Outages are real: a path that cannot be opened, a database that refuses connections and
has its sessions terminated, a dynalite that is stopped and started again.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import Context, RequestEnvelope
from ask_sdk_model.interfaces.system import SystemState
from ask_sdk_model.user import User

from skill.store import open_store
from skill.stores import sqlite as sqlite_store
from tests.support.client import DemoPack, LiveServer, SkillClient, make_app
from tests.support.services import require

ADMIN_URL = os.environ.get("HAMSTRING_TEST_POSTGRES",
                           "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql", "dynamodb"]
ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- services


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (right now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_available() -> bool:
    """Whether the test PostgreSQL server accepts connections."""
    try:
        import psycopg

        with psycopg.connect(ADMIN_URL, connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - missing driver or server: either way, not available
        return False


def admin(statement: str) -> None:
    """Run one statement on the admin database, outside a transaction."""
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty database on the test server; its URL. Dropped afterwards."""
    require(postgres_available(), "PostgreSQL")
    name = f"hamstring_test_{uuid.uuid4().hex[:12]}"
    admin(f'CREATE DATABASE "{name}"')
    try:
        yield urlparse(ADMIN_URL)._replace(path=f"/{name}").geturl()
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_of(url: str) -> str:
    """The database name in a PostgreSQL URL."""
    return urlparse(url).path.lstrip("/")


def with_query(url: str, query: str) -> str:
    """``url`` with ``query`` appended to its query string."""
    return url + ("&" if "?" in url else "?") + query


class Dynalite:
    """A dynalite server on 127.0.0.1, started and stopped by the tests."""

    def __init__(self, path: Path | None = None) -> None:
        self.port = free_port()
        self.path = path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Dynalite:
        """Start it and wait for its "listening" line."""
        command = ["dynalite", "--host", "127.0.0.1", "--port", str(self.port),
                   "--createTableMs", "50", "--deleteTableMs", "50"]
        if self.path is not None:
            command += ["--path", str(self.path)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        line = self.process.stdout.readline()
        assert "listening" in line, f"dynalite did not start: {line!r}"
        return self

    def stop(self) -> None:
        """Stop it and wait until it has exited."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process.stdout.close()
            self.process = None


def aws_settings(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    """Point boto3 at a local endpoint with test credentials; never at AWS itself."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_REGION", "AWS_RETRY_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """One database for this run; each test takes a schema of its own in it."""
    with postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def dynalite() -> Iterator[Dynalite]:
    """One in-memory dynalite for this run; each test takes a table of its own."""
    require(shutil.which("dynalite") is not None, "dynalite")
    server = Dynalite().start()
    yield server
    server.stop()


# --------------------------------------------------------------------------- backends


def fresh_url(name: str, request: pytest.FixtureRequest, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> str:
    """The URL of a new, empty store of kind ``name`` for one test."""
    unique = uuid.uuid4().hex[:12]
    if name == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    if name == "postgresql":
        database = request.getfixturevalue("pg_database")
        import psycopg

        with psycopg.connect(database, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA s_{unique}")
        return with_query(database, f"options=-csearch_path%3Ds_{unique}")
    aws_settings(monkeypatch, request.getfixturevalue("dynalite").url)
    return f"dynamodb://t-{unique}?create=1"


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path, monkeypatch) -> str:
    """The URL of a fresh store, once per backend."""
    return fresh_url(request.param, request, tmp_path, monkeypatch)


@pytest.fixture
def store(backend):
    """A fresh store, closed afterwards."""
    opened = open_store(backend)
    yield opened
    opened.close()


def envelope(user: str = "amzn1.ask.account.A") -> RequestEnvelope:
    """The smallest request envelope a store needs: the user."""
    return RequestEnvelope(context=Context(system=SystemState(user=User(user_id=user))))


def read(store, user: str = "amzn1.ask.account.A") -> dict:
    return store.get_attributes(request_envelope=envelope(user))


def write(store, attributes: dict, user: str = "amzn1.ask.account.A") -> None:
    store.save_attributes(request_envelope=envelope(user), attributes=attributes)


def typed(value: Any) -> Any:
    """``value`` with each leaf paired with its type, so that ``1 == 1.0 == True`` can't hide."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return (type(value).__name__, value)


# --------------------------------------------------------------------------- the contract


def test_read_after_write(store):
    assert read(store) == {}
    record = {"player": {"routine": "demo-routine", "position": 3, "paused": False},
              "visits": 2}
    write(store, record)
    assert read(store) == record


def test_overwrite_replaces_the_whole_record(store):
    write(store, {"player": {"position": 1}, "visits": 1})
    write(store, {"visits": 2})
    assert read(store) == {"visits": 2}


def test_delete_forgets_the_user(store):
    write(store, {"visits": 1})
    store.delete_attributes(request_envelope=envelope())
    assert read(store) == {}
    store.delete_attributes(request_envelope=envelope())  # deleting nothing is fine
    write(store, {"visits": 5})
    assert read(store) == {"visits": 5}


def test_two_users_are_kept_apart(store):
    write(store, {"visits": 1}, user="amzn1.ask.account.A")
    write(store, {"visits": 2}, user="amzn1.ask.account.B")
    store.delete_attributes(request_envelope=envelope("amzn1.ask.account.A"))
    assert read(store, "amzn1.ask.account.A") == {}
    assert read(store, "amzn1.ask.account.B") == {"visits": 2}


def test_large_attributes(store):
    history = [{"routine": f"routine-{index}", "finished": "2026-11-28T18:00:00+00:00",
                "note": "x" * 60} for index in range(2000)]
    record = {"history": history, "prefs": {"continuous": True}}
    assert len(repr(record)) > 200_000
    write(store, record)
    assert read(store) == record


def test_numbers_floats_and_bools_round_trip_exactly(store):
    record = {
        "ints": [0, 1, -7, 2**53 + 1, 12345678901234567890],
        "floats": [0.1, 0.1 + 0.2, -2.5, 1e-7, 3.141592653589793, 1.5e-100, 0.0001],
        "bools": [True, False], "none": None, "empty": "", "text": "Ünïcode ✓ & <tags>",
        "nested": {"a": {"b": [{"c": 1.25, "d": True, "e": [1, [2, [3.5]]]}]}, "f": {}},
    }
    write(store, record)
    assert typed(read(store)) == typed(record)


def test_an_integral_float_reads_back_equal(store):
    """JSONB and DynamoDB keep decimals, not floats: a whole-number float may come back as
    an equal ``int``."""
    record = {"seconds": 30.0, "round": 1e15, "nested": [2.0, {"x": -4.0}]}
    write(store, record)
    assert read(store) == record


def together(*work: Callable[[], object]) -> None:
    """Run each of ``work`` in a thread of its own, all starting at once; raise the first
    failure any of them had."""
    start, failures = threading.Barrier(len(work)), []

    def run(job: Callable[[], object]) -> None:
        try:
            start.wait()
            job()
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures, failures


def test_concurrent_writes_for_one_user_last_write_wins(store):
    """Never a corrupt record: afterwards it is the last write of one of the writers."""
    writers, rounds = 6, 8
    records = {(writer, turn): {"writer": writer, "turn": turn, "position": turn,
                                "history": [{"step": step, "by": writer, "pad": "y" * 200}
                                            for step in range(20)]}
               for writer in range(writers) for turn in range(rounds)}
    written = [typed(record) for record in records.values()]
    seen: list[dict] = []

    def writer(number: int) -> None:
        for turn in range(rounds):
            write(store, records[number, turn])

    def reader() -> None:
        for _ in range(rounds * 2):
            seen.append(read(store))

    together(*(functools.partial(writer, number) for number in range(writers)), reader, reader)
    assert all(record == {} or typed(record) in written for record in seen)
    assert typed(read(store)) in [typed(records[writer, rounds - 1]) for writer in range(writers)]


def update(store, changes: dict, removed=(), user: str = "amzn1.ask.account.A") -> None:
    store.update_attributes(envelope(user), changes, removed)


def test_update_of_a_new_user_makes_the_record(store):
    update(store, {"player": {"position": 1}}, removed=["history"])
    assert read(store) == {"player": {"position": 1}}
    update(store, {}, removed=["anything"], user="amzn1.ask.account.B")  # nothing to write
    assert read(store, "amzn1.ask.account.B") == {}


def test_update_sets_and_removes_named_keys_and_keeps_the_rest(store):
    write(store, {"player": {"position": 1, "paused": True}, "history": [1, 2], "visits": 4,
                  "prefs": {"continuous": True}})
    update(store, {"player": {"position": 2}, "visits": 5}, removed=["history", "missing"])
    assert read(store) == {"player": {"position": 2}, "visits": 5,  # replaced, not merged
                           "prefs": {"continuous": True}}


def test_update_round_trips_values_exactly(store):
    write(store, {"kept": True})
    values = {"floats": [0.1 + 0.2, 1.5e-100, -2.5], "big": 2**53 + 1, "none": None,
              "text": "Ünïcode ✓ & <tags> \"quoted\"", "nested": {"a": [{"b": 1.25}]},
              "odd key.with $ signs": 1}
    update(store, values)
    assert typed(read(store)) == typed({"kept": True, **values})


def test_concurrent_updates_of_different_keys_are_all_kept(store):
    """Two sessions of one user changing different things: neither change is lost."""
    writers, rounds = 6, 6
    write(store, {"visits": 1})

    def writer(number: int) -> None:
        for turn in range(rounds):
            update(store, {f"key{number}": turn, "shared": number})

    together(*(functools.partial(writer, number) for number in range(writers)))
    record = read(store)
    assert {key: record[key] for key in record if key.startswith("key")} == {
        f"key{number}": rounds - 1 for number in range(writers)}
    assert record["visits"] == 1 and record["shared"] in range(writers)


def test_ping_answers_on_a_live_store(store):
    store.ping()


def append(store, items: list, keep: int, user: str = "amzn1.ask.account.A",
           changes: dict | None = None, removed=()) -> None:
    store.update_attributes(envelope(user), changes or {}, removed, {"history": (items, keep)})


def test_append_adds_to_the_list_and_keeps_its_last_items(store):
    write(store, {"history": [1, 2], "visits": 3})
    append(store, [3, 4], keep=3, changes={"player": {"position": 1}}, removed=["visits"])
    assert read(store) == {"history": [2, 3, 4], "player": {"position": 1}}
    entry = {"routine": "r", "ok": True, "share": 0.1, "none": None, "n": [1, "two"]}
    append(store, [entry], keep=20, user="amzn1.ask.account.B")  # a user with no record
    assert typed(read(store, "amzn1.ask.account.B")) == typed({"history": [entry]})
    write(store, {"history": "not a list"}, user="amzn1.ask.account.C")
    append(store, [5], keep=20, user="amzn1.ask.account.C")
    assert read(store, "amzn1.ask.account.C") == {"history": [5]}


def test_concurrent_appends_for_one_user_are_all_kept(store):
    """Two sessions of one user finishing a routine at the same moment: both are in the
    history (a read, an append and a write of the whole key lost one in many trials)."""
    writers, rounds = 6, 5
    write(store, {"visits": 1})

    def writer(number: int) -> None:
        for turn in range(rounds):
            append(store, [{"by": number, "turn": turn}], keep=100,
                   changes={"player": {"by": number}}, removed=["offer"])

    together(*(functools.partial(writer, number) for number in range(writers)))
    record = read(store)
    assert sorted((item["by"], item["turn"]) for item in record["history"]) == [
        (number, turn) for number in range(writers) for turn in range(rounds)]
    assert record["visits"] == 1 and record["player"]["by"] in range(writers)


def test_concurrent_appends_past_what_is_kept_leave_exactly_that_many(store):
    writers, rounds, keep = 5, 4, 6
    write(store, {"history": [{"by": -1, "turn": turn} for turn in range(keep)]})

    def writer(number: int) -> None:
        for turn in range(rounds):
            append(store, [{"by": number, "turn": turn}], keep=keep)

    together(*(functools.partial(writer, number) for number in range(writers)))
    history = read(store)["history"]
    assert len(history) == keep
    assert all(item["by"] >= 0 for item in history)  # the oldest went first
    for number in range(writers):  # each writer's own items stay in their order
        turns = [item["turn"] for item in history if item["by"] == number]
        assert turns == sorted(turns)


# --------------------------------------------------------------------------- outages


@dataclass
class Outage:
    """A store URL and how to take its server away and bring it back, for real."""

    url: str
    down: Callable[[], None]
    up: Callable[[], None]


@contextmanager
def outage(name: str, request, tmp_path: Path, monkeypatch) -> Iterator[Outage]:
    """A working store of kind ``name`` whose server the test can stop and start."""
    if name == "sqlite":
        folder, aside = tmp_path / "data", tmp_path / "data-aside"

        def sqlite_down() -> None:  # the folder is moved away; a file takes its place
            folder.rename(aside)
            folder.write_text("not a folder")

        def sqlite_up() -> None:
            folder.unlink()
            aside.rename(folder)

        yield Outage(f"sqlite:///{folder / 'store.db'}", sqlite_down, sqlite_up)
    elif name == "postgresql":
        with postgres_database() as url:
            database = database_of(url)

            def postgres_down() -> None:  # refuse new sessions, end the open ones
                admin(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS false')
                admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      f"WHERE datname = '{database}'")

            def postgres_up() -> None:
                admin(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS true')

            yield Outage(with_query(url, "pool_timeout=1"), postgres_down, postgres_up)
    else:
        require(shutil.which("dynalite") is not None, "dynalite")
        server = Dynalite(path=tmp_path / "dynalite").start()  # on disk: survives a restart
        aws_settings(monkeypatch, server.url)
        try:
            yield Outage(f"dynamodb://t-{uuid.uuid4().hex[:12]}?create=1", server.stop,
                         server.start)
        finally:
            server.stop()


def unreachable_url(name: str, tmp_path: Path, monkeypatch) -> str:
    """A store URL of kind ``name`` whose server is not there."""
    if name == "sqlite":
        (tmp_path / "taken").write_text("a file where the database's folder should be")
        return f"sqlite:///{tmp_path / 'taken' / 'store.db'}"
    if name == "postgresql":
        return f"postgresql://postgres@127.0.0.1:{free_port()}/hamstring?pool_timeout=0.2"
    aws_settings(monkeypatch, f"http://127.0.0.1:{free_port()}")
    return "dynamodb://hamstring?create=1"


def demo_app(tmp_path: Path, chain, url: str):
    """The demo-pack app on the store at ``url``."""
    return make_app(tmp_path, chain, load="", plugins={"demo": DemoPack()}, database_url=url)


@pytest.mark.parametrize("name", BACKENDS)
def test_a_store_that_is_down_costs_the_position_not_the_answer(name, tmp_path, chain,
                                                                 monkeypatch, caplog):
    app = demo_app(tmp_path, chain, unreachable_url(name, tmp_path, monkeypatch))
    store = app.extensions["hamstring"]["store"]
    try:
        with LiveServer(app) as live, caplog.at_level(logging.ERROR):
            client = SkillClient(live.url, chain)
            assert "Welcome to Hamstring Coach" in client.launch().text
            assert "the demo routine" in client.say("StartRoutineIntent",
                                                    routine="demo routine").text
            assert "Lying stretch" in client.say("AMAZON.NextIntent").text
            assert "Now the right side." in client.say("AMAZON.NextIntent").text
        assert "could not read saved attributes" in caplog.text
        assert "could not save attributes" in caplog.text
        assert "PersistenceException" in caplog.text
        with pytest.raises(PersistenceException):
            store.ping()
    finally:
        store.close()


@pytest.mark.parametrize("name", BACKENDS)
def test_when_the_store_is_back_saving_resumes(name, request, tmp_path, chain, monkeypatch,
                                               caplog):
    with outage(name, request, tmp_path, monkeypatch) as service:
        app = demo_app(tmp_path, chain, service.url)
        store = app.extensions["hamstring"]["store"]
        try:
            with LiveServer(app) as live:
                client = SkillClient(live.url, chain)
                client.say("StartRoutineIntent", routine="demo routine")
                client.say("AMAZON.NextIntent")  # in position: the left side
                assert read(store, client.user_id)["player"]["position"] == 0
                service.down()
                with caplog.at_level(logging.ERROR):
                    assert "Now the right side." in client.say("AMAZON.NextIntent").text
                assert "could not save attributes" in caplog.text
                with pytest.raises(PersistenceException):
                    store.ping()
                service.up()
                assert "Step 2 of 4: Bridges." in client.say("AMAZON.NextIntent").text
                store.ping()
                assert read(store, client.user_id)["player"]["position"] == 2
        finally:
            store.close()


@pytest.mark.parametrize("name", BACKENDS)
def test_two_sessions_finishing_at_the_same_moment_both_land_in_the_history(
        name, request, tmp_path, chain, monkeypatch):
    """The audit lost one of two routines finished at once in 15 of 100 trials on SQLite
    and 82 of 100 on PostgreSQL; here every trial keeps both."""
    app = demo_app(tmp_path, chain, fresh_url(name, request, tmp_path, monkeypatch))
    store = app.extensions["hamstring"]["store"]
    routine = app.extensions["hamstring"]["coach"].catalog.routines["demo-routine"]
    last = len(routine.segments()) - 1
    # dynalite takes about a second a turn here (every request thread makes its own boto3
    # resource): fewer trials
    trials = 4 if name == "dynamodb" else 10
    try:
        with LiveServer(app) as live:
            devices = [SkillClient(live.url, chain) for _ in range(2)]  # one user, two Echos
            answers: list = []
            for _ in range(trials):
                for number, device in enumerate(devices):
                    device.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}-{number}"
                    device.attributes = {"player": {"routine": "demo-routine",
                                                    "position": last}}
                together(*(functools.partial(lambda device: answers.append(
                    device.say("AMAZON.NextIntent")), device) for device in devices))
            assert len(answers) == 2 * trials
            assert all("That's the end of the demo routine" in a.text for a in answers)
        history = read(store, devices[0].user_id)["history"]
        assert len(history) == 2 * trials
    finally:
        store.close()


# --------------------------------------------------------------------------- SQLite


def test_sqlite_a_new_file_used_by_many_threads_at_once(tmp_path):
    """Switching a new file to WAL fails at once for the others while one connection does
    it; they must wait and go on, not lose the write."""
    def first_turn(store, number: int) -> None:
        write(store, {"writer": number})
        assert "writer" in read(store)

    for attempt in range(40):
        store = open_store(f"sqlite:///{tmp_path / f'new-{attempt}.db'}")
        try:
            together(*(functools.partial(first_turn, store, number) for number in range(8)))
        finally:
            store.close()


def test_sqlite_a_write_waits_for_another_process_lock(tmp_path, monkeypatch):
    """Another worker's write in progress: this one tries again (at short intervals, not
    SQLite's own 1, 2, 5, 10 ms...) until the lock is free, and gives up after PATIENCE."""
    path = tmp_path / "shared.db"
    store = open_store(f"sqlite:///{path}")
    try:
        write(store, {"before": 1})
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # holds the write lock, like a worker mid-turn
        release = threading.Timer(0.2, other.execute, ("COMMIT",))
        release.start()
        write(store, {"after": 2})  # waited for the commit
        release.join()
        assert read(store) == {"after": 2}
        other.execute("BEGIN IMMEDIATE")
        monkeypatch.setattr(sqlite_store, "PATIENCE", 0.1)
        with pytest.raises(PersistenceException, match="database is locked"):
            write(store, {"never": 3})
        other.execute("ROLLBACK")
        other.close()
        assert read(store) == {"after": 2}
    finally:
        store.close()


def test_sqlite_a_database_removed_while_in_use_is_noticed_not_written_into(tmp_path,
                                                                            caplog):
    """The audit: with the folder deleted, every write went on into the deleted file,
    nothing was logged, and the next start greeted every user as new."""
    folder = tmp_path / "data"
    store = open_store(f"sqlite:///{folder / 'store.db'}")
    try:
        write(store, {"visits": 1})
        shutil.rmtree(folder)
        with caplog.at_level(logging.ERROR), \
                pytest.raises(PersistenceException, match="removed or replaced"):
            update(store, {"visits": 2})
        assert "was removed or replaced while in use" in caplog.text
        for _ in range(3):  # no new, empty database in its place
            with pytest.raises(PersistenceException, match="unable to open"):
                update(store, {"visits": 3})
        with pytest.raises(PersistenceException):
            store.ping()
        assert not folder.exists()
    finally:
        store.close()


def test_sqlite_a_database_moved_away_and_back_is_used_again(tmp_path):
    folder, aside = tmp_path / "data", tmp_path / "aside"
    store = open_store(f"sqlite:///{folder / 'store.db'}")
    try:
        write(store, {"visits": 1})
        folder.rename(aside)
        with pytest.raises(PersistenceException, match="removed or replaced"):
            update(store, {"visits": 2})
        aside.rename(folder)
        update(store, {"visits": 3})
        assert read(store) == {"visits": 3}
        store.ping()
    finally:
        store.close()


def test_sqlite_a_database_removed_under_a_running_app_costs_saving_not_answers(tmp_path,
                                                                               caplog):
    """In one thread, as in a gunicorn worker: the turn is answered, the failure logged,
    and /readyz says why."""
    from skill import create_app
    from skill.testing import AppDevice

    folder = tmp_path / "data"
    app = create_app({"VERIFY_REQUESTS": False, "DATABASE_URL": f"sqlite:///{folder / 'a.db'}",
                      "LOAD_PACKS": "", "PLUGINS": {"demo": DemoPack()}})
    device = AppDevice(app)
    device.launch()
    device.say("StartRoutineIntent", routine="demo routine")
    device.say("AMAZON.NextIntent")  # the left side
    shutil.rmtree(folder)
    with caplog.at_level(logging.ERROR):
        answer = device.say("AMAZON.NextIntent")
    assert "Now the right side." in " ".join(answer.ssml.split()) and not answer.problems
    assert "was removed or replaced while in use" in caplog.text
    assert "could not save attributes" in caplog.text
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503 and "store unreachable" in ready.get_json()["reasons"][0]
    app.extensions["hamstring"]["store"].close()


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def pg_url(request, tmp_path, monkeypatch) -> str:
    return fresh_url("postgresql", request, tmp_path, monkeypatch)


def pg_rows(url: str, query: str) -> list[tuple]:
    """Rows of ``query`` on the database (and schema) of a store URL."""
    import psycopg

    from skill.stores.postgres import split_url

    with psycopg.connect(split_url(url)[0]) as connection:
        return connection.execute(query).fetchall()


def test_postgres_schema_is_versioned_and_made_once(pg_url):
    first, second = open_store(pg_url), open_store(pg_url)
    try:
        threads = [threading.Thread(target=store.ping) for store in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        write(first, {"visits": 1})
        assert read(second) == {"visits": 1}
    finally:
        first.close()
        second.close()
    assert pg_rows(pg_url, "SELECT version FROM hamstring_schema") == [(1,)]
    assert pg_rows(pg_url, "SELECT jsonb_typeof(attributes) FROM hamstring_attributes") == [
        ("object",)]


def test_postgres_pool_replaces_connections_the_server_ended(pg_url):
    store = open_store(pg_url)
    try:
        write(store, {"visits": 1})
        admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
              "WHERE application_name = 'hamstring-coach' "
              f"AND datname = '{database_of(pg_url)}'")
        assert read(store) == {"visits": 1}
        write(store, {"visits": 2})
        assert read(store) == {"visits": 2}
    finally:
        store.close()


def test_postgres_url_options_for_the_pool_are_not_sent_to_libpq():
    from skill.stores.postgres import split_url

    conninfo, options = split_url(
        "postgresql://u@h:5432/db?pool_max=3&sslmode=disable&pool_timeout=0.25&pool_min=0")
    assert conninfo == "postgresql://u@h:5432/db?sslmode=disable"
    assert options == {"min_size": 0, "max_size": 3, "timeout": 0.25}


# --------------------------------------------------------------------------- DynamoDB


def test_dynamodb_without_create_a_missing_table_is_a_persistence_error(
        dynalite, monkeypatch):
    aws_settings(monkeypatch, dynalite.url)
    store = open_store("dynamodb://no-such-table")
    try:
        with pytest.raises(PersistenceException):
            read(store)
        with pytest.raises(PersistenceException):
            store.ping()
    finally:
        store.close()


def test_dynamodb_keeps_numbers_as_decimals_and_the_store_turns_them_back(
        dynalite, monkeypatch):
    from decimal import Decimal

    aws_settings(monkeypatch, dynalite.url)
    store = open_store(f"dynamodb://t-{uuid.uuid4().hex[:12]}?create=1")
    try:
        write(store, {"ratio": 0.75, "count": 3})
        raw = store.resource.Table(store.table).get_item(Key={"id": "amzn1.ask.account.A"})
        assert raw["Item"]["attributes"] == {"ratio": Decimal("0.75"), "count": Decimal(3)}
        assert typed(read(store)) == typed({"ratio": 0.75, "count": 3})
    finally:
        store.close()


def test_dynamodb_gives_each_thread_its_own_boto3_resource(dynalite, monkeypatch):
    """boto3 resources must not be shared between threads (gunicorn may run several)."""
    aws_settings(monkeypatch, dynalite.url)
    store = open_store(f"dynamodb://t-{uuid.uuid4().hex[:12]}?create=1")
    used: list[Any] = []

    def turn(number: int) -> None:
        user = f"amzn1.ask.account.{number}"
        update(store, {"visits": number}, user=user)
        assert read(store, user) == {"visits": number}
        used.append(store._ready().dynamodb)

    try:
        turn(0)
        threads = [threading.Thread(target=turn, args=(n,)) for n in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert len(used) == 3 and len({id(resource) for resource in used}) == 3
    finally:
        store.close()


def run_python(code: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter (module imports and boto3 state start clean)."""
    keep = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env={**keep, "AWS_EC2_METADATA_DISABLED": "true",
                                         **environment}, timeout=60)


def test_dynamodb_on_a_local_endpoint_needs_no_region_or_credentials(dynalite):
    result = run_python(
        "from ask_sdk_model import Context, RequestEnvelope\n"
        "from ask_sdk_model.interfaces.system import SystemState\n"
        "from ask_sdk_model.user import User\n"
        "from skill.stores import open_store\n"
        "envelope = lambda: RequestEnvelope(context=Context(system=SystemState(\n"
        "    user=User(user_id='amzn1.ask.account.A'))))\n"
        "store = open_store('dynamodb://no-region?create=1')\n"
        "store.save_attributes(request_envelope=envelope(), attributes={'visits': 1})\n"
        "print(store.get_attributes(request_envelope=envelope()))\n",
        {"AWS_ENDPOINT_URL": dynalite.url, "AWS_CONFIG_FILE": os.devnull,
         "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{'visits': 1}"


def test_dynamodb_on_aws_without_a_region_says_what_to_set():
    result = run_python("from skill.store import open_store\nopen_store('dynamodb://skill')\n",
                        {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    assert result.returncode != 0
    assert "AWS_DEFAULT_REGION" in result.stderr.splitlines()[-1]


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize("url", ["mysql://localhost/db", "dynamodb://ab",
                                 "dynamodb://table/extra", "dynamodb://table?region=x"])
def test_urls_that_name_no_store_are_refused(url):
    with pytest.raises(ValueError):
        open_store(url)
