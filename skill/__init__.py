"""Hamstring Coach: an Alexa skill that talks runners through hamstring care."""

from skill.app import create_app
from skill.hookspecs import hookimpl

__all__ = ["create_app", "hookimpl"]
