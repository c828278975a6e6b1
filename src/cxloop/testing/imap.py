"""A real IMAP server for tests: a private Dovecot on a free local port, with users and mail.

    def test_mail_is_read(imap_server, ...):
        imap_server.add_user("support@shop.test", "secret")
        uid = imap_server.append("support@shop.test", raw_bytes)      # IMAP APPEND to INBOX
        imap_server.reset_uidvalidity("support@shop.test")            # the server rebuilt its index
        ...                                                           # code under test connects to
        imap_server.host, imap_server.port (plain) or imap_server.ssl_port (SSL, self-signed)

Each server runs Debian's `dovecot` (package dovecot-imapd, installed by `make test`) as a
foreground subprocess with a configuration generated in a temporary directory: maildirs,
a passwd-file of users with plain passwords, its own sockets and logs. Nothing touches the
system's Dovecot service or /etc. Run as root, Dovecot drops to its `dovecot` user for
mail; otherwise it runs as the current user.
"""

import datetime
import getpass
import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from cxloop.testing.apiserver import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {internal_user}
default_login_user = {login_user}
first_valid_uid = 1
auth_mechanisms = plain login
disable_plaintext_auth = no
mail_location = maildir:{root}/mail/%u
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
  default_fields = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot = {chroot}
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot = {chroot}
}}
"""


def make_certificate(directory: Path, host: str = "127.0.0.1") -> None:
    """Write a self-signed certificate for `host` (cert.pem, key.pem)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (directory / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )


class ImapServer:
    """A private Dovecot; `host`, `port` (plain, STARTTLS offered) and `ssl_port` (implicit TLS)."""

    host = "127.0.0.1"

    def __init__(self, extra_config: str = ""):
        self.root = Path(tempfile.mkdtemp(prefix="cxloop-dovecot-"))
        # Dovecot's own users must reach their maildirs: the directory is not private to root.
        self.root.chmod(0o755)
        self.port = free_port()
        self.ssl_port = free_port()
        self.users: dict[str, str] = {}
        self.process: subprocess.Popen | None = None
        if os.geteuid() == 0:
            mail_user = pwd.getpwnam("dovecot")
            self._owner = (mail_user.pw_uid, mail_user.pw_gid)
            users = {"internal_user": "dovecot", "login_user": "dovenull", "chroot": "login"}
        else:
            self._owner = (os.getuid(), os.getgid())
            me = getpass.getuser()
            users = {"internal_user": me, "login_user": me, "chroot": ""}
        for name in ("run", "state", "mail", "home"):
            (self.root / name).mkdir()
        for name in ("mail", "home"):
            os.chown(self.root / name, *self._owner)
        make_certificate(self.root)
        (self.root / "users").write_text("")
        (self.root / "dovecot.conf").write_text(
            CONFIG.format(
                root=self.root, port=self.port, ssl_port=self.ssl_port,
                uid=self._owner[0], gid=self._owner[1], **users,
            ) + extra_config
        )  # fmt: skip

    @property
    def certificate(self) -> Path:
        return self.root / "cert.pem"

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's self-signed certificate (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.certificate))

    def start(self) -> "ImapServer":
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection((self.host, self.port), timeout=1).close()
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"dovecot did not start:\n{self.log()}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        ended = self.process is not None and self.process.poll() is not None
        stderr = self.process.stderr.read().decode() if ended else ""
        return (path.read_text(errors="replace") if path.exists() else "") + stderr

    def add_user(self, username: str, password: str) -> None:
        """Create a user (their INBOX appears when first used); passwords are stored plain."""
        self.users[username] = password
        lines = "".join(f"{name}:{{PLAIN}}{secret}::::::\n" for name, secret in self.users.items())
        (self.root / "users").write_text(lines)

    def client(self, username: str) -> imaplib.IMAP4:
        connection = imaplib.IMAP4(self.host, self.port, timeout=30)
        # AUTHENTICATE PLAIN: LOGIN in imaplib takes ASCII only, and passwords need not be ASCII.
        secret = f"\0{username}\0{self.users[username]}".encode()
        connection.authenticate("PLAIN", lambda _challenge: secret)
        return connection

    def append(self, username: str, raw: bytes, folder: str = "INBOX") -> int:
        """APPEND a message to the user's folder; return its UID."""
        connection = self.client(username)
        try:
            connection.create(folder)  # "already exists" for INBOX and after the first time: harmless
            typ, data = connection.append(folder, None, None, raw)
            assert typ == "OK", data
            # Dovecot answers [APPENDUID <uidvalidity> <uid>]
            return int(data[0].decode().split("APPENDUID ")[1].split()[1].rstrip("]"))
        finally:
            connection.logout()

    def append_many(self, username: str, raws: list[bytes], folder: str = "INBOX") -> None:
        """APPEND many messages over one connection."""
        connection = self.client(username)
        try:
            for raw in raws:
                typ, data = connection.append(folder, None, None, raw)
                assert typ == "OK", data
        finally:
            connection.logout()

    def uidvalidity(self, username: str, folder: str = "INBOX") -> int:
        connection = self.client(username)
        try:
            typ, data = connection.status(folder, "(UIDVALIDITY)")
            return int(data[0].decode().split("UIDVALIDITY ")[1].rstrip(")"))
        finally:
            connection.logout()

    def reset_uidvalidity(self, username: str) -> None:
        """Make the server forget its UIDs, as after a rebuilt index or a moved mailbox.

        The INBOX keeps its messages, numbered again from 1 under a new UIDVALIDITY.
        """
        before = self.uidvalidity(username)
        maildir = self.root / "mail" / username
        for path in maildir.glob("dovecot*"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        while int(time.time()) <= before:  # Dovecot takes the clock's second as the new UIDVALIDITY
            time.sleep(0.1)
        after = self.uidvalidity(username)
        assert after != before, (before, after)


@pytest.fixture
def imap_server():
    """A private Dovecot IMAP server for the test; stopped and removed afterwards."""
    server = ImapServer().start()
    try:
        yield server
    finally:
        server.stop()
