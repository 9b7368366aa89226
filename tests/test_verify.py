"""Tests for skill.verify, driving the real RequestVerifier with a generated certificate chain."""

from __future__ import annotations

import base64
import http.server
import json
import socketserver
import threading
import time
import warnings
from datetime import UTC, datetime, timedelta

import pytest

from skill import verify
from skill.verify import (
    BadRequest,
    RequestVerifier,
    application_id,
    check_application_id,
    fetch_chain,
    parse_envelope,
    request_time,
)
from tests.support.alexa_ca import (
    CERT_URL,
    AlexaTestChain,
    default_chain,
    envelope,
    iso_timestamp,
)

SKILL_ID = "amzn1.ask.skill.test"
NOW = datetime.now(UTC).replace(microsecond=0)
URL_HEADER = "SignatureCertChainUrl"
SIG_HEADER = "Signature-256"


def make_verifier(
    chain: AlexaTestChain | None = None, *, now: datetime = NOW, calls: list | None = None, **kw
) -> RequestVerifier:
    """A verifier trusting the default test root, fetching ``chain`` and living at ``now``."""
    chain = chain or default_chain()

    def fetch(url: str) -> bytes:
        if calls is not None:
            calls.append(url)
        return chain.fetch(url)

    return RequestVerifier(
        SKILL_ID, trusted_roots_pem=default_chain().roots_pem, fetch=fetch, clock=lambda: now, **kw
    )


def signed(chain: AlexaTestChain | None = None, **envelope_kw) -> tuple[dict, bytes, dict]:
    """Headers, body and parsed envelope of a request signed by ``chain``."""
    envelope_kw.setdefault("timestamp", NOW)
    body = json.dumps(envelope(**envelope_kw)).encode()
    return (chain or default_chain()).sign(body), body, parse_envelope(body)


def reason_of(verifier: RequestVerifier, headers: dict, body: bytes, env: dict) -> str:
    with pytest.raises(BadRequest) as info:
        verifier.verify(headers, body, env)
    return info.value.reason


# --------------------------------------------------------------------------- good requests


def test_good_request_passes():
    make_verifier().verify(*signed())


def test_header_names_are_case_insensitive_in_a_plain_dict():
    headers, body, env = signed()
    make_verifier().verify({k.lower(): v for k, v in headers.items()}, body, env)


def test_any_skill_accepted_without_skill_id():
    headers, body, env = signed(skill_id="amzn1.ask.skill.other")
    verifier = make_verifier()
    verifier.skill_id = None
    verifier.verify(headers, body, env)


# --------------------------------------------------------------------------- headers and URL


@pytest.mark.parametrize("header", [URL_HEADER, SIG_HEADER])
@pytest.mark.parametrize("value", [None, "", "  "], ids=["absent", "empty", "blank"])
def test_missing_header(header, value):
    headers, body, env = signed()
    calls = []
    if value is None:
        del headers[header]
    else:
        headers[header] = value
    assert reason_of(make_verifier(calls=calls), headers, body, env) == f"missing {header} header"
    assert calls == []


