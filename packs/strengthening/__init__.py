"""Strength routines that build stronger hamstrings, at home or with light weights."""

from pathlib import Path

from skill import hookimpl


@hookimpl
def register_content() -> list[Path]:
    """This pack's content file."""
    return [Path(__file__).with_name("strengthening.yaml")]
