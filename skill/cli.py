"""The ``hamstring`` command: serve the skill, and tools for packs and models."""

from __future__ import annotations

import argparse
import logging
import sys

DEFAULT_PORT = 5000


def serve(args: argparse.Namespace) -> int:
    """Run the development server."""
    from skill.app import create_app

    app = create_app()
    print(f"Hamstring Coach is listening on http://{args.host}:{args.port}/alexa "
          f"(health: /healthz). Talk to it with: hamstring simulate", flush=True)
    app.run(host=args.host, port=args.port, debug=False)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line, one sub-command per job."""
    parser = argparse.ArgumentParser(prog="hamstring", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="run the skill with Flask's development server")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=DEFAULT_PORT)
    run.set_defaults(func=serve)
    for module in command_modules():
        module.add_commands(commands)
    return parser


def command_modules() -> list:
    """Modules that add sub-commands: each has ``add_commands(subparsers)``."""
    from skill import console, model, packs_cli, simulator

    return [packs_cli, model, simulator, console]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``hamstring`` console script."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
