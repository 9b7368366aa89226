"""gunicorn's access log as JSON lines that carry the skill's own request fields.

``infra/gunicorn.conf.py`` names ``AccessLogger`` as gunicorn's ``logger_class`` and sets
``HAMSTRING_REQUEST_LOG=server``, so each Alexa request gets one line: what gunicorn knows
(method, path, status, bytes, duration, client) and what the skill left in the WSGI environ
(request id, type, intent, locale, latency, outcome and reason; see ``skill.logs``). Its
level follows the outcome: INFO when answered, WARNING when rejected, ERROR on a failure.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

from skill.logs import ENVIRON_KEY, OUTCOME_LEVELS, JsonFormatter, emit


class AccessLogger(Logger):
    """gunicorn's logger, with one JSON object per request on the access log."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.access_log.handlers:
            handler.setFormatter(JsonFormatter())

    def access(self, resp: Any, req: Any, environ: dict[str, Any],
               request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status_code
        fields: dict[str, Any] = {
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "query": environ.get("QUERY_STRING") or None,
            "status": status,
            "bytes": resp.sent,
            "duration_ms": round(request_time.total_seconds() * 1000, 3),
            "remote": environ.get("REMOTE_ADDR"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
        }
        skill_fields = environ.get(ENVIRON_KEY)
        level = logging.INFO
        if skill_fields:
            fields.update(skill_fields)
            level = OUTCOME_LEVELS.get(skill_fields.get("outcome"), logging.INFO)
        emit(self.access_log, level, fields, "%s %s %s", fields["method"], fields["path"],
             status)
