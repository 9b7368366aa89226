"""The real app for a gunicorn started by tests or benchmarks, with a local signing chain.

The certificate URL in a signed request names Amazon's S3, which can't be reached here, and
``CERT_FETCHER`` can only be given in code. This module gives it: every certificate URL is
answered with the PEM file named by ``HAMSTRING_TEST_CHAIN``. Everything else comes from the
usual ``HAMSTRING_*`` variables, verification included::

    gunicorn -c infra/gunicorn.conf.py 'tests.support.gunicorn_app:create_app()'
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

import skill


def create_app(overrides: dict | None = None) -> Flask:
    """``skill.create_app(overrides)`` fetching the signing chain from
    ``$HAMSTRING_TEST_CHAIN``."""
    chain = Path(os.environ["HAMSTRING_TEST_CHAIN"]).read_bytes()
    return skill.create_app({"CERT_FETCHER": lambda url: chain, **(overrides or {})})
