"""What importing a part of the skill loads: the core needs the standard library alone.

Each check runs in a fresh interpreter, since this one has imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ["skill.engine", "skill.speech", "skill.ssml", "skill.turn", "skill.conversation",
        "skill.advice", "skill.safety", "skill.triage", "skill.catalog", "skill.saved"]
HEAVY = ("flask", "werkzeug", "ask_sdk_core", "ask_sdk_model", "ask_sdk_runtime", "pluggy",
         "cryptography")


def loaded_after(*modules: str) -> set[str]:
    """Top-level packages in ``sys.modules`` after importing ``modules`` afresh."""
    code = (f"import importlib, json, sys\nfor name in {list(modules)!r}:\n"
            "    importlib.import_module(name)\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=True)
    return set(json.loads(result.stdout))


def test_the_core_loads_no_web_sdk_plugin_or_crypto_stack():
    heavy = loaded_after(*CORE) & set(HEAVY)
    assert not heavy, f"importing the core loaded {sorted(heavy)}"


@pytest.mark.parametrize("module", CORE)
def test_each_core_module_alone_loads_only_the_standard_library_and_the_core(module):
    loaded = loaded_after(module)
    outside = {name for name in loaded - set(sys.stdlib_module_names) - {"skill"}
               if not name.startswith("_")}  # interpreter internals like _distutils_hack
    assert not outside, f"importing {module} loaded {sorted(outside)}"


def test_the_package_loads_its_entry_points_on_first_use():
    assert not loaded_after("skill") & set(HEAVY)
    import skill
    from skill.app import create_app

    assert skill.create_app is create_app
    with pytest.raises(AttributeError):
        skill.no_such_name  # noqa: B018


def test_lambda_never_loads_flask():
    loaded = loaded_after("skill.aws_lambda")
    assert "flask" not in loaded and "werkzeug" not in loaded
