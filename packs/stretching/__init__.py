"""Stretching routines for before and after a run, with advice on when to stretch."""

from pathlib import Path

from skill import hookimpl


@hookimpl
def register_content() -> list[Path]:
    """This pack's content file."""
    return [Path(__file__).with_name("stretching.yaml")]
