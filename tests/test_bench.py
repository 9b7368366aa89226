"""The benchmarks keep starting: each script imports the way ``python bench/NAME.py`` runs it.

Their numbers are printed by ``bench/`` and never asserted here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(path.stem for path in BENCH.glob("*.py")
                 if 'if __name__ == "__main__":' in path.read_text())


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_benchmark_imports_as_its_script_does(name, tmp_path):
    # A script run from anywhere has its own folder first on sys.path, not the repository.
    code = f"import sys; sys.path[0] = {str(BENCH)!r}; import {name}"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