@pytest.mark.parametrize(
    "url",
    [
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "HTTPS://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://S3.AmazonAWS.COM/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com/echo.api/./sub/../echo-api-cert.pem",
    ],
)
def test_acceptable_cert_url(url):
    headers, body, env = signed()
    headers[URL_HEADER] = url
    make_verifier().verify(headers, body, env)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://s3.amazonaws.com/echo.api/echo-api-cert.pem", "not https"),
        ("ftp://s3.amazonaws.com/echo.api/echo-api-cert.pem", "not https"),
        ("https://notamazon.com/echo.api/echo-api-cert.pem", "host is not s3.amazonaws.com"),
        ("https://s3.amazonaws.com.evil.com/echo.api/cert.pem", "host is not s3.amazonaws.com"),
        ("echo.api/echo-api-cert.pem", "not https"),
        ("https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem", "port is not 443"),
        ("https://s3.amazonaws.com:https/echo.api/cert.pem", "malformed"),
        ("https://s3.amazonaws.com/invalid.path/echo-api-cert.pem", "path is not under /echo.api/"),
        ("https://s3.amazonaws.com/echo.api/../echo-api-cert.pem", "path is not under /echo.api/"),
        ("https://s3.amazonaws.com/echo.api/%2E%2E/cert.pem", "path is not under /echo.api/"),
        ("https://s3.amazonaws.com/ECHO.API/echo-api-cert.pem", "path is not under /echo.api/"),
        ("https://s3.amazonaws.com/echo.api", "path is not under /echo.api/"),
    ],
)
def test_rejected_cert_url(url, reason):
    headers, body, env = signed()
    headers[URL_HEADER] = url
    calls = []
    assert reason in reason_of(make_verifier(calls=calls), headers, body, env)
    assert calls == []


# --------------------------------------------------------------------------- certificate chain

LATER = NOW + timedelta(days=400)


@pytest.mark.parametrize(
    ("make_chain", "reason"),
    [
        (lambda ca: AlexaTestChain(ca=ca, san="evil.example.com"), "not for echo-api.amazon.com"),
        (
            lambda ca: AlexaTestChain(
                ca=ca, leaf_not_before=NOW - timedelta(days=60), leaf_not_after=NOW - timedelta(1)
            ),
            "expired or not yet valid",
        ),
        (
            lambda ca: AlexaTestChain(
                ca=ca, leaf_not_before=NOW + timedelta(days=1), leaf_not_after=LATER
            ),
            "expired or not yet valid",
        ),
        (lambda ca: AlexaTestChain(), "chain is not trusted"),
        (lambda ca: AlexaTestChain(ca=ca, leaf_key_size=1024), "shorter than 2048 bits"),
    ],
    ids=["wrong-san", "expired", "not-yet-valid", "untrusted-root", "1024-bit-key"],
)
def test_bad_certificate_chain(make_chain, reason):
    chain = make_chain(default_chain())
    assert reason in reason_of(make_verifier(chain), *signed(chain))


def test_leaf_without_intermediate_is_not_trusted():
    chain = default_chain()
    verifier = RequestVerifier(
        SKILL_ID,
        trusted_roots_pem=chain.roots_pem,
        fetch=lambda url: (
            chain.chain_pem.split(b"-----END CERTIFICATE-----")[0] + b"-----END CERTIFICATE-----\n"
        ),
        clock=lambda: NOW,
    )
    assert "chain is not trusted" in reason_of(verifier, *signed())


@pytest.mark.parametrize(
    "payload",
    [b"", b"not a certificate", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"],
)
def test_unparsable_chain(payload):
    verifier = RequestVerifier(
        SKILL_ID, trusted_roots_pem=default_chain().roots_pem, fetch=lambda url: payload,
        clock=lambda: NOW,
    )
    assert reason_of(verifier, *signed()) == "certificate chain is not valid PEM"


def test_fetch_failure_is_a_bad_request():
    def fetch(url: str) -> bytes:
        raise OSError("connection refused")

    verifier = RequestVerifier(SKILL_ID, trusted_roots_pem=default_chain().roots_pem, fetch=fetch,
                               clock=lambda: NOW)
    assert reason_of(verifier, *signed()) == "could not fetch the certificate chain"


def test_chain_is_fetched_once_and_cached():
    chain = AlexaTestChain(ca=default_chain())
    verifier = make_verifier(chain)
    for _ in range(3):
        verifier.verify(*signed(chain))
    assert chain.fetches == 1


def test_cache_expires_with_the_leaf():
    chain = AlexaTestChain(ca=default_chain())
    now = [NOW]
    verifier = RequestVerifier(
        SKILL_ID, trusted_roots_pem=chain.roots_pem, fetch=chain.fetch, clock=lambda: now[0]
    )
    verifier.verify(*signed(chain))
    now[0] = LATER  # past the leaf's not_valid_after: must fetch and validate again
    assert "expired" in reason_of(verifier, *signed(chain, timestamp=LATER))
    assert chain.fetches == 2


def test_cache_is_bounded():
    calls = []
    verifier = make_verifier(calls=calls, cache_size=1)
    headers, body, env = signed()
    other = dict(headers, **{URL_HEADER: headers[URL_HEADER].replace("test", "other")})
    for h in (headers, other, headers):
        verifier.verify(h, body, env)
    assert len(calls) == 3


# --------------------------------------------------------------------------- signature


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        ("not base64!", "signature is not valid base64"),
        ("QUJDR", "signature is not valid base64"),
        (base64.b64encode(b"\x01" * 256).decode(), "signature does not match the body"),
        (base64.b64encode(b"short").decode(), "signature does not match the body"),
    ],
)
def test_bad_signature(signature, reason):
    headers, body, env = signed()
    headers[SIG_HEADER] = signature
    assert reason_of(make_verifier(), headers, body, env) == reason


