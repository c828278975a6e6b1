"""A real SMTP server for tests: aiosmtpd on a free local port, keeping what it receives.

    def test_invitation_is_sent(smtp_server, ...):
        smtp_server.refuse_next(1, code=451)      # the next message gets "451 ..." after DATA
        smtp_server.refuse_next(1, code=550, stage="rcpt")   # ... or its recipient is refused
        smtp_server.hold_next()                    # the next message waits at the end of DATA, no reply
        smtp_server.held.wait(timeout=30)          # ... until a client is there (then kill it)
        ...                                        # Django's SMTP backend talks to it
        [message] = smtp_server.messages          # email.message.EmailMessage, parsed
        assert message["Subject"] == "..."

The `smtp_server` fixture points Django's SMTP backend at the server for the
test (EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT) and stops it afterwards. The
server runs in its own thread, so code under test talks to it over a real
socket exactly as it would to a mail relay.
"""

import asyncio
import email
import email.policy
import logging
import threading
from dataclasses import dataclass
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from cxloop.core import mailer


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)


class _FreePortController(Controller):
    """Binds port 0 and learns the port the system chose (no race on a guessed free port)."""

    def _create_server(self):
        return self._bind()

    async def _bind(self):
        server = await self.loop.create_server(self._factory_invoker, host=self.hostname, port=0)
        self.port = server.sockets[0].getsockname()[1]
        return server


class SmtpServer:
    """The received messages and the refusals still to give; safe to read while the server runs."""

    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self._received: list[Received] = []
        self._refusals: dict[str, list[str]] = {"rcpt": [], "data": []}
        self._greetings = 0
        self._holds = 0
        self._released = threading.Event()
        self.held = threading.Event()
        self._lock = threading.Lock()
        self._controller = _FreePortController(self, hostname=host)

    @property
    def port(self) -> int:
        return self._controller.port

    def start(self) -> "SmtpServer":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def refuse_next(
        self,
        count: int = 1,
        *,
        code: int = 451,
        text: str = "4.3.0 Try again later",
        stage: str = "data",
        after: int = 0,
    ) -> None:
        """Refuse the next `count` messages with `code text`: at the end of DATA, or at RCPT TO.

        With `after`, that many messages (or recipients) are accepted first.
        """
        if not 400 <= code <= 599:
            raise ValueError("a refusal is a 4xx or 5xx reply")
        if stage not in self._refusals:
            raise ValueError("stage is 'rcpt' or 'data'")
        with self._lock:
            self._refusals[stage].extend([None] * after + [f"{code} {text}"] * count)

    def hold_next(self) -> None:
        """Hold the next message at the end of DATA without replying, until `release_held()`.

        The client has handed the message over and waits for "250": the moment
        where killing the sender leaves it unknown whether the mail went out.
        A held message is never counted as received (it never got its "250").
        `held` is set once a message is being held.
        """
        with self._lock:
            self._holds += 1
        self._released.clear()

    def release_held(self) -> None:
        """Let a held message go: it is answered with a 451 and not kept."""
        self._released.set()

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    @property
    def messages(self) -> list[EmailMessage]:
        return [item.message for item in self.received]

    @property
    def greetings(self) -> int:
        """How many EHLO/HELO greetings the server got: one per connection a client opened."""
        with self._lock:
            return self._greetings

    def clear(self) -> None:
        with self._lock:
            self._received.clear()
            for refusals in self._refusals.values():
                refusals.clear()

    # aiosmtpd's hooks: the return value is the server's reply.

    async def handle_EHLO(self, server, session, envelope, hostname, responses) -> list[str]:  # noqa: N802
        with self._lock:
            self._greetings += 1
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server, session, envelope, hostname) -> str:  # noqa: N802
        with self._lock:
            self._greetings += 1
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: N802
        with self._lock:
            if self._refusals["rcpt"] and (refusal := self._refusals["rcpt"].pop(0)):
                return refusal
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        with self._lock:
            hold, self._holds = self._holds > 0, max(self._holds - 1, 0)
        if hold:
            self.held.set()
            while not self._released.is_set():
                await asyncio.sleep(0.01)
            return "451 4.3.0 Not kept"
        with self._lock:
            if self._refusals["data"] and (refusal := self._refusals["data"].pop(0)):
                return refusal
            self._received.append(
                Received(
                    mail_from=envelope.mail_from,
                    rcpt_tos=list(envelope.rcpt_tos),
                    raw=bytes(envelope.original_content or envelope.content),
                )
            )
        return "250 2.0.0 OK: queued"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server for this test, with Django's SMTP backend pointed at it."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    mailer.close()  # a worker's kept connection belongs to an earlier test's server
    try:
        yield server
    finally:
        mailer.close()
        server.release_held()
        server.stop()
