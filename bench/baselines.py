"""What our turn is measured against, as gunicorn app factories.

``standard_app()``: the same routine turn done the standard ask-sdk way, as a Flask host with
ask-sdk-webservice-support and flask-ask-sdk does it: each request's signature checked by
``StandardVerifier`` (that package's steps, written here with ``cryptography``: URL rules,
the cached chain validated again, the leaf's SAN, the signature; then the timestamp), the
envelope read by ``DefaultSerializer``, persistent attributes read from SQLite at the start
and saved at the end, and a handler that moves the position and answers with the speech of
``$BENCH_SPEECH`` / ``$BENCH_REPROMPT`` (our turn's own, so the answers are the same size).
``floor_app()``: the least any skill must do for that turn: the RSA check of the raw body
with the cached key, a JSON parse, one SQLite upsert and a fixed answer of
``$BENCH_BODY_BYTES`` bytes. Reference rows, kept from earlier runs: ``bare_app()``, a Flask
view answering that fixed JSON and nothing else, and ``sdk_app()``, the least an ask-sdk-core
skill does (deserialize, a launch handler, serialize). ``core_app()``: our own skill without
request verification, the store and the per-request log, or with those named in
``$BENCH_KEEP``, to show what they cost.

The signing chain comes from ``$HAMSTRING_TEST_CHAIN`` and its roots from
``$HAMSTRING_TRUSTED_ROOTS``, as for our skill (``tests.support.gunicorn_app``).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import orjson
from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.dispatch_components import AbstractRequestInterceptor, AbstractResponseInterceptor
from ask_sdk_core.exceptions import AskSdkException
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import RequestEnvelope
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.x509.verification import DNSName, PolicyBuilder, Store, VerificationError
from flask import Flask, Response, abort, jsonify, request

from skill.logs import REQUEST_LOGGER
from skill.stores.sqlite import _patiently as patiently
from tests.support import gunicorn_app

EXTRAS = ("verify", "store", "log")  # what our turn does that the SDK baseline doesn't


def _app_with_health() -> Flask:
    app = Flask(__name__)
    app.add_url_rule("/healthz", "healthz", lambda: {"status": "ok"})
    return app


def fixed_answer() -> bytes:
    """A JSON document of ``$BENCH_BODY_BYTES`` bytes."""
    size = int(os.environ.get("BENCH_BODY_BYTES", "800"))
    skeleton = json.dumps({"version": "1.0", "response": {"text": ""}})
    return json.dumps({"version": "1.0",
                       "response": {"text": "x" * (size - len(skeleton))}}).encode()


def bare_app() -> Flask:
    """A fixed answer of ``$BENCH_BODY_BYTES`` bytes to any POST /alexa."""
    payload = fixed_answer()
    app = _app_with_health()

    @app.post("/alexa")
    def alexa() -> Response:
        request.get_data()
        return Response(payload, mimetype="application/json")

    return app


def sdk_app() -> Flask:
    """A one-handler ask-sdk-core skill behind a Flask view."""
    builder = CustomSkillBuilder()

    @builder.request_handler(can_handle_func=is_request_type("LaunchRequest"))
    def launch(handler_input):
        return (handler_input.response_builder
                .speak("Welcome to the minimal skill. What would you like?")
                .ask("What would you like?").response)

    skill = builder.create()
    serializer = DefaultSerializer()
    app = _app_with_health()

    @app.post("/alexa")
    def alexa() -> Response:
        envelope = serializer.deserialize(payload=request.get_data(as_text=True),
                                          obj_type=RequestEnvelope)
        response = skill.invoke(request_envelope=envelope, context=None)
        return Response(json.dumps(serializer.serialize(response)), mimetype="application/json")

    return app


# --------------------------------------------------------------------- the standard SDK way

CERT_CHAIN_DOMAIN = "echo-api.amazon.com"
TOLERANCE_SECONDS = 150  # ask-sdk-webservice-support's MAX_NORMAL_REQUEST_TOLERANCE


class VerificationException(AskSdkException):
    """A request that failed verification (flask-ask-sdk answers 400)."""


class StandardVerifier:
    """ask-sdk-webservice-support's ``RequestVerifier`` and ``TimestampVerifier``, step for
    step: the chain's bytes are cached per URL, and on every request the URL is checked,
    the cached chain validated to a trusted root, the leaf parsed again and its dates and
    SAN checked, and the signature verified with the leaf's key; then the timestamp.
    (That package validates the path with certvalidator; ``cryptography``'s verifier does
    the same job here.)"""

    def __init__(self, roots: list[x509.Certificate], fetch: Any) -> None:
        self._store = Store(roots)
        self._fetch = fetch
        self._cert_cache: dict[str, bytes] = {}

    def verify(self, headers: Any, serialized_request_env: str,
               deserialized_request_env: RequestEnvelope) -> None:
        cert_url = signature = None
        for key, value in headers.items():
            if key.lower() == "signaturecertchainurl":
                cert_url = value
            elif key.lower() == "signature-256":
                signature = value
        if cert_url is None or signature is None:
            raise VerificationException("Missing Signature/Certificate for the skill request")
        end_cert = self._retrieve_and_validate_certificate_chain(cert_url)
        self._valid_request_body(end_cert, signature, serialized_request_env)
        self._valid_timestamp(deserialized_request_env)

    def _retrieve_and_validate_certificate_chain(self, cert_url: str) -> x509.Certificate:
        self._validate_certificate_url(cert_url)
        cert_chain = self._load_cert_chain(cert_url)
        self._validate_cert_chain(cert_chain)
        end_cert = x509.load_pem_x509_certificate(cert_chain)
        self._validate_end_certificate(end_cert)
        return end_cert

    @staticmethod
    def _validate_certificate_url(cert_url: str) -> None:
        parsed = urlparse(cert_url)
        if parsed.scheme.lower() != "https":
            raise VerificationException("Signature Certificate URL has invalid protocol")
        if parsed.hostname is None or parsed.hostname.lower() != "s3.amazonaws.com":
            raise VerificationException("Signature Certificate URL has invalid hostname")
        if not os.path.normpath(parsed.path).startswith("/echo.api/"):
            raise VerificationException("Signature Certificate URL has invalid path")
        if parsed.port is not None and parsed.port != 443:
            raise VerificationException("Signature Certificate URL has invalid port")

    def _load_cert_chain(self, cert_url: str) -> bytes:
        if cert_url not in self._cert_cache:
            self._cert_cache[cert_url] = self._fetch(cert_url)
        return self._cert_cache[cert_url]

    def _validate_cert_chain(self, cert_chain: bytes) -> None:
        end_cert, *intermediates = x509.load_pem_x509_certificates(cert_chain)
        verifier = (PolicyBuilder().store(self._store).time(datetime.now(UTC))
                    .build_server_verifier(DNSName(CERT_CHAIN_DOMAIN)))
        try:
            verifier.verify(end_cert, intermediates)
        except VerificationError as error:
            raise VerificationException("Certificate chain is not valid") from error
        usage = end_cert.extensions.get_extension_for_class(x509.KeyUsage).value
        if not usage.digital_signature:
            raise VerificationException("Certificate chain is not valid")

    @staticmethod
    def _validate_end_certificate(x509_cert: x509.Certificate) -> None:
        now = datetime.now(UTC)
        if not x509_cert.not_valid_before_utc <= now <= x509_cert.not_valid_after_utc:
            raise VerificationException("Signing Certificate expired")
        san = x509_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        if CERT_CHAIN_DOMAIN not in san.get_values_for_type(x509.DNSName):
            raise VerificationException(f"{CERT_CHAIN_DOMAIN} domain missing in the chain")

    @staticmethod
    def _valid_request_body(end_cert: x509.Certificate, signature: str,
                            serialized_request_env: str) -> None:
        try:
            end_cert.public_key().verify(base64.b64decode(signature),
                                         serialized_request_env.encode("utf-8"), PKCS1v15(),
                                         SHA256())
        except InvalidSignature as error:
            raise VerificationException("Request body is not valid") from error

    @staticmethod
    def _valid_timestamp(envelope: RequestEnvelope) -> None:
        sent = envelope.request.timestamp if envelope.request else None
        if sent is None or abs((datetime.now(UTC) - sent).total_seconds()) > TOLERANCE_SECONDS:
            raise VerificationException("Timestamp verification failed")


class SqliteAdapter(AbstractPersistenceAdapter):
    """A persistence adapter shaped like ask-sdk's ``DynamoDbAdapter``: the user id is the
    key, the whole attribute map one JSON value, read and written back whole. WAL and
    ``synchronous=NORMAL``, as our store, so both pay the same for durability."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("CREATE TABLE IF NOT EXISTS skill "
                               "(id TEXT PRIMARY KEY, attributes TEXT NOT NULL)")
            self._local.connection = connection
        return connection

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict:
        row = self._connection().execute(
            "SELECT attributes FROM skill WHERE id = ?",
            (request_envelope.context.system.user.user_id,)).fetchone()
        return json.loads(row[0]) if row else {}

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict) -> None:
        self._connection().execute(
            "INSERT OR REPLACE INTO skill (id, attributes) VALUES (?, ?)",
            (request_envelope.context.system.user.user_id, json.dumps(attributes)))