def test_body_changed_after_signing():
    headers, body, env = signed()
    tampered = body.replace(b"LaunchRequest", b"IntentRequest")
    assert tampered != body
    assert reason_of(make_verifier(), headers, tampered, env) == "signature does not match the body"


# --------------------------------------------------------------------------- timestamp, skill id


@pytest.mark.parametrize("offset", [-149, 0, 149])
def test_timestamp_within_tolerance(offset):
    make_verifier().verify(*signed(timestamp=NOW + timedelta(seconds=offset)))


@pytest.mark.parametrize(
    ("offset", "reason"),
    [(-151, "request timestamp is too old"), (151, "request timestamp is in the future")],
)
def test_timestamp_outside_tolerance(offset, reason):
    calls = []
    verifier = make_verifier(calls=calls)
    assert reason_of(verifier, *signed(timestamp=NOW + timedelta(seconds=offset))) == reason
    assert calls == []


def test_wrong_skill_id():
    calls = []
    verifier = make_verifier(calls=calls)
    reason = reason_of(verifier, *signed(skill_id="amzn1.ask.skill.someone-else"))
    assert reason == "application id does not match this skill"
    assert calls == []


def test_check_application_id():
    env = envelope(skill_id=SKILL_ID)
    check_application_id(env, SKILL_ID)
    check_application_id(env, None)
    with pytest.raises(BadRequest, match="does not match"):
        check_application_id(env, "amzn1.ask.skill.other")


@pytest.mark.parametrize("env", [{}, {"request": []}, {"request": {"timestamp": 5}}])
def test_verify_never_leaks_other_exceptions(env):
    headers, body, _ = signed()
    with pytest.raises(BadRequest):
        make_verifier().verify(headers, body, env)


# --------------------------------------------------------------------------- parse_envelope


def _without(path: str) -> bytes:
    env = envelope(timestamp=NOW)
    *parents, last = path.split(".")
    node = env
    for key in parents:
        node = node[key]
    del node[last]
    return json.dumps(env).encode()


def _with_timestamp(value: object) -> bytes:
    env = envelope()
    env["request"]["timestamp"] = value
    return json.dumps(env).encode()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe{}", "body is not JSON"),
        (b"", "body is not JSON"),
        (b"{not json", "body is not JSON"),
        (b'{"version": NaN}', "body is not JSON"),
        (b'{"version": "\\ud800"}', "body is not JSON"),  # half a surrogate pair
        (b"[" * 2000 + b"]" * 2000, "body is not JSON"),
        (b"[1, 2]", "body is not a JSON object"),
        (b'"LaunchRequest"', "body is not a JSON object"),
        (b'{"hello": "world"}', "envelope has no version"),
        (_without("request"), "envelope has no request object"),
        (_without("request.type"), "request has no type"),
        (_without("request.requestId"), "request has no requestId"),
        (_without("request.timestamp"), "request timestamp is missing"),
        (_with_timestamp("2024-05-01T12:00:00"), "request timestamp has no time zone"),
        (_with_timestamp("yesterday"), "request timestamp is not ISO 8601"),
        (_with_timestamp(1714564800), "request timestamp is missing"),
        (
            json.dumps(
                {k: v for k, v in envelope().items() if k == "version" or k == "request"}
            ).encode(),
            "envelope has no application id",
        ),
    ],
)
def test_parse_envelope_rejects(body, reason):
    with pytest.raises(BadRequest) as info:
        parse_envelope(body)
    assert info.value.reason == reason


