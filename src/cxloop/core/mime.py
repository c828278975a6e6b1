"""A plain text + HTML email serialised in one pass, for mail sent in bulk.

    email = TwoPartEmail(subject="Re: Parcel", text="...", html="<p>...</p>",
                         from_email="Shop <help@shop.example>", to=["ania@example.pl"],
                         reply_to=["reply+1.ab@in.example"], headers={"Message-ID": "<...>"})
    mailer.send(email)        # over SMTP: the bytes of email.smtp_envelope()

A TwoPartEmail is an EmailMultiAlternatives: every mail backend takes it.
Over Django's own SMTP backend, `core.mailer` sends the bytes built here
instead of letting Django build the message: Django builds a tree of MIME
objects, parses each address with the standard library's header parser and
folds every header again while writing, which cost more CPU than the rest
of a help-desk reply together (measured, docs/benchmarks.md). The bytes are
the message Django would send: the same headers in the same order, the same
two parts (each "text/...; charset=utf-8", 7bit or 8bit, or quoted-printable
when a line passes RFC 5322's 998 bytes), CRLF line ends; only long headers
may fold at other spaces.

What this path does not handle goes through Django's as usual
(`smtp_envelope` answers None): an address or header other than the
subject that is not ASCII, a line break in a header, cc, bcc, attachments,
or From, To, Reply-To or Date given as extra headers.
"""

import random
import re
import sys
from email.header import Header
from email.utils import formatdate, make_msgid, parseaddr
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, utf8_charset_qp
from django.core.mail.utils import DNS_NAME

FOLD_AT = 78  # RFC 5322's recommended line length; lines never pass 998
_LINE_END = re.compile(r"\r\n|\r|\n")  # what the standard library's generator turns into CRLF
_SET_BY_THIS_PATH = {"from", "to", "cc", "reply-to", "date"}


class TwoPartEmail(EmailMultiAlternatives):
    """A plain text body with its HTML alternative; see the module docstring."""

    def __init__(self, *, subject: str, text: str, html: str, from_email: str, to: list[str],
                 reply_to: list[str], headers: dict[str, str]):  # fmt: skip
        super().__init__(
            subject=subject, body=text, from_email=from_email, to=to, reply_to=reply_to, headers=headers
        )
        self.attach_alternative(html, "text/html")

    def smtp_envelope(self) -> tuple[str, list[str], bytes] | None:
        """(MAIL FROM, RCPT TO, the message's bytes), or None when Django must build this message."""
        if self.cc or self.bcc or self.attachments or not self.body or not self.to:
            return None
        if len(self.alternatives) != 1 or self.alternatives[0].mimetype != "text/html":
            return None
        if any(name.lower() in _SET_BY_THIS_PATH for name in self.extra_headers):
            return None
        sender = _address(self.from_email)
        addresses = [self.from_email, sender, *self.to, *self.reply_to]
        if not sender or not all(_is_plain_ascii(str(value)) for value in addresses):
            return None
        try:
            raw = self._serialise()
        except _NotThisPath:
            return None
        return sender, list(self.to), raw

    def _serialise(self) -> bytes:
        text, html = self.body, self.alternatives[0].content
        boundary = _boundary(text, html)
        headers = [
            f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"',
            "MIME-Version: 1.0",
            _subject_header(str(self.subject)),
            _header("From", self.from_email),
            _header("To", ", ".join(self.to)),
        ]
        if self.reply_to:
            headers.append(_header("Reply-To", ", ".join(self.reply_to)))
        headers.append(_header("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)))
        if "message-id" not in {name.lower() for name in self.extra_headers}:
            headers.append(_header("Message-ID", make_msgid(domain=DNS_NAME)))
        headers.extend(_header(name, str(value)) for name, value in self.extra_headers.items())
        message = "\r\n".join((
            *headers, "", f"--{boundary}", _part(text, "plain"), f"--{boundary}", _part(html, "html"),
            f"--{boundary}--", "",
        ))  # fmt: skip
        try:
            return message.encode("utf-8")
        except UnicodeEncodeError as error:  # a lone surrogate: Django's path decides what to do
            raise _NotThisPath from error


class _NotThisPath(Exception):
    pass


@lru_cache(maxsize=256)
def _address(from_email: str) -> str:
    """The address in a From value (a store's: the same for every reply it sends)."""
    return parseaddr(from_email)[1]


def _is_plain_ascii(value: str) -> bool:
    return value.isascii() and "\r" not in value and "\n" not in value


def _boundary(*bodies: str) -> str:
    """A boundary as the standard library makes them, found in neither body."""
    while True:
        boundary = "=" * 15 + f"{random.randrange(sys.maxsize):019d}" + "=="
        if not any(boundary in body for body in bodies):
            return boundary


def _header(name: str, value: str) -> str:
    """`Name: value` folded at spaces to FOLD_AT characters where it can be (ASCII values only)."""
    if not _is_plain_ascii(value):
        raise _NotThisPath
    words = value.split(" ")
    lines = [f"{name}: {words[0]}"]
    for word in words[1:]:
        if len(lines[-1]) + 1 + len(word) > FOLD_AT and lines[-1].strip():
            lines.append(f" {word}")
        else:
            lines[-1] += f" {word}"
    if any(len(line) > RFC5322_EMAIL_LINE_LENGTH_LIMIT or not line.strip() for line in lines):
        raise _NotThisPath
    return "\r\n".join(lines)


def _subject_header(subject: str) -> str:
    if subject.isascii():
        return _header("Subject", subject)
    if "\r" in subject or "\n" in subject:
        raise _NotThisPath  # Django refuses it (BadHeaderError)
    return "Subject: " + Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n")


def _part(content: str, subtype: str) -> str:
    """One body part as Django's SafeMIMEText writes it: 8bit UTF-8, quoted-printable for long lines."""
    if any(len(line.encode(errors="surrogateescape")) > RFC5322_EMAIL_LINE_LENGTH_LIMIT
           for line in content.splitlines()):  # fmt: skip
        encoding, body = "quoted-printable", utf8_charset_qp.body_encode(content)
    else:
        encoding, body = ("7bit" if content.isascii() else "8bit"), content
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n{_LINE_END.sub(chr(13) + chr(10), body)}"
    )
