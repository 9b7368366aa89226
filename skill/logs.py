"""Structured logs: JSON lines, and one record per Alexa request.

``JsonFormatter`` turns any log record into one JSON object per line; fields passed as
``extra={"fields": {...}}`` become top-level keys. ``RequestLog`` times one request and
reports its fields: request id, request type, intent, locale, latency in milliseconds and
the outcome (``ok``, ``rejected`` with a reason, or ``error``). It emits them as a record of
the ``skill.requests`` logger, or, behind a server that writes them into its own access
line (``skill.gunicorn_log``), leaves them in the WSGI environ under ``ENVIRON_KEY``.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

REQUEST_LOGGER = "skill.requests"
ENVIRON_KEY = "hamstring.request"  # where a request's fields wait for the access log
OUTCOME_LEVELS = {"ok": logging.INFO, "rejected": logging.WARNING, "error": logging.ERROR}
requests_log = logging.getLogger(REQUEST_LOGGER)
_ENCODER = json.JSONEncoder(default=str, separators=(",", ":"))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, then the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _ENCODER.encode(entry)


def configure(logger: logging.Logger | None = None, level: int = logging.INFO) -> None:
    """Make ``logger`` (default: the root logger) write JSON lines.

    Handlers it already has (a platform's, like Lambda's) get the JSON formatter; a logger
    without handlers gets one writing to stderr.
    """
    logger = logger or logging.getLogger()
    if not logger.handlers:
        logger.addHandler(logging.StreamHandler(sys.stderr))
    for handler in logger.handlers:
        handler.setFormatter(JsonFormatter())
    logger.setLevel(level)


def request_fields(envelope: Mapping[str, Any] | None) -> dict[str, Any]:
    """What identifies a request in the logs; ``None`` for whatever the envelope lacks."""
    request = envelope.get("request") if isinstance(envelope, Mapping) else None
    request = request if isinstance(request, Mapping) else {}
    intent = request.get("intent")
    return {
        "request_id": request.get("requestId"),
        "request_type": request.get("type"),
        "intent": intent.get("name") if isinstance(intent, Mapping) else None,
        "locale": request.get("locale"),
    }


def emit(logger: logging.Logger, level: int, fields: dict[str, Any], message: str,
         *args: object) -> None:
    """Log a record with ``fields`` as Logger.log would, minus its search of the stack for
    the caller's file and line (which a per-request record does not show)."""
    logger.handle(logger.makeRecord(logger.name, level, __file__, 0, message, args, None,
                                    extra={"fields": fields}))


class RequestLog:
    """Times one request and reports its outcome once.

    ``environ``: the request's WSGI environ when the server logs the fields in its access
    line; the record is then left there instead of being logged here. Either way the level
    of the ``skill.requests`` logger decides which outcomes are reported.
    """

    def __init__(self, environ: dict[str, Any] | None = None) -> None:
        self.started = time.perf_counter()
        self.envelope: Mapping[str, Any] | None = None
        self.environ = environ

    def answered(self, failure: BaseException | None = None) -> None:
        """The skill answered; ``failure`` is what a handler raised if the answer is an apology."""
        if failure is None:
            self._emit("ok")
        else:
            self.failed(failure)

    def rejected(self, reason: str) -> None:
        """The request was refused before the skill saw it."""
        self._emit("rejected", reason=reason)

    def failed(self, error: BaseException) -> None:
        """The skill failed while answering (the user may still have heard an apology)."""
        self._emit("error", reason=f"{type(error).__name__}: {error}")

    def _emit(self, outcome: str, reason: str | None = None) -> None:
        level = OUTCOME_LEVELS[outcome]
        if not requests_log.isEnabledFor(level):
            return
        fields = request_fields(self.envelope)
        fields["latency_ms"] = round((time.perf_counter() - self.started) * 1000, 3)
        fields["outcome"] = outcome
        if reason is not None:
            fields["reason"] = reason
        if self.environ is not None:
            self.environ[ENVIRON_KEY] = fields
            return
        message = f"{outcome}: {reason}" if reason else outcome
        emit(requests_log, level, fields, "request %s", message)
