"""A third-party pack as a user installs it: scaffolded by ``packs new``, built as its own
distribution and pip-installed with the project into a fresh virtual environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(*command: str | Path, **kwargs) -> subprocess.CompletedProcess:
    """Run a command as a user would: every installed pack loads (this test asks for them)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAMSTRING_")}
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True,
                            timeout=600, env=env, **kwargs)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def install(base: Path) -> tuple[Path, Path]:
    """A new virtual environment under ``base`` with the project and the scaffolded
    ``calf-care`` pack installed; its ``bin`` folder and the pack's source folder."""
    venv.EnvBuilder(with_pip=True).create(base / "venv")
    python = base / "venv" / "bin" / "python"
    run(sys.executable, "-m", "skill.cli", "packs", "new", "calf-care", "--dir", base)
    pack = base / "hamstring-pack-calf-care"
    pip = (python, "-m", "pip", "install", "-q", "--disable-pip-version-check")
    run(*pip, ROOT, "pytest")
    run(*pip, "-e", pack)
    return base / "venv" / "bin", pack