def test_parse_envelope_accepts_session_only_application_id_and_offsets():
    env = envelope(skill_id="amzn1.ask.skill.abc")
    del env["context"]["System"]["application"]
    env["request"]["timestamp"] = "2024-05-01T14:00:00.123+02:00"
    parsed = parse_envelope(json.dumps(env).encode())
    assert application_id(parsed) == "amzn1.ask.skill.abc"
    assert request_time(parsed) == datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)


def test_request_time_is_aware():
    env = parse_envelope(json.dumps(envelope(timestamp=NOW)).encode())
    assert env["request"]["timestamp"] == iso_timestamp(NOW)
    assert request_time(env) == NOW
    assert request_time(env).tzinfo is not None


# --------------------------------------------------------------------------- trust store


def test_default_trust_store_loads_certifi_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RequestVerifier(SKILL_ID)


def test_trust_store_skips_unparsable_certs_but_needs_one():
    junk = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    RequestVerifier(SKILL_ID, trusted_roots_pem=junk + default_chain().roots_pem)
    with pytest.raises(ValueError, match="no trusted root"):
        RequestVerifier(SKILL_ID, trusted_roots_pem=junk)


@pytest.mark.parametrize("change, reason", [
    (lambda env: env.pop("context"), "no context.System.user.userId"),
    (lambda env: env["context"]["System"].pop("user"), "no context.System.user.userId"),
    (lambda env: env["request"].update(type="IntentRequest"), "no intent name"),
])
def test_parse_envelope_needs_a_user_and_an_intent_name(change, reason):
    env = envelope()
    change(env)
    with pytest.raises(BadRequest, match=reason):
        parse_envelope(json.dumps(env).encode())


# --------------------------------------------------------------------------- fetching chains


def test_url_rules_come_before_anything_else():
    """A bad URL is refused as such even when the timestamp, skill and signature are bad too,
    and nothing is fetched."""
    headers, body, env = signed(timestamp=NOW - timedelta(hours=1), skill_id="amzn1.other")
    headers[URL_HEADER] = "https://evil.example.com/echo.api/cert.pem"
    headers[SIG_HEADER] = "not base64!"
    calls = []
    assert "host is not s3.amazonaws.com" in reason_of(make_verifier(calls=calls), headers,
                                                       body, env)
    assert calls == []


def test_one_chain_whatever_the_query_port_case_or_dot_segments():
    """The audit: 200 requests with different ``?x=N`` made 200 fetches."""
    calls = []
    verifier = make_verifier(calls=calls)
    headers, body, env = signed()
    variants = [f"{CERT_URL}?x={n}" for n in range(200)] + [
        CERT_URL.replace("https://s3.amazonaws.com", "HTTPS://S3.AmazonAWS.com:443"),
        CERT_URL.replace("/echo.api/", "/echo.api/./sub/../") + "#fragment"]
    for url in variants:
        verifier.verify({**headers, URL_HEADER: url}, body, env)
    assert calls == [CERT_URL]


