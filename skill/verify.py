"""Verification of requests sent by Alexa to a web-service skill.

Implements Amazon's rules for custom skills hosted outside Lambda: the signing certificate
chain URL, the certificate chain itself, the ``Signature-256`` header over the raw body, the
request timestamp and the skill's application id. Every failure raises :class:`BadRequest`,
which the web layer turns into HTTP 400.

The cheap checks come first (headers, the URL's rules, timestamp, skill id, the signature's
encoding); only a request that passes them can make the skill fetch a chain. Chains are
cached under the URL as normalised (no query, port or dot segments: ``?x=1`` and ``?x=2``
are one chain), fetched once at a time per URL, within a total deadline (a server sending a
byte a second is cut off, not waited for), and a failed fetch or a chain that does not
validate is remembered for ``NEGATIVE_SECONDS``, so a flood of bad requests costs one fetch.

Why not ask-sdk-webservice-support, Amazon's own verifier: it does not import on current
OpenSSL (its ``certvalidator`` dependency needs ``oscrypto``, which fails with "Error
detecting the version of libcrypto" on OpenSSL 3.0.10 and later), and where it does run, a
wrong skill id, a chain that can't be fetched and a timestamp without a time zone raise
exceptions that become HTTP 500 instead of 400.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import http.client
import posixpath
import re
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote, urlsplit

import certifi
import orjson
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.verification import DNSName, PolicyBuilder, Store, VerificationError

__all__ = [
    "BadRequest",
    "RequestVerifier",
    "application_id",
    "check_application_id",
    "check_cert_url",
    "fetch_chain",
    "parse_envelope",
    "request_time",
]

CERT_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
ECHO_API_DOMAIN = "echo-api.amazon.com"
FETCH_SECONDS = 3.0  # for the whole fetch: connecting, sending, and reading every byte
NEGATIVE_SECONDS = 10.0  # how long a chain that could not be fetched or trusted stays refused
NEGATIVE_ENTRIES = 256
MAX_CHAIN_BYTES = 64 * 1024
MIN_RSA_KEY_BITS = 2048

_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)


class BadRequest(Exception):
    """A request that must be refused with HTTP 400; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------- envelope


def _parse_timestamp(value: object) -> datetime:
    if not isinstance(value, str):
        raise BadRequest("request timestamp is missing")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadRequest("request timestamp is not ISO 8601") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise BadRequest("request timestamp has no time zone")
    return parsed


def _application_id_or_none(envelope: Mapping[str, object]) -> str | None:
    for path in (("context", "System", "application"), ("session", "application")):
        node: object = envelope
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        app_id = node.get("applicationId") if isinstance(node, dict) else None
        if isinstance(app_id, str) and app_id:
            return app_id
    return None


def parse_envelope(body: bytes) -> dict:
    """Decode ``body`` as an Alexa request envelope, or raise :class:`BadRequest`."""
    try:
        envelope = orjson.loads(body)
    except orjson.JSONDecodeError:  # also invalid UTF-8, NaN, nesting past 1024 levels
        raise BadRequest("body is not JSON") from None
    if not isinstance(envelope, dict):
        raise BadRequest("body is not a JSON object")
    if not isinstance(envelope.get("version"), str):
        raise BadRequest("envelope has no version")
    request = envelope.get("request")
    if not isinstance(request, dict):
        raise BadRequest("envelope has no request object")
    for field in ("type", "requestId"):
        if not isinstance(request.get(field), str):
            raise BadRequest(f"request has no {field}")
    _parse_timestamp(request.get("timestamp"))
    if request["type"] == "IntentRequest" and not isinstance(
            (request.get("intent") or {}).get("name") if isinstance(request.get("intent"), dict)
            else None, str):
        raise BadRequest("intent request has no intent name")
    if _application_id_or_none(envelope) is None:
        raise BadRequest("envelope has no application id")
    system = envelope.get("context", {}).get("System") if isinstance(
        envelope.get("context"), dict) else None
    user = system.get("user") if isinstance(system, dict) else None
    if not isinstance(user, dict) or not isinstance(user.get("userId"), str):
        raise BadRequest("envelope has no context.System.user.userId")
    return envelope


def request_time(envelope: dict) -> datetime:
    """Return the envelope's ``request.timestamp`` as an aware datetime."""
    request = envelope.get("request") if isinstance(envelope, dict) else None
    return _parse_timestamp(request.get("timestamp") if isinstance(request, dict) else None)


