"""Tips on recovery products such as cold packs, compression and massage aids."""

from pathlib import Path

from skill import hookimpl


@hookimpl
def register_content() -> list[Path]:
    """This pack's content file."""
    return [Path(__file__).with_name("recovery.yaml")]