class LoadPersistentAttributes(AbstractRequestInterceptor):
    """The usual first interceptor: the user's saved attributes, read before any handler."""

    def process(self, handler_input: Any) -> None:
        handler_input.attributes_manager.persistent_attributes  # noqa: B018 - reads them


class SavePersistentAttributes(AbstractResponseInterceptor):
    """The usual last interceptor: the attributes saved back after the handler."""

    def process(self, handler_input: Any, response: Any) -> None:
        handler_input.attributes_manager.save_persistent_attributes()


def _chain_and_roots() -> tuple[bytes, list[x509.Certificate]]:
    chain = Path(os.environ["HAMSTRING_TEST_CHAIN"]).read_bytes()
    roots = x509.load_pem_x509_certificates(
        Path(os.environ["HAMSTRING_TRUSTED_ROOTS"]).read_bytes())
    return chain, roots


def standard_app() -> Flask:
    """The routine turn as the standard SDK way serves it (see the module's docstring)."""
    chain, roots = _chain_and_roots()
    speech = os.environ.get("BENCH_SPEECH", "<speak>Step 3 of 6.</speak>")
    reprompt = os.environ.get("BENCH_REPROMPT", "<speak>Say next.</speak>")
    question = re.sub(r"<[^>]+>", "", reprompt)
    builder = CustomSkillBuilder(persistence_adapter=SqliteAdapter(
        os.environ["HAMSTRING_DATABASE_URL"].removeprefix("sqlite:///")))
    builder.skill_id = os.environ["HAMSTRING_SKILL_ID"]

    @builder.request_handler(can_handle_func=is_intent_name("AMAZON.NextIntent"))
    def next_step(handler_input):
        attributes = handler_input.attributes_manager
        player = dict(attributes.session_attributes["player"])
        player["position"] += 1
        attributes.session_attributes["player"] = player
        attributes.persistent_attributes["player"] = player
        builder_ = handler_input.response_builder
        builder_.speak(speech.removeprefix("<speak>").removesuffix("</speak>"))
        builder_.ask(reprompt.removeprefix("<speak>").removesuffix("</speak>"))
        attributes.session_attributes["question"] = question  # for "repeat", as ours keeps
        return builder_.set_should_end_session(False).response

    builder.add_global_request_interceptor(LoadPersistentAttributes())
    builder.add_global_response_interceptor(SavePersistentAttributes())
    skill = builder.create()
    verifier = StandardVerifier(roots, lambda url: chain)
    app = _app_with_health()

    @app.post("/alexa")
    def alexa() -> Response:
        # ask-sdk-webservice-support's verify_request_and_dispatch, as flask-ask-sdk calls it
        content = request.data.decode("utf-8")
        try:
            envelope = skill.serializer.deserialize(payload=content, obj_type=RequestEnvelope)
            verifier.verify(request.headers, content, envelope)
            response = skill.serializer.serialize(skill.invoke(request_envelope=envelope,
                                                               context=None))
        except VerificationException:
            abort(400)
        return jsonify(response)

    return app