def application_id(envelope: dict) -> str:
    """Return the skill id the request was sent to (context first, then session)."""
    app_id = _application_id_or_none(envelope) if isinstance(envelope, dict) else None
    if app_id is None:
        raise BadRequest("envelope has no application id")
    return app_id


def check_application_id(envelope: dict, skill_id: str | None) -> None:
    """Raise :class:`BadRequest` unless the envelope is for ``skill_id`` (``None``: any skill)."""
    if skill_id is not None and application_id(envelope) != skill_id:
        raise BadRequest("application id does not match this skill")


# --------------------------------------------------------------------------- certificates


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    if not value or not value.strip():
        raise BadRequest(f"missing {name} header")
    return value.strip()


def check_cert_url(url: str) -> str:
    """Apply Amazon's rules for the ``SignatureCertChainUrl`` header; the URL as the chain
    is fetched and cached (normalised path; no port, query or fragment)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise BadRequest("certificate URL is malformed") from None
    if parts.scheme.lower() != "https":
        raise BadRequest("certificate URL is not https")
    if (parts.hostname or "") != "s3.amazonaws.com":
        raise BadRequest("certificate URL host is not s3.amazonaws.com")
    if port is not None and port != 443:
        raise BadRequest("certificate URL port is not 443")
    path = posixpath.normpath(unquote(parts.path))
    if not path.startswith("/echo.api/"):
        raise BadRequest("certificate URL path is not under /echo.api/")
    return "https://s3.amazonaws.com" + quote(path)


def fetch_chain(url: str, seconds: float = FETCH_SECONDS) -> bytes:
    """GET ``url`` (at most ``MAX_CHAIN_BYTES``), all of it within ``seconds``.

    A socket timeout bounds each read, not the whole: a server sending a byte at a time
    could hold the turn for ever. A timer shuts the socket when the time is up.
    """
    parts = urlsplit(url)
    started = time.monotonic()
    if parts.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=seconds, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=seconds)

    def cut_off() -> None:
        if connection.sock is not None:
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(seconds, cut_off)
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                           headers={"User-Agent": "hamstring-coach"})
        response = connection.getresponse()
        if response.status != 200:
            raise OSError(f"HTTP {response.status} for {url}")
        data = b""
        while len(data) <= MAX_CHAIN_BYTES:
            piece = response.read1(MAX_CHAIN_BYTES + 1 - len(data))
            if not piece:
                break
            data += piece
    except (OSError, http.client.HTTPException) as error:
        if time.monotonic() - started >= seconds:
            raise TimeoutError(f"fetching {url} took longer than {seconds:g} s") from error
        raise
    finally:
        watchdog.cancel()
        connection.close()
    if time.monotonic() - started >= seconds:  # the cut-off can look like a clean end
        raise TimeoutError(f"fetching {url} took longer than {seconds:g} s")
    if len(data) > MAX_CHAIN_BYTES:
        raise ValueError("certificate chain is too large")
    return data


def _load_roots(pem: bytes) -> list[x509.Certificate]:
    roots = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        for block in _PEM_CERT.findall(pem):
            try:
                roots.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                continue
    return roots


class RequestVerifier:
    """Checks that a request really comes from Alexa and is meant for this skill."""

    def __init__(
        self,
        skill_id: str | None,
        trusted_roots_pem: bytes | None = None,
        fetch: Callable[[str], bytes] | None = None,
        clock: Callable[[], datetime] | None = None,
        tolerance: timedelta = timedelta(seconds=150),
        cache_size: int = 32,
    ) -> None:
        """``skill_id=None`` accepts any application id; the other arguments exist for tests."""
        if trusted_roots_pem is None:
            trusted_roots_pem = certifi.contents().encode("ascii")
        roots = _load_roots(trusted_roots_pem)
        if not roots:
            raise ValueError("no trusted root certificates could be loaded")
        self.skill_id = skill_id
        self._store = Store(roots)
        self._fetch = fetch or fetch_chain
        self._clock = clock or (lambda: datetime.now(UTC))
        self._tolerance = tolerance
        self._cache_size = max(cache_size, 0)
        # normalised url -> (leaf's public key, time after which the chain must be rechecked)
        self._cache: dict[str, tuple[rsa.RSAPublicKey, datetime]] = {}
        # normalised url -> (why it was refused, until when it stays refused)
        self._refused: dict[str, tuple[str, datetime]] = {}
        self._fetching: dict[str, threading.Event] = {}
        self._urls: dict[str, str] = {}  # header value -> normalised URL, for URLs that passed
        self._lock = threading.Lock()

    def verify(self, headers: Mapping[str, str], body: bytes, envelope: dict) -> None:
        """Raise :class:`BadRequest` unless ``body`` is a genuine, fresh request for this skill."""
        url = _header(headers, CERT_URL_HEADER)
        signature_b64 = _header(headers, SIGNATURE_HEADER)
        key_url = self._urls.get(url)
        if key_url is None:
            key_url = check_cert_url(url)
            if len(self._urls) >= 4 * self._cache_size + 4:
                self._urls.clear()
            self._urls[url] = key_url
        now = self._clock()
        self._check_timestamp(envelope, now)
        check_application_id(envelope, self.skill_id)
        try:
            signature = base64.b64decode(signature_b64, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("signature is not valid base64") from None
        key = self._signing_key(key_url, now)
        try:
            key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise BadRequest("signature does not match the body") from None

    def _check_timestamp(self, envelope: dict, now: datetime) -> None:
        sent = request_time(envelope)
        if sent < now - self._tolerance:
            raise BadRequest("request timestamp is too old")
        if sent > now + self._tolerance:
            raise BadRequest("request timestamp is in the future")

    def _signing_key(self, url: str, now: datetime) -> rsa.RSAPublicKey:
        """The leaf's key for the chain at ``url``: cached, refused, or fetched and validated
        (by one request at a time; the others wait for its outcome)."""
        while True:
            with self._lock:
                cached = self._cache.get(url)
                if cached is not None:
                    if now <= cached[1]:
                        return cached[0]
                    del self._cache[url]
                refused = self._refused.get(url)
                if refused is not None:
                    if now < refused[1]:
                        raise BadRequest(refused[0])
                    del self._refused[url]
                fetching = self._fetching.get(url)
                if fetching is None:
                    fetching = self._fetching[url] = threading.Event()
                    break
            if not fetching.wait(FETCH_SECONDS + 1):
                raise BadRequest("could not fetch the certificate chain")
            if self._cache_size == 0:  # nothing kept to wait for: fetch it too
                with self._lock:
                    if url not in self._fetching:
                        fetching = self._fetching[url] = threading.Event()
                        break
        try:
            return self._fetch_and_validate(url, now)
        finally:
            with self._lock:
                del self._fetching[url]
            fetching.set()

    def _fetch_and_validate(self, url: str, now: datetime) -> rsa.RSAPublicKey:
        try:
            try:
                pem = self._fetch(url)
            except Exception as exc:  # whatever went wrong, the request can't be verified: 400
                raise BadRequest("could not fetch the certificate chain") from exc
            key, valid_until = self._validate_chain(pem, now)
        except BadRequest as refusal:
            with self._lock:
                while len(self._refused) >= NEGATIVE_ENTRIES:
                    del self._refused[next(iter(self._refused))]
                self._refused[url] = (refusal.reason, now + timedelta(seconds=NEGATIVE_SECONDS))
            raise
        if self._cache_size:
            with self._lock:
                self._cache.pop(url, None)
                while len(self._cache) >= self._cache_size:
                    del self._cache[next(iter(self._cache))]
                self._cache[url] = (key, valid_until)
        return key

    def _validate_chain(self, pem: bytes, now: datetime) -> tuple[rsa.RSAPublicKey, datetime]:
        try:
            certs = x509.load_pem_x509_certificates(pem)
        except (TypeError, ValueError):
            raise BadRequest("certificate chain is not valid PEM") from None
        leaf, intermediates = certs[0], certs[1:]
        if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
            raise BadRequest("certificate is expired or not yet valid")
        try:
            key = leaf.public_key()
        except (ValueError, TypeError):
            raise BadRequest("certificate public key is unusable") from None
        if not isinstance(key, rsa.RSAPublicKey):
            raise BadRequest("certificate key is not RSA")
        if key.key_size < MIN_RSA_KEY_BITS:
            raise BadRequest("certificate key is shorter than 2048 bits")
        verifier = (
            PolicyBuilder()
            .store(self._store)
            .time(now)
            .build_server_verifier(DNSName(ECHO_API_DOMAIN))
        )
        try:
            chain = verifier.verify(leaf, intermediates)
        except VerificationError as exc:
            if not _has_dns_name(leaf, ECHO_API_DOMAIN):
                raise BadRequest(f"certificate is not for {ECHO_API_DOMAIN}") from exc
            raise BadRequest("certificate chain is not trusted") from exc
        except ValueError as exc:
            raise BadRequest("certificate chain is malformed") from exc
        return key, min(cert.not_valid_after_utc for cert in chain)


def _has_dns_name(cert: x509.Certificate, name: str) -> bool:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return False
    return name in san.get_values_for_type(x509.DNSName)
