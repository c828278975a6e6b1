"""A stand-in for Amazon SNS's signing: a local RSA key and certificate, served from 127.0.0.1.

    signer = shared_local_sns()
    message = signer.sign({"Type": "Notification", "Message": ...})  # adds Signature, SigningCertURL
    settings.CXLOOP_SES_SIGNING_CERT_URL = signer.url_pattern       # what the `local_sns` fixture sets

The certificate is served by a real HTTP server on a free local port, so the
verifier (helpdesk/sns.py) fetches it as it fetches Amazon's; nothing leaves the machine.
"""

import base64
import datetime as dt
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID


def make_certificate(key, *, days: int = 30) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.local.test")])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )


class LocalSns:
    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pem = make_certificate(self.key).public_bytes(serialization.Encoding.PEM)
        self.fetches = 0
        self.server = None

    def start(self) -> "LocalSns":
        sns = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                sns.fetches += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/x-pem-file")
                self.end_headers()
                self.wfile.write(sns.pem)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def cert_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/SimpleNotificationService-local.pem"

    @property
    def url_pattern(self) -> str:
        return re.escape(f"http://127.0.0.1:{self.server.server_port}/") + r"[^?#]+\.pem"

    def sign(self, message: dict, *, version: str = "1", key=None) -> dict:
        from cxloop.helpdesk.sns import string_to_sign

        message = {**message, "SignatureVersion": version, "SigningCertURL": self.cert_url}
        algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
        signature = (key or self.key).sign(string_to_sign(message), padding.PKCS1v15(), algorithm)
        return {**message, "Signature": base64.b64encode(signature).decode()}


_shared: LocalSns | None = None


def shared_local_sns() -> LocalSns:
    """One local signer per test process (making an RSA key takes a moment)."""
    global _shared
    if _shared is None:
        _shared = LocalSns().start()
    return _shared


@pytest.fixture
def local_sns(settings):
    """SNS signatures made here and checked against the certificate served from 127.0.0.1."""
    from cxloop.helpdesk import sns

    signer = shared_local_sns()
    settings.CXLOOP_SES_SIGNING_CERT_URL = signer.url_pattern
    sns._certificates.clear()
    return signer
