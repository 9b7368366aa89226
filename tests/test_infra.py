"""Production packaging: the Dockerfile, compose file, skill package and gunicorn settings.

No Docker engine runs here, so nothing is built; the Dockerfile is linted with hadolint and
the compose file is read as data. gunicorn and nginx run for real from the files in
``infra/`` and answer a signed request.
"""

from __future__ import annotations

import datetime
import gc
import http.client
import ipaddress
import json
import os
import re
import runpy
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from gunicorn.config import KNOWN_SETTINGS, Config

from tests.support.alexa_ca import AlexaTestChain, envelope
from tests.support.client import SKILL_ID
from tests.support.services import require

ROOT = Path(__file__).resolve().parent.parent
INFRA = ROOT / "infra"
BIN = Path(sys.executable).parent
LOCALES = {"en-US", "en-GB", "en-CA", "en-AU", "en-IN"}
EXAMPLE_PHRASES = [
    "Alexa, open hamstring coach",
    "Alexa, tell hamstring coach my hamstrings are tight",
    "Alexa, ask hamstring coach to start the foam roller release",
]


# --------------------------------------------------------------------------- Dockerfile


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]


def test_dockerfile_passes_hadolint():
    """Every hadolint rule, down to style, passes."""
    result = subprocess.run(
        [str(BIN / "hadolint"), "--no-color", "--failure-threshold", "style",
         str(INFRA / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_dockerfile_runs_gunicorn_as_a_user_with_a_healthcheck():
    steps = instructions(INFRA / "Dockerfile")
    assert steps[0] == ("FROM", "python:3.11-slim")
    users = [args for name, args in steps if name == "USER"]
    assert users and users[-1] not in ("0", "root")
    health = dict(steps)["HEALTHCHECK"]
    assert "/healthz" in health and "urllib.request" in health and "curl" not in health
    assert json.loads(dict(steps)["CMD"]) == [
        "gunicorn", "-c", "infra/gunicorn.conf.py", "skill:create_app()"]
    install = next(args for name, args in steps if name == "RUN" and "pip install" in args)
    assert "--constraint infra/constraints.txt" in install and "serve" in install


def test_the_build_context_sends_what_the_image_copies():
    """Each COPY source is let through Dockerfile.dockerignore (which ignores all else)."""
    allowed = {line.lstrip("!").rstrip("/")
               for line in (INFRA / "Dockerfile.dockerignore").read_text().splitlines()
               if line.startswith("!")}
    for name, args in instructions(INFRA / "Dockerfile"):
        if name == "COPY":
            for source in args.split()[:-1]:
                assert source.rstrip("/") in allowed, source
                assert (ROOT / source).exists(), source


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_constraints_pin_every_dependency_the_image_installs():
    """A dependency added to pyproject.toml without rerunning infra/pin.py fails here."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["serve"],
              *project["optional-dependencies"]["postgres"]]
    pinned = {normalized(line.split("==")[0])
              for line in (INFRA / "constraints.txt").read_text().splitlines()
              if "==" in line}
    missing = {normalized(re.match(r"[A-Za-z0-9_.-]+", spec).group()) for spec in wanted}
    assert missing - pinned == set()


# --------------------------------------------------------------------------- compose


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?error}`` substitution."""

    def value(match: re.Match) -> str:
        name, kind, rest = match.groups()
        if env.get(name):
            return env[name]
        if kind == "?":
            raise KeyError(f"{name}: {rest}")
        return rest if kind == "-" else ""

    return re.sub(r"\$\{(\w+)(?::([-?])([^}]*))?\}", value, text)


def compose(env: dict[str, str]) -> dict:
    return yaml.safe_load(interpolate((INFRA / "compose.yaml").read_text(), env))


def test_compose_runs_the_image_on_postgresql():
    data = compose({"POSTGRES_PASSWORD": "s3cret"})
    skill, db = data["services"]["skill"], data["services"]["db"]
    assert skill["image"] == "hamstring-coach:latest"
    assert (INFRA / skill["build"]["context"] / skill["build"]["dockerfile"]).resolve() == (
        INFRA / "Dockerfile")
    assert skill["ports"] == ["127.0.0.1:8000:8000"]
    env = skill["environment"]
    assert env["HAMSTRING_SKILL_ID"] == "amzn1.ask.skill.REPLACE-WITH-YOUR-SKILL-ID"
    database = urlsplit(env["HAMSTRING_DATABASE_URL"])
    assert database.scheme == "postgresql"
    assert (database.hostname, database.port) == ("db", 5432)
    assert (database.username, database.password) == (db["environment"]["POSTGRES_USER"],
                                                      db["environment"]["POSTGRES_PASSWORD"])
    assert database.path == "/" + db["environment"]["POSTGRES_DB"]
    assert skill["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "/readyz" in " ".join(skill["healthcheck"]["test"])
    assert db["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    [volume] = db["volumes"]
    name, mount = volume.split(":")
    assert mount == "/var/lib/postgresql/data" and name in data["volumes"]


def test_compose_needs_a_database_password_and_takes_the_skill_id():
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):
        compose({})
    data = compose({"POSTGRES_PASSWORD": "s3cret", "HAMSTRING_SKILL_ID": "amzn1.ask.skill.x"})
    assert data["services"]["skill"]["environment"]["HAMSTRING_SKILL_ID"] == "amzn1.ask.skill.x"


# --------------------------------------------------------------------------- skill package


def manifest() -> dict:
    return json.loads((INFRA / "skill-package" / "skill.json").read_text())["manifest"]


def test_manifest_publishes_in_five_locales_with_the_disclaimer():
    publishing = manifest()["publishingInformation"]
    assert set(publishing["locales"]) == LOCALES
    assert publishing["category"] == "HEALTH_AND_FITNESS"
    for locale in publishing["locales"].values():
        assert locale["name"] == "Hamstring Coach"
        assert "not a substitute for professional medical advice" in locale["description"]
        assert locale["examplePhrases"] == EXAMPLE_PHRASES
        assert locale["summary"] and locale["keywords"]


def test_manifest_privacy_and_endpoint():
    data = manifest()
    assert data["manifestVersion"] == "1.0"
    privacy = data["privacyAndCompliance"]
    assert privacy["usesPersonalInfo"] is False and privacy["containsAds"] is False
    assert privacy["isExportCompliant"] is True
    assert set(privacy["locales"]) == LOCALES
    assert all(p["privacyPolicyUrl"].startswith("https://") for p in privacy["locales"].values())
    endpoint = data["apis"]["custom"]["endpoint"]
    assert endpoint["uri"].startswith("https://") and endpoint["uri"].endswith("/alexa")
    assert endpoint["sslCertificateType"] in ("Trusted", "Wildcard")


def package(models: Path, target: Path) -> subprocess.CompletedProcess:
    """Run infra/package.py on a copy of the skill package in ``target``."""
    shutil.copytree(INFRA / "skill-package", target, ignore=shutil.ignore_patterns(
        "interactionModels"))
    return subprocess.run([sys.executable, str(INFRA / "package.py"), "--models", str(models),
                           "--package", str(target)], capture_output=True, text=True, timeout=60)


def write_models(folder: Path, locales: set[str]) -> None:
    folder.mkdir()
    for locale in locales:
        (folder / f"{locale}.json").write_text(json.dumps({"interactionModel": {
            "languageModel": {"invocationName": "hamstring coach", "intents": []}}}))


def test_package_copies_every_model(tmp_path):
    write_models(tmp_path / "models", LOCALES)
    result = package(tmp_path / "models", tmp_path / "pkg")
    assert result.returncode == 0, result.stderr
    copied = tmp_path / "pkg" / "interactionModels" / "custom"
    assert {p.stem for p in copied.glob("*.json")} == LOCALES
    assert (copied / "en-GB.json").read_bytes() == (tmp_path / "models/en-GB.json").read_bytes()


def test_package_fails_when_a_locale_has_no_model(tmp_path):
    write_models(tmp_path / "models", LOCALES - {"en-IN"})
    result = package(tmp_path / "models", tmp_path / "pkg")
    assert result.returncode == 1 and "no interaction model for en-IN" in result.stderr


def test_the_real_models_fit_the_manifest(tmp_path):
    """interaction_models/ has every manifest locale, invoked as the example phrases say."""
    result = package(ROOT / "interaction_models", tmp_path / "pkg")
    assert result.returncode == 0, result.stderr
    for path in (tmp_path / "pkg" / "interactionModels" / "custom").glob("*.json"):
        name = json.loads(path.read_text())["interactionModel"]["languageModel"][
            "invocationName"]
        assert all(name in phrase for phrase in EXAMPLE_PHRASES), path.name


# --------------------------------------------------------------------------- gunicorn


def test_gunicorn_conf_sets_only_real_settings():
    """gunicorn ignores unknown names silently, so a typo would go unnoticed."""
    with mock.patch.dict(os.environ):  # the file sets HAMSTRING_REQUEST_LOG
        for name in ("HOST", "PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS",
                     "HAMSTRING_REQUEST_LOG"):
            os.environ.pop(name, None)
        namespace = runpy.run_path(str(INFRA / "gunicorn.conf.py"))
        assert os.environ["HAMSTRING_REQUEST_LOG"] == "server"  # the access log has the fields
    known = {setting.name for setting in KNOWN_SETTINGS}
    chosen = {key: value for key, value in namespace.items()
              if not key.startswith("_") and not key.isupper()
              and type(value).__name__ != "module"}
    assert set(chosen) <= known, set(chosen) - known
    config = Config()
    for key, value in chosen.items():
        config.set(key, value)
    assert config.bind == ["127.0.0.1:8000"]
    assert config.workers == min(2 * os.cpu_count() + 1, 8)
    assert config.control_socket_disable is True
    assert config.worker_class_str == "gthread"
    assert config.logger_class.__name__ == "AccessLogger"
    try:
        config.post_worker_init(None)
        assert gc.get_freeze_count() > 0  # the collector leaves the built app alone
    finally:
        gc.unfreeze()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_ready(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"server exited with {process.returncode}"
        try:
            host, port = urlsplit(url).hostname, urlsplit(url).port
            connection = http.client.HTTPConnection(host, port, timeout=1)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not become ready in {seconds} s")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@dataclass
class Gunicorn:
    port: int
    chain: AlexaTestChain
    stdout: Path
    stderr: Path
    home: Path

    def post(self, data: dict, signed: bool = True) -> tuple[int, dict]:
        body = json.dumps(data).encode()
        headers = {"Content-Type": "application/json", **(self.chain.sign(body) if signed else {})}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request("POST", "/alexa", body, headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())

    def json_lines(self, path: Path) -> list[dict]:
        return [json.loads(line) for line in path.read_text().splitlines()
                if line.startswith("{")]


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """gunicorn started from infra/gunicorn.conf.py with two workers, verification on."""
    folder = tmp_path_factory.mktemp("gunicorn")
    chain = AlexaTestChain()
    (folder / "root.pem").write_bytes(chain.roots_pem)
    (folder / "chain.pem").write_bytes(chain.chain_pem)
    home = folder / "home"
    home.mkdir()
    port = free_port()
    env = {**os.environ, "PORT": str(port), "WEB_CONCURRENCY": "2", "PYTHONUNBUFFERED": "1",
           "HOME": str(home), "XDG_RUNTIME_DIR": str(home),
           "HAMSTRING_SKILL_ID": SKILL_ID,
           "HAMSTRING_TRUSTED_ROOTS": str(folder / "root.pem"),
           "HAMSTRING_TEST_CHAIN": str(folder / "chain.pem"),
           "HAMSTRING_DATABASE_URL": f"sqlite:///{folder / 'skill.db'}"}
    stdout, stderr = folder / "stdout.log", folder / "stderr.log"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(INFRA / "gunicorn.conf.py"),
             "tests.support.gunicorn_app:create_app()"],
            cwd=ROOT, env=env, stdout=out, stderr=err)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", process)
        yield Gunicorn(port, chain, stdout, stderr, home)
    finally:
        stop(process)


def test_gunicorn_serves_a_signed_request(gunicorn):
    status, body = gunicorn.post(envelope())
    assert status == 200
    assert "Welcome to Hamstring Coach" in body["response"]["outputSpeech"]["ssml"]
    status, body = gunicorn.post(envelope(), signed=False)
    assert (status, body) == (400, {"error": "missing SignatureCertChainUrl header"})
    assert not list(gunicorn.home.rglob("*.ctl")), "a control socket was created"


def test_gunicorn_logs_one_json_line_per_request(gunicorn):
    answered, refused = envelope(), envelope()
    assert gunicorn.post(answered)[0] == 200
    assert gunicorn.post(refused, signed=False)[0] == 400
    assert gunicorn.post({"version": "1.0"})[0] == 400
    time.sleep(0.2)
    access = {line.get("request_id"): line for line in gunicorn.json_lines(gunicorn.stdout)
              if line["path"] == "/alexa"}
    ok = access[answered["request"]["requestId"]]
    assert (ok["logger"], ok["level"], ok["message"]) == ("gunicorn.access", "INFO",
                                                           "POST /alexa 200")
    assert (ok["method"], ok["status"], ok["outcome"]) == ("POST", 200, "ok")
    assert (ok["request_type"], ok["intent"], ok["locale"]) == ("LaunchRequest", None, "en-US")
    assert ok["bytes"] > 0 and ok["query"] is None and ok["remote"] == "127.0.0.1"
    assert 0 < ok["latency_ms"] <= ok["duration_ms"] < 5000
    assert ok["time"].endswith("+00:00") and "reason" not in ok
    bad = access[refused["request"]["requestId"]]
    assert (bad["level"], bad["status"], bad["outcome"]) == ("WARNING", 400, "rejected")
    assert bad["reason"] == "missing SignatureCertChainUrl header"
    assert (access[None]["outcome"], access[None]["reason"]) == (
        "rejected", "envelope has no request object")
    stderr = gunicorn.stderr.read_text()
    assert "skill.requests" not in stderr  # the access line is the request's only line
    assert len(re.findall("Booting worker", stderr)) == 2


def test_the_dockerfile_healthcheck_command_works(gunicorn):
    """The image's HEALTHCHECK command, run as is, passes against a live server."""
    command = json.loads(dict(instructions(INFRA / "Dockerfile"))["HEALTHCHECK"].split(
        " CMD ", 1)[1])
    command[0] = sys.executable
    env = {**os.environ, "PORT": str(gunicorn.port)}
    assert subprocess.run(command, env=env, timeout=10).returncode == 0
    env["PORT"] = str(free_port())
    assert subprocess.run(command, env=env, timeout=10, capture_output=True).returncode != 0


# --------------------------------------------------------------------------- nginx


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for skill.example.com and 127.0.0.1, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "skill.example.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("skill.example.com"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def nginx_site(folder: Path, https_port: int, http_port: int, upstream: int) -> Path:
    """infra/nginx.conf with test ports and certificate, inside a minimal main config."""
    cert, key = self_signed(folder)
    site = (INFRA / "nginx.conf").read_text()
    for old, new in [("/etc/ssl/hamstring/fullchain.pem", str(cert)),
                     ("/etc/ssl/hamstring/privkey.pem", str(key)),
                     ("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};"),
                     ("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
                     ("listen 80;", f"listen 127.0.0.1:{http_port};")]:
        assert old in site, old
        site = site.replace(old, new)
    site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)
    (folder / "site.conf").write_text(site)
    temp = " ".join(f"{kind}_temp_path {folder / kind};"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = folder / "nginx.conf"
    main.write_text(f"daemon off; worker_processes 1; pid {folder / 'nginx.pid'};\n"
                    f"error_log {folder / 'error.log'} warn;\n"
                    "events { worker_connections 64; }\n"
                    f"http {{ access_log off; {temp} include {folder / 'site.conf'}; }}\n")
    return main


@dataclass
class Nginx:
    https_port: int
    http_port: int
    context: ssl.SSLContext

    def connect(self, timeout: float = 5) -> ssl.SSLSocket:
        """A TLS connection to nginx, as a raw socket (to send a request at any pace)."""
        raw = socket.create_connection(("127.0.0.1", self.https_port), timeout=timeout)
        return self.context.wrap_socket(raw, server_hostname="skill.example.com")


@pytest.fixture
def nginx(gunicorn, tmp_path):
    """infra/nginx.conf on test ports in front of the gunicorn fixture."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    require(Path(binary).exists(), "nginx")
    https_port, http_port = free_port(), free_port()
    main = nginx_site(tmp_path, https_port, http_port, gunicorn.port)
    check = subprocess.run([binary, "-t", "-p", str(tmp_path), "-c", str(main),
                            "-e", str(tmp_path / "error.log")],
                           capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([binary, "-p", str(tmp_path), "-c", str(main),
                                "-e", str(tmp_path / "error.log")])
    context = ssl.create_default_context(cafile=str(tmp_path / "fullchain.pem"))
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
            break
        except ConnectionRefusedError:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.1)
    try:
        yield Nginx(https_port, http_port, context)
    finally:
        stop(process)


def test_nginx_terminates_tls_in_front_of_gunicorn(gunicorn, nginx):
    """infra/nginx.conf, on test ports, passes a signed request over HTTPS to gunicorn."""
    https_port, http_port = nginx.https_port, nginx.http_port
    body = json.dumps(envelope()).encode()
    connection = http.client.HTTPSConnection("127.0.0.1", https_port, context=nginx.context,
                                             timeout=5)
    connection.request("POST", "/alexa", body, gunicorn.chain.sign(body))
    response = connection.getresponse()
    assert response.status == 200, response.read()
    assert "Welcome to Hamstring Coach" in response.read().decode()
    assert connection.sock.version() in ("TLSv1.2", "TLSv1.3")
    connection.request("GET", "/readyz")
    assert connection.getresponse().status == 404  # probes stay on the host
    plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=5)
    plain.request("POST", "/alexa", body)
    assert plain.getresponse().status == 301


def trickle(socks: list[socket.socket], body: bytes, seconds: float) -> None:
    """Send ``body`` on every one of ``socks`` at once, spread evenly over ``seconds``."""
    pieces = 10
    step = max(1, len(body) // pieces)
    for start in range(0, len(body), step):
        time.sleep(seconds / pieces)
        for sock in socks:
            sock.sendall(body[start:start + step])


def request_head(body: bytes, headers: dict[str, str], length: int | None = None) -> bytes:
    lines = ["POST /alexa HTTP/1.1", "Host: skill.example.com",
             "Content-Type: application/json", f"Content-Length: {length or len(body)}",
             *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_status(sock: socket.socket) -> int | None:
    """The status of the answer on ``sock``, or ``None`` if it was closed without one."""
    data = b""
    while b"\r\n" not in data:
        piece = sock.recv(4096)
        if not piece:
            return None
        data += piece
    return int(data.split(b" ", 2)[1])


def test_nginx_buffers_slow_request_bodies_so_workers_stay_free(gunicorn, nginx):
    """The audit: two connections trickling their bodies blocked a two-worker gunicorn for
    12 s. Through nginx, with more tricklers than workers, a normal request is answered at
    once, and each trickled request reaches gunicorn whole: its own time there is short."""
    body = json.dumps(envelope()).encode()
    slow = []
    for _ in range(4):  # twice as many as gunicorn has workers
        sock = nginx.connect(timeout=15)
        sock.sendall(request_head(body, gunicorn.chain.sign(body)) + body[:10])
        slow.append(sock)
    try:
        started = time.monotonic()
        connection = http.client.HTTPSConnection("127.0.0.1", nginx.https_port,
                                                 context=nginx.context, timeout=10)
        connection.request("POST", "/alexa", body, gunicorn.chain.sign(body))
        assert connection.getresponse().status == 200
        assert time.monotonic() - started < 3  # the tricklers hold no worker
        before = len(gunicorn.json_lines(gunicorn.stdout))
        # The rest of each body over 4 s (each pause under client_body_timeout): answered,
        # after the whole body reached nginx.
        trickle(slow, body[10:], 4.0)
        assert [read_status(sock) for sock in slow] == [200] * 4
    finally:
        for sock in slow:
            sock.close()
    deadline = time.monotonic() + 10
    while True:  # the access log is written after each answer
        lines = gunicorn.json_lines(gunicorn.stdout)[before:]
        alexa = [line for line in lines if line.get("path") == "/alexa"]
        if len(alexa) >= 4 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert len(alexa) == 4, lines
    assert all(line["duration_ms"] < 2000 for line in alexa), alexa  # not the 4 s it took


def test_nginx_refuses_oversized_and_stalled_bodies_itself(gunicorn, nginx):
    before = len(gunicorn.json_lines(gunicorn.stdout))
    big = nginx.connect()
    big.sendall(request_head(b"", {}, length=300 * 1024))
    assert read_status(big) == 413
    big.close()
    stalled = nginx.connect(timeout=15)
    stalled.sendall(request_head(b"", {}, length=1000) + b'{"version": "1.0"')
    started = time.monotonic()
    assert read_status(stalled) in (None, 408)  # client_body_timeout: closed, no worker used
    assert 4 <= time.monotonic() - started < 12
    stalled.close()
    lines = gunicorn.json_lines(gunicorn.stdout)[before:]
    assert not [line for line in lines if line.get("path") == "/alexa"]
