"""Hamstring Coach: an Alexa skill that talks runners through hamstring care.

The three names below are loaded on first use (PEP 562), so that importing a module of the
core (``skill.engine``, ``skill.conversation``...) loads neither Flask, ask-sdk, pluggy nor
cryptography: a tool, a test or a Lambda container pays only for the stacks it uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skill.app import create_app
    from skill.aws_lambda import lambda_handler
    from skill.hookspecs import hookimpl

__all__ = ["create_app", "hookimpl", "lambda_handler"]
_HOMES = {"create_app": "skill.app", "hookimpl": "skill.hookspecs",
          "lambda_handler": "skill.aws_lambda"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'skill' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
