"""Settings: from ``create_app(config)`` or from ``HAMSTRING_*`` environment variables."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "SKILL_ID": None,
    "DATABASE_URL": "sqlite:///hamstring.db",
    "VERIFY_REQUESTS": True,
    "TRUSTED_ROOTS": None,
    "LOAD_PACKS": None,
    "DISABLE_PACKS": None,
    "REQUEST_LOG": "app",
    "HOOK_DEADLINE": 0.5,
}
REQUEST_LOG_MODES = ("app", "server")
PREFIX = "HAMSTRING_"
FALSE_WORDS = {"0", "false", "no", "off", ""}


def as_bool(value: Any) -> bool:
    """``'0'``, ``'false'``, ``'no'``, ``'off'`` and empty are false; other strings true."""
    if isinstance(value, str):
        return value.strip().lower() not in FALSE_WORDS
    return bool(value)


def as_names(value: Any) -> list[str] | None:
    """A comma-separated list (or a list) of names; ``None`` when unset."""
    if value is None:
        return None
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    return list(value)


def load(config: Mapping[str, Any] | None = None,
         environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Defaults, overridden by the environment, overridden by ``config``."""
    environ = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    for key in DEFAULTS:
        if PREFIX + key in environ:
            settings[key] = environ[PREFIX + key]
    settings.update(config or {})
    settings["SKILL_ID"] = settings["SKILL_ID"] or None
    settings["VERIFY_REQUESTS"] = as_bool(settings["VERIFY_REQUESTS"])
    settings["LOAD_PACKS"] = as_names(settings["LOAD_PACKS"])
    settings["DISABLE_PACKS"] = as_names(settings["DISABLE_PACKS"]) or []
    try:
        settings["HOOK_DEADLINE"] = float(settings["HOOK_DEADLINE"])
    except (TypeError, ValueError):
        settings["HOOK_DEADLINE"] = -1.0
    if not 0 < settings["HOOK_DEADLINE"] <= 8:
        raise ValueError("HOOK_DEADLINE must be a number of seconds above 0 and at most 8")
    settings["REQUEST_LOG"] = str(settings["REQUEST_LOG"]).strip().lower()
    if settings["REQUEST_LOG"] not in REQUEST_LOG_MODES:
        raise ValueError(f"REQUEST_LOG must be one of {', '.join(REQUEST_LOG_MODES)}, "
                         f"not {settings['REQUEST_LOG']!r}")
    return settings
