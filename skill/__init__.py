"""Hamstring Coach: an Alexa skill that talks runners through hamstring care."""

from skill.app import create_app
from skill.aws_lambda import lambda_handler
from skill.hookspecs import hookimpl

__all__ = ["create_app", "hookimpl", "lambda_handler"]
