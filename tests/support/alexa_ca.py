"""A generated certificate chain and request envelopes that look like Alexa's, for tests.

``default_chain()`` is cached: generating RSA keys is slow, so most tests share one chain.
Inject it into the verifier with ``trusted_roots_pem=chain.roots_pem, fetch=chain.fetch``.
"""

from __future__ import annotations

import base64
import functools
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from skill import testing
from skill.testing import iso_timestamp  # noqa: F401 - re-exported for tests

CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"
ECHO_API_DOMAIN = "echo-api.amazon.com"

_KEY_USAGE_FLAGS = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)


def _key_usage(*flags: str) -> x509.KeyUsage:
    return x509.KeyUsage(**{flag: flag in flags for flag in _KEY_USAGE_FLAGS})


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _new_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _ca_cert(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: x509.Certificate | None,
    issuer_key: rsa.RSAPrivateKey,
    now: datetime,
) -> x509.Certificate:
    issuer_name = issuer.subject if issuer else _name(subject)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=30))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage("key_cert_sign", "crl_sign"), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .sign(issuer_key, hashes.SHA256())
    )


class AlexaTestChain:
    """Root CA -> intermediate CA -> leaf, like Amazon's echo-api chain.

    Pass ``ca=`` another chain to reuse its root and intermediate (fast, same trust store);
    the other options make bad leaves (wrong SAN, expired, not yet valid, weak key).
    """

    def __init__(
        self,
        *,
        san: str = ECHO_API_DOMAIN,
        leaf_not_before: datetime | None = None,
        leaf_not_after: datetime | None = None,
        leaf_key_size: int = 2048,
        ca: AlexaTestChain | None = None,
        url: str = CERT_URL,
    ) -> None:
        now = datetime.now(UTC)
        if ca is None:
            self.root_key = _new_key()
            self.root = _ca_cert("Test Root CA", self.root_key, None, self.root_key, now)
            self.intermediate_key = _new_key()
            self.intermediate = _ca_cert(
                "Test Intermediate CA", self.intermediate_key, self.root, self.root_key, now
            )
        else:
            self.root_key, self.root = ca.root_key, ca.root
            self.intermediate_key, self.intermediate = ca.intermediate_key, ca.intermediate
        self.leaf_key = _new_key(leaf_key_size)
        self.leaf = (
            x509.CertificateBuilder()
            .subject_name(_name(san))
            .issuer_name(self.intermediate.subject)
            .public_key(self.leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(leaf_not_before or now - timedelta(days=1))
            .not_valid_after(leaf_not_after or now + timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    self.intermediate_key.public_key()
                ),
                critical=False,
            )
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
            .add_extension(_key_usage("digital_signature"), critical=True)
            .sign(self.intermediate_key, hashes.SHA256())
        )
        pem = serialization.Encoding.PEM
        self.roots_pem: bytes = self.root.public_bytes(pem)
        self.chain_pem: bytes = self.leaf.public_bytes(pem) + self.intermediate.public_bytes(pem)
        self.url = url
        self.fetches = 0

    def fetch(self, url: str) -> bytes:
        """Stand-in for downloading the chain: returns ``chain_pem`` and counts the calls."""
        self.fetches += 1
        return self.chain_pem

    def sign(self, body: bytes) -> dict[str, str]:
        """The ``SignatureCertChainUrl`` and ``Signature-256`` headers Alexa would send."""
        signature = self.leaf_key.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return {
            "SignatureCertChainUrl": self.url,
            "Signature-256": base64.b64encode(signature).decode("ascii"),
        }


@functools.lru_cache(maxsize=1)
def default_chain() -> AlexaTestChain:
    """A shared good chain. Don't rely on its ``fetches`` count: other tests use it too."""
    return AlexaTestChain()


def envelope(request: dict | None = None, **kwargs) -> dict:
    """``skill.testing.envelope`` addressed to the test skill and user by default."""
    kwargs.setdefault("skill_id", "amzn1.ask.skill.test")
    kwargs.setdefault("user_id", "amzn1.ask.account.test")
    return testing.envelope(request, **kwargs)
