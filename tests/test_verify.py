"""Tests for skill.verify, driving the real RequestVerifier with a generated certificate chain."""

from __future__ import annotations

import base64
import json
import warnings
from datetime import UTC, datetime, timedelta

import pytest

from skill.verify import (
    BadRequest,
    RequestVerifier,
    application_id,
    check_application_id,
    parse_envelope,
    request_time,
)
from tests.support.alexa_ca import AlexaTestChain, default_chain, envelope, iso_timestamp

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
        SKILL_ID, trusted_roots_pem=default_chain().roots_pem, fetch=lambda url: payload
    )
    assert reason_of(verifier, *signed()) == "certificate chain is not valid PEM"


def test_fetch_failure_is_a_bad_request():
    def fetch(url: str) -> bytes:
        raise OSError("connection refused")

    verifier = RequestVerifier(SKILL_ID, trusted_roots_pem=default_chain().roots_pem, fetch=fetch)
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
