"""The skill on AWS Lambda: ``skill.lambda_handler`` answers the events Alexa sends.

Alexa invokes the function directly, so there is no signature to check; the skill id is
still checked against ``HAMSTRING_SKILL_ID``. The settings come from the ``HAMSTRING_*``
environment variables, and the service is built once per container, on the first event.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from skill import config as settings_module
from skill import logs
from skill.app import Service, build_service
from skill.verify import BadRequest, check_application_id


@functools.cache
def service() -> Service:
    """The service for this container; on Lambda itself, logs become JSON lines."""
    if "AWS_LAMBDA_FUNCTION_NAME" in os.environ:
        logs.configure()
    return build_service(settings_module.load())


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one Alexa request envelope; raises ``BadRequest`` for another skill's or a
    malformed event (Lambda then reports the invocation as failed)."""
    record = logs.RequestLog()
    record.envelope = event
    current = service()
    try:
        check_application_id(event, current.settings["SKILL_ID"])
        payload, failure = current.answer(event, context)
    except BadRequest as error:
        record.rejected(error.reason)
        raise
    except Exception as error:
        record.failed(error)
        raise
    record.answered(failure)
    return payload