def test_unsigned_requests_with_fresh_urls_cost_no_fetch_and_a_refusal_is_remembered():
    """Requests with any bad cheap part are refused before a fetch; a chain that can't be
    fetched is refused without fetching again for NEGATIVE_SECONDS, then tried again."""
    calls, now = [], [NOW]

    def fetch(url: str) -> bytes:
        calls.append(url)
        raise OSError("no route to host")

    verifier = RequestVerifier(SKILL_ID, trusted_roots_pem=default_chain().roots_pem,
                               fetch=fetch, clock=lambda: now[0])
    headers, body, env = signed()
    for n in range(50):
        unsigned = {URL_HEADER: f"{CERT_URL}?x={n}", SIG_HEADER: "not base64!"}
        assert reason_of(verifier, unsigned, body, env) == "signature is not valid base64"
    assert calls == []
    for n in range(50):
        assert reason_of(verifier, {**headers, URL_HEADER: f"{CERT_URL}?x={n}"}, body, env) == \
            "could not fetch the certificate chain"
    assert len(calls) == 1
    now[0] = NOW + timedelta(seconds=verify.NEGATIVE_SECONDS + 1)
    _, body, env = signed(timestamp=now[0])
    reason_of(verifier, headers, body, env)
    assert len(calls) == 2


def test_an_untrusted_chain_is_remembered_too():
    chain = AlexaTestChain()  # a root nobody trusts
    verifier = make_verifier(chain)
    for _ in range(5):
        assert "chain is not trusted" in reason_of(verifier, *signed(chain))
    assert chain.fetches == 1


def test_requests_arriving_together_wait_for_one_fetch():
    chain = AlexaTestChain(ca=default_chain())
    started = threading.Barrier(8)

    def slow_fetch(url: str) -> bytes:
        time.sleep(0.3)
        return chain.fetch(url)

    verifier = RequestVerifier(SKILL_ID, trusted_roots_pem=chain.roots_pem, fetch=slow_fetch,
                               clock=lambda: NOW)
    failures = []

    def request() -> None:
        started.wait()
        try:
            verifier.verify(*signed(chain))
        except BadRequest as error:
            failures.append(error)

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert failures == [] and chain.fetches == 1


class Trickle(socketserver.BaseRequestHandler):
    """An HTTP server that answers a byte at a time, for ever (or until the client goes)."""

    headers_first = True

    def handle(self) -> None:
        self.request.recv(65536)
        head = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
        try:
            if self.headers_first:
                self.request.sendall(head)
            else:
                for byte in head:
                    self.request.sendall(bytes([byte]))
                    time.sleep(0.1)
            while True:
                self.request.sendall(b"-")
                time.sleep(0.1)
        except OSError:
            return


class TrickleHeaders(Trickle):
    headers_first = False


@pytest.fixture(params=[Trickle, TrickleHeaders], ids=["body", "headers"])
def trickling(request):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), request.param)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/echo.api/cert.pem"
    server.shutdown()
    server.server_close()


def test_a_server_sending_a_byte_at_a_time_is_cut_off_at_the_deadline(trickling):
    """The audit: one byte a second held the fetch for 25 s (each read had its timeout)."""
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="took longer than 1 s"):
        fetch_chain(trickling, seconds=1.0)
    assert time.monotonic() - started < 5  # it would trickle for ever


def test_a_cut_off_fetch_is_a_bad_request(trickling):
    verifier = RequestVerifier(SKILL_ID, trusted_roots_pem=default_chain().roots_pem,
                               fetch=lambda url: fetch_chain(trickling, seconds=0.5))
    assert reason_of(verifier, *signed(timestamp=datetime.now(UTC))) == \
        "could not fetch the certificate chain"


def test_fetch_chain_reads_a_chain_and_refuses_errors_and_oversized_ones(tmp_path):
    pem = default_chain().chain_pem

    class Files(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            body = {"/echo.api/good.pem": pem, "/echo.api/big.pem": b"x" * 70000}.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/echo.api/"
    try:
        assert fetch_chain(base + "good.pem") == pem
        with pytest.raises(OSError, match="HTTP 404"):
            fetch_chain(base + "missing.pem")
        with pytest.raises(ValueError, match="too large"):
            fetch_chain(base + "big.pem")
    finally:
        server.shutdown()
        server.server_close()
