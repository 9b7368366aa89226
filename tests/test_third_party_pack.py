"""A third-party pack, built from the ``packs new`` scaffold as its own distribution and
pip-installed into a fresh virtual environment with the project, works with no change to
the core: discovered, listed, validated, and played through POST /alexa over real HTTP."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request

from skill.testing import HttpDevice
from tests.support.third_party import free_port, run


def test_the_pack_is_discovered_and_listed(third_party_venv):
    bin_dir, _ = third_party_venv
    listing = json.loads(run(bin_dir / "hamstring", "packs", "list", "--json").stdout)
    by_name = {p["name"]: p for p in listing["packs"]}
    assert by_name["calf-care"]["distribution"] == "hamstring-pack-calf-care"
    assert by_name["calf-care"]["routines"] == ["calf-care-routine"]
    assert {"stretching", "massage", "strengthening", "recovery"} <= set(by_name)


def test_the_pack_validates(third_party_venv):
    bin_dir, pack = third_party_venv
    assert "ok" in run(bin_dir / "hamstring", "packs", "check").stdout
    assert "ok" in run(bin_dir / "hamstring", "packs", "check", pack).stdout


def test_the_scaffolds_own_test_passes(third_party_venv):
    bin_dir, pack = third_party_venv
    result = run(bin_dir / "pytest", "-q", "-p", "no:cacheprovider", pack, cwd=pack)
    assert "2 passed" in result.stdout


def test_the_routine_plays_through_post_alexa(third_party_venv, tmp_path):
    bin_dir, _ = third_party_venv
    port = free_port()
    env = {"PATH": str(bin_dir), "HAMSTRING_VERIFY_REQUESTS": "0",
           "HAMSTRING_DATABASE_URL": f"sqlite:///{tmp_path / 'skill.db'}"}
    server = subprocess.Popen([str(bin_dir / "hamstring"), "serve", "--port", str(port)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        device = HttpDevice(url + "/alexa")
        answer = device.say("StartRoutineIntent", routine="calf care routine")
        spoken = [answer]
        while not answer.ends:
            answer = device.say("AMAZON.NextIntent")
            spoken.append(answer)
    finally:
        server.terminate()
        server.wait(10)
    assert [a.problems for a in spoken] == [[] for _ in spoken]
    assert spoken[0].text.endswith("Say next when you're in position.")
    assert "Step 1 of 2: Lying hamstring stretch." in spoken[1].text
    assert "Eight reps." in " ".join(a.text for a in spoken)
    assert "end of the calf care routine" in spoken[-1].text