# --------------------------------------------------------------------- the floor

UPSERT_POSITION = ("INSERT INTO position VALUES (?1, ?2) "
                   "ON CONFLICT DO UPDATE SET position = ?2")


def floor_app() -> Flask:
    """The irreducible work of a verified, saved routine turn (see the module's docstring).

    Writers that meet another worker's write wait the way our store does (in steps of 50 us,
    not SQLite's 1 ms and more), so that waiting is not counted as work.
    """
    chain, _ = _chain_and_roots()
    key = x509.load_pem_x509_certificate(chain).public_key()  # validated once, cached
    path = os.environ["HAMSTRING_DATABASE_URL"].removeprefix("sqlite:///")
    local = threading.local()
    payload = fixed_answer()
    app = _app_with_health()

    def connection() -> sqlite3.Connection:
        if not hasattr(local, "db"):
            local.db = sqlite3.connect(path, timeout=0, isolation_level=None)
            local.db.execute("PRAGMA journal_mode=WAL")
            local.db.execute("PRAGMA synchronous=NORMAL")
            local.db.execute("CREATE TABLE IF NOT EXISTS position "
                             "(user_id TEXT PRIMARY KEY, position INTEGER NOT NULL)")
        return local.db

    @app.post("/alexa")
    def alexa() -> Response:
        body = request.get_data()
        try:
            key.verify(base64.b64decode(request.headers["Signature-256"]), body, PKCS1v15(),
                       SHA256())
        except (KeyError, InvalidSignature):
            abort(400)
        envelope = orjson.loads(body)
        values = (envelope["context"]["System"]["user"]["userId"],
                  envelope["session"]["attributes"]["player"]["position"] + 1)
        patiently(lambda: connection().execute(UPSERT_POSITION, values))
        return Response(payload, mimetype="application/json")

    return app


class NoStore:
    """A persistence adapter that remembers nothing."""

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict:
        return {}

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict) -> None:
        pass


def core_app() -> Flask:
    """Our skill as ``OUR_APP`` serves it, minus each of verification, store and request log
    that ``$BENCH_KEEP`` (comma-separated: verify, store, log) does not name."""
    keep = set(filter(None, os.environ.get("BENCH_KEEP", "").split(",")))
    unknown = keep - set(EXTRAS)
    if unknown:
        raise ValueError(f"BENCH_KEEP: unknown {', '.join(sorted(unknown))}")
    if "log" not in keep:
        logging.getLogger(REQUEST_LOGGER).setLevel(logging.WARNING)
    overrides: dict = {} if "verify" in keep else {"VERIFY_REQUESTS": False}
    if "store" not in keep:
        overrides["STORE"] = NoStore()
    return gunicorn_app.create_app(overrides)
