"""Start the real test identity providers as subprocesses on free ports, with keys and
certificates made for the run (cryptography)."""

from __future__ import annotations

import datetime
import json
import selectors
import subprocess
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ods_platform.testing import free_port

HERE = Path(__file__).resolve().parent


def key_and_certificate(common_name: str) -> tuple[str, str]:
    """A fresh RSA key and a self-signed certificate for it, both PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM).decode()


class _Process:
    script = ""

    def __init__(self, directory: Path, config: dict) -> None:
        self.directory = directory
        self.port = config["port"]
        self.config_path = directory / "config.json"
        self.config_path.write_text(json.dumps(config))
        self.log_path = directory / "log.txt"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / self.script), str(self.config_path)],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        assert self.proc.stdout is not None
        with selectors.DefaultSelector() as waiting:
            waiting.register(self.proc.stdout, selectors.EVENT_READ)
            started = waiting.select(timeout=60)
        line = self.proc.stdout.readline() if started else ""
        if line.strip() != "ready":
            self.stop()
            raise RuntimeError(f"{self.script} did not start: {self.log_path.read_text()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text()


class OidcProvider(_Process):
    """django-oidc-provider as a Django project of its own (SQLite)."""

    script = "run_oidc_provider.py"

    def __init__(self, directory: Path, redirect_uris: list[str], people: dict) -> None:
        key_pem, _certificate = key_and_certificate("Test OpenID Connect provider")
        (directory / "key.pem").write_text(key_pem)
        (directory / "people.json").write_text(json.dumps(people))
        self.client_id = "ods-plattformen"
        self.client_secret = "test-only-secret-" + directory.name
        port = free_port()
        super().__init__(
            directory,
            {
                "port": port,
                "database": str(directory / "op.sqlite3"),
                "key": str(directory / "key.pem"),
                "people": str(directory / "people.json"),
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "redirect_uris": redirect_uris,
            },
        )
        self.server_url = f"http://127.0.0.1:{port}/openid"


class SamlIdentityProvider(_Process):
    """pysaml2's IdP server behind a small WSGI app."""

    script = "run_saml_idp.py"

    def __init__(self, directory: Path, sp_metadata_url: str, people: dict) -> None:
        key_pem, cert_pem = key_and_certificate("Test SAML identity provider")
        (directory / "key.pem").write_text(key_pem)
        (directory / "cert.pem").write_text(cert_pem)
        port = free_port()
        super().__init__(
            directory,
            {
                "port": port,
                "key": str(directory / "key.pem"),
                "cert": str(directory / "cert.pem"),
                "sp_metadata_url": sp_metadata_url,
                "people": people,
            },
        )
        self.entity_id = f"http://127.0.0.1:{port}/metadata"
        self.sso_url = f"http://127.0.0.1:{port}/sso/redirect"
        self.certificate = "".join(
            line for line in cert_pem.splitlines() if "CERTIFICATE" not in line
        )
