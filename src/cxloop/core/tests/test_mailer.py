"""One SMTP connection per worker, kept open between messages, against a real SMTP server."""

import smtplib
import socket

import pytest
from django.core.mail import EmailMessage

from cxloop.core import mailer


@pytest.fixture(autouse=True)
def no_connection_left():
    mailer.close()
    yield
    mailer.close()


def message(n: int) -> EmailMessage:
    return EmailMessage(f"Message {n}", "Body", "shop@example.com", [f"c{n}@example.com"])


def test_messages_share_one_connection(smtp_server):
    for n in range(5):
        mailer.send(message(n))

    assert [m["Subject"] for m in smtp_server.messages] == [f"Message {n}" for n in range(5)]
    assert smtp_server.greetings == 1


def test_a_connection_the_server_dropped_is_replaced_before_anything_is_sent(smtp_server, monkeypatch):
    mailer.send(message(1))
    # the idle connection was dropped (as a server's idle timeout or the network would)
    mailer._local.connection.connection.sock.shutdown(socket.SHUT_RDWR)
    monkeypatch.setattr(mailer, "CHECK_AFTER", 0.0)

    mailer.send(message(2))

    assert [m["Subject"] for m in smtp_server.messages] == ["Message 1", "Message 2"]
    assert smtp_server.greetings == 2


def test_after_a_refusal_the_error_is_raised_and_the_next_message_opens_a_new_connection(smtp_server):
    smtp_server.refuse_next(1, code=451, text="4.3.0 Try again later", after=1)
    mailer.send(message(1))

    with pytest.raises(smtplib.SMTPDataError):
        mailer.send(message(2))
    mailer.send(message(3))

    assert [m["Subject"] for m in smtp_server.messages] == ["Message 1", "Message 3"]
    assert smtp_server.greetings == 2


def test_new_email_settings_get_a_new_connection(smtp_server, settings):
    mailer.send(message(1))
    from cxloop.testing.smtp import SmtpServer

    other = SmtpServer().start()
    try:
        settings.EMAIL_PORT = other.port
        mailer.send(message(2))
    finally:
        other.stop()

    assert [m["Subject"] for m in smtp_server.messages] == ["Message 1"]
    assert [m["Subject"] for m in other.messages] == ["Message 2"]
