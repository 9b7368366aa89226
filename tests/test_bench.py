"""The benchmarks keep starting: each script imports the way ``python bench/NAME.py`` runs it,
and the baselines do the work they stand for.

Their numbers are printed by ``bench/`` and never asserted here.
"""

from __future__ import annotations

import json
import sqlite3
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


@pytest.fixture
def bench_modules(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    return __import__("baselines"), __import__("turn")


def test_the_baselines_do_our_turn_and_refuse_a_forged_one(bench_modules, tmp_path,
                                                           monkeypatch):
    # What the turn benchmark compares must be the same work: each baseline answers our
    # signed mid-routine "next", saves the new position, and refuses a bad signature.
    baselines, turn = bench_modules
    from servers import Signing

    signing = Signing(tmp_path)
    speech, reprompt = "<speak>Step 3 of 6. Hold it.</speak>", "<speak>Say next.</speak>"
    for name, value in {**signing.env(tmp_path / "b.db"), "BENCH_SPEECH": speech,
                        "BENCH_REPROMPT": reprompt, "BENCH_BODY_BYTES": "900"}.items():
        monkeypatch.setenv(name, value)
    body = json.dumps(turn.next_turn("amzn1.ask.account.bench", 2)).encode()
    headers = signing.chain.sign(body)
    forged = {**headers, "Signature-256": signing.chain.sign(body + b" ")["Signature-256"]}
    standard, floor = baselines.standard_app(), baselines.floor_app()

    answer = standard.test_client().post("/alexa", data=body, headers=headers)
    assert answer.status_code == 200, answer.text
    data = answer.get_json()
    assert data["response"]["outputSpeech"]["ssml"] == speech
    assert data["response"]["reprompt"]["outputSpeech"]["ssml"] == reprompt
    assert data["sessionAttributes"]["player"]["position"] == 3
    saved = sqlite3.connect(tmp_path / "b.db").execute("SELECT attributes FROM skill").fetchall()
    assert json.loads(saved[0][0])["player"]["position"] == 3
    assert standard.test_client().post("/alexa", data=body, headers=forged).status_code == 400

    answer = floor.test_client().post("/alexa", data=body, headers=headers)
    assert answer.status_code == 200 and len(answer.data) == 900
    saved = sqlite3.connect(tmp_path / "b.db").execute("SELECT * FROM position").fetchall()
    assert saved == [("amzn1.ask.account.bench", 3)]
    assert floor.test_client().post("/alexa", data=body, headers=forged).status_code == 400


def test_pack_scale_runs_as_its_script_does_with_a_few_packs():
    done = subprocess.run([sys.executable, str(BENCH / "pack_scale.py"), "--packs", "3"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "loading / plain parse" in done.stdout
