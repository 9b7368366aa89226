"""Shared fixtures: a real WSGI server on 127.0.0.1 and a signed Alexa client."""

from __future__ import annotations

import os

# Packs installed on a developer's machine must not leak into the test run:
# only the built-in packs load unless a test asks for others.
os.environ["HAMSTRING_LOAD_PACKS"] = "stretching,strengthening,massage,recovery"
for name in ("HAMSTRING_DISABLE_PACKS", "HAMSTRING_SKILL_ID", "HAMSTRING_DATABASE_URL",
             "HAMSTRING_VERIFY_REQUESTS", "HAMSTRING_TRUSTED_ROOTS"):
    os.environ.pop(name, None)

import pytest  # noqa: E402

from tests.support.alexa_ca import default_chain  # noqa: E402
from tests.support.client import DemoPack, LiveServer, SkillClient, make_app  # noqa: E402


@pytest.fixture
def chain():
    """The shared generated certificate chain (root, intermediate, echo-api leaf)."""
    return default_chain()


@pytest.fixture
def demo_app(tmp_path, chain):
    """The app with only the demo pack, verification on, SQLite in a temp dir."""
    return make_app(tmp_path, chain, load="", plugins={"demo": DemoPack()})


@pytest.fixture
def server(demo_app):
    """The demo app served by a real WSGI server on 127.0.0.1."""
    with LiveServer(demo_app) as live:
        yield live


@pytest.fixture
def client(server, chain):
    """A device talking to the live server with signed requests."""
    return SkillClient(server.url, chain)


@pytest.fixture(scope="session")
def third_party_venv(tmp_path_factory):
    """A fresh virtual environment with the project and a scaffolded third-party pack
    pip-installed (built once per run: several test modules use it)."""
    from tests.support.third_party import install

    return install(tmp_path_factory.mktemp("third-party"))
