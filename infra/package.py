"""Copy the interaction models into the ASK CLI skill package.

    .venv/bin/python infra/package.py [--models interaction_models] [--package infra/skill-package]

Each ``<locale>.json`` in the models folder goes to
``<package>/interactionModels/custom/<locale>.json``, after checking it is JSON with an
invocation name. Exits non-zero if a locale of the manifest (``<package>/skill.json``) has
no model, since ``ask deploy`` would then fail.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def copy_models(models: Path, package: Path) -> list[str]:
    """Copy every ``<locale>.json`` model into the package; return the locales copied."""
    target = package / "interactionModels" / "custom"
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for source in sorted(models.glob("*.json")):
        model = json.loads(source.read_text(encoding="utf-8"))
        if not model["interactionModel"]["languageModel"].get("invocationName"):
            raise ValueError(f"{source}: the model has no invocation name")
        shutil.copyfile(source, target / source.name)
        copied.append(source.stem)
    return copied


def manifest_locales(package: Path) -> list[str]:
    """The locales the manifest publishes the skill in."""
    manifest = json.loads((package / "skill.json").read_text(encoding="utf-8"))
    return sorted(manifest["manifest"]["publishingInformation"]["locales"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=ROOT / "interaction_models")
    parser.add_argument("--package", type=Path, default=ROOT / "infra" / "skill-package")
    args = parser.parse_args(argv)
    copied = copy_models(args.models, args.package)
    print(f"copied {len(copied)} interaction models: {', '.join(copied) or 'none'}")
    missing = sorted(set(manifest_locales(args.package)) - set(copied))
    if missing:
        print(f"no interaction model for {', '.join(missing)} in {args.models}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
