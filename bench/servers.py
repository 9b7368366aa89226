"""gunicorn servers for benchmarks, started from infra/gunicorn.conf.py on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app_cpu import Counter  # noqa: E402

from tests.support.alexa_ca import AlexaTestChain  # noqa: E402

BIN = Path(sys.executable).parent
CONFIG = ROOT / "infra" / "gunicorn.conf.py"
SKILL_ID = "amzn1.ask.skill.bench"
OUR_APP = "tests.support.gunicorn_app:create_app()"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Signing:
    """A generated Alexa-like certificate chain, and the files the app reads it from."""

    def __init__(self, folder: Path) -> None:
        self.chain = AlexaTestChain()
        self.roots = folder / "roots.pem"
        self.pem = folder / "chain.pem"
        self.roots.write_bytes(self.chain.roots_pem)
        self.pem.write_bytes(self.chain.chain_pem)

    def env(self, database: Path) -> dict[str, str]:
        """Settings for ``OUR_APP``: verification on with this chain, SQLite at ``database``."""
        return {"HAMSTRING_SKILL_ID": SKILL_ID, "HAMSTRING_TRUSTED_ROOTS": str(self.roots),
                "HAMSTRING_TEST_CHAIN": str(self.pem),
                "HAMSTRING_DATABASE_URL": f"sqlite:///{database}",
                "HAMSTRING_LOAD_PACKS": "stretching,strengthening,massage,recovery"}


@dataclass
class Server:
    """A running gunicorn; stop it with ``stop()`` (or use it as a context manager)."""

    process: subprocess.Popen
    port: int
    log: Path
    app_cpu: Counter | None = None  # set when started with ``timed=True``

    def workers(self) -> list[int]:
        """Process ids of the workers."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def cpu_seconds(self) -> float:
        """CPU time the master and its workers have used so far."""
        total = 0
        for pid in (self.process.pid, *self.workers()):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.log.unlink(missing_ok=True)
        if self.app_cpu is not None:
            shutil.rmtree(self.app_cpu.folder, ignore_errors=True)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(app: str, env: dict[str, str] | None = None, ready: str = "/healthz",
          timeout: float = 30, timed: bool = False) -> Server:
    """gunicorn serving ``app`` with the production settings; returns once ``ready`` answers.

    ``timed``: count the CPU time spent inside the app (``server.app_cpu``); ``app`` must
    then be a factory called without arguments.
    """
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")[1])
    env = {**os.environ, **(env or {}), "PORT": str(port)}
    counter = None
    if timed:
        counter = Counter(Path(tempfile.mkdtemp(prefix="bench-app-cpu-")))
        env.update(counter.env())
        app = f"bench.app_cpu:timed({app.removesuffix('()')!r})"
    with log.open("wb") as out:
        process = subprocess.Popen([str(BIN / "gunicorn"), "-c", str(CONFIG), app], cwd=ROOT,
                                   env=env, stdout=subprocess.DEVNULL, stderr=out)
    server = Server(process, port, log, counter)
    deadline = time.monotonic() + timeout
    while not answers(port, ready):
        if process.poll() is not None or time.monotonic() > deadline:
            output = log.read_text()[-2000:]
            server.stop()
            raise RuntimeError(f"{app} did not start:\n{output}")
        time.sleep(0.01)
    return server


def answers(port: int, path: str) -> bool:
    """True when ``GET path`` answers 200."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            return sock.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False
