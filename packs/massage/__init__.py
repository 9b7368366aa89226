"""Foam rolling and self-massage routines for tight or sore hamstrings."""

from pathlib import Path

from skill import hookimpl


@hookimpl
def register_content() -> list[Path]:
    """This pack's content file."""
    return [Path(__file__).with_name("massage.yaml")]
