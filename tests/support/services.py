"""Reaching the services some tests need (PostgreSQL, a DynamoDB-compatible server, espeak-ng).

Locally a missing service skips those tests; CI sets HAMSTRING_REQUIRE_SERVICES=1 so a missing
service fails loudly instead.
"""

from __future__ import annotations

import os

import pytest


def require(available: bool, what: str) -> None:
    """Skip (or, in CI, fail) the calling test when ``what`` is not available."""
    if available:
        return
    if os.environ.get("HAMSTRING_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} is required (HAMSTRING_REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} is not available on this machine")
