#!/usr/bin/env python3
"""Set up and run Hamstring Coach with nothing but Python 3.11.

    python3 dev.py run    # a virtual environment, then the skill on 127.0.0.1:5000 (SQLite)
    python3 dev.py test   # a virtual environment, then ruff and the whole test suite

Extra arguments after ``test`` go to pytest; after ``run``, to ``hamstring serve``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"


def setup() -> None:
    """Create ``.venv`` and install the project with its dev tools when pyproject changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by an older python3
        sys.exit("Hamstring Coach needs Python 3.11 or newer")
    if not (BIN / "python").exists():
        print("creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def run(args: list[str]) -> int:
    """Serve the skill locally: SQLite, no Amazon account, request verification off."""
    env = {**os.environ, "HAMSTRING_VERIFY_REQUESTS": os.environ.get(
        "HAMSTRING_VERIFY_REQUESTS", "0")}
    env.setdefault("HAMSTRING_DATABASE_URL", "sqlite:///hamstring.db")
    print("Talk to it from another terminal with:\n"
          "  .venv/bin/hamstring simulate --url http://127.0.0.1:5000/alexa", flush=True)
    return subprocess.call([str(BIN / "hamstring"), "serve", *args], env=env, cwd=ROOT)


def test(args: list[str]) -> int:
    """Lint, then run every test."""
    lint = subprocess.call([str(BIN / "ruff"), "check", "."], cwd=ROOT)
    tests = subprocess.call([str(BIN / "python"), "-m", "pytest", *args], cwd=ROOT)
    return tests or lint


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("run", "test"):
        print(__doc__)
        return 2
    setup()
    return {"run": run, "test": test}[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
