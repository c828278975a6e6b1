"""Parse the raw bytes of an inbound support mail into a `ParsedEmail` the help desk can store.

`parse_email` is the one door: it takes whatever arrived (from IMAP, a
provider's inbound webhook or a test) and returns decoded, size-capped,
sanitised fields, or raises `MailRefused` with a reason a person can read.
It never raises anything else, whatever the bytes:

    >>> mail = parse_email(raw_bytes)
    >>> mail.from_email, mail.subject, mail.reply_text
    ('jan@example.pl', 'Zamówienie 1042', 'Paczka jeszcze nie dotarła.')
    >>> mail.in_reply_to, mail.auto_submitted, mail.problems
    (['<reply-7@shop.example>'], False, [])

The standard library parses the MIME structure with ``policy.default``; if
that trips on a broken header, the same reading runs again on the
``compat32`` policy, which keeps values raw. Header values are decoded by
`headers`, bodies by `body` and `charsets`, HTML by `sanitize`, the reply by
`quotes` and the noise flags by `noise`. Everything repaired or dropped along
the way is listed in ``problems``.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

from django.utils.translation import gettext as _

from . import headers as h
from .body import ParsedAttachment, read_body
from .noise import is_auto_submitted, is_bounce
from .quotes import split_reply
from .sanitize import MAX_NESTING, html_to_text, nesting_depth, sanitize_html

MAX_SUBJECT_CHARS = 998
MAX_ADDRESSES = 50
MAX_HEADER_DISPLAY_CHARS = 500
IDENTIFYING_HEADERS = (
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "received",
    "return-path",
    "sender",
)
DISPLAYED_HEADERS = (
    "Date", "From", "Sender", "Reply-To", "To", "Cc", "Subject", "Message-ID", "In-Reply-To",
    "Return-Path", "Auto-Submitted", "Precedence", "X-Autoreply", "X-Auto-Response-Suppress",
    "List-Id", "X-Mailer", "User-Agent", "Content-Type",
)  # fmt: skip


@dataclass(frozen=True)
class ParsedEmail:
    """The fields of an inbound mail, decoded and capped.

    Addresses are lower case ("" when unparseable); message ids are "<id@domain>"
    ("" when missing). ``html`` is already sanitised and safe to show; ``text``
    is the plain-text body (derived from the HTML when there was none), and
    ``reply_text`` the part of it the sender just wrote. ``problems`` are short
    diagnostic notes in English, for the staff who debug a mail, like log lines.
    """

    message_id: str
    in_reply_to: list[str]
    references: list[str]
    from_name: str
    from_email: str
    reply_to: str  # the first Reply-To address, lower case
    to: list[str]  # at most MAX_ADDRESSES
    cc: list[str]
    subject: str  # one line, at most MAX_SUBJECT_CHARS
    date: datetime | None  # aware; a date without a zone is taken as UTC
    text: str  # at most 1,000,000 characters
    html: str
    reply_text: str
    attachments: list[ParsedAttachment]  # at most 100, each within max_attachment_bytes
    auto_submitted: bool  # sent by a machine: answer it with nothing automatic (see noise.py)
    bounce: bool  # a delivery failure report
    headers: dict[str, str]  # DISPLAYED_HEADERS that were present, decoded, one line each
    problems: list[str]


class MailRefused(ValueError):
    """The bytes cannot be taken as a mail; the message says why, in words for a person."""


def parse_email(
    raw: bytes, *, max_bytes: int = 30 * 1024 * 1024, max_attachment_bytes: int = 20 * 1024 * 1024
) -> ParsedEmail:
    """Parse one inbound mail; raise MailRefused (and nothing else) when it cannot be taken."""
    raw = _check_size(raw, max_bytes)
    raw, repaired = _remove_header_nuls(raw)
    failure: BaseException | None = None
    for parsing_policy in (policy.default, policy.compat32):
        try:
            message = BytesParser(policy=parsing_policy).parsebytes(raw)
            _check_is_mail(message)
            parsed = _read_message(message, max_attachment_bytes)
            if failure is not None:
                parsed.problems.insert(0, f"strict parsing failed ({type(failure).__name__}), read leniently")
            if repaired:
                parsed.problems.insert(0, "NUL bytes removed from the headers")
            return parsed
        except MailRefused:
            raise
        except RecursionError:
            raise MailRefused(_("The message is nested too deeply to be read.")) from None
        except Exception as error:  # a bug in the strict header parser: the lenient policy tries next
            failure = error
    raise MailRefused(
        _("The message could not be read as an email (%(error)s).") % {"error": type(failure).__name__}
    )


def _check_size(raw: bytes, max_bytes: int) -> bytes:
    if isinstance(raw, bytearray | memoryview):
        raw = bytes(raw)
    if not isinstance(raw, bytes):
        raise MailRefused(_("An email must be given as bytes."))
    if len(raw) > max_bytes:
        raise MailRefused(
            _("The message is %(size)d bytes, over the limit of %(limit)d bytes.")
            % {"size": len(raw), "limit": max_bytes}
        )
    if not raw.strip():
        raise MailRefused(_("The message is empty."))
    return raw


def _remove_header_nuls(raw: bytes) -> tuple[bytes, bool]:
    """Drop NUL bytes from the header section; the body keeps its bytes (binary parts may need them)."""
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=len(raw))
    if b"\x00" not in raw[:end]:
        return raw, False
    return raw[:end].replace(b"\x00", b"") + raw[end:], True


def _check_is_mail(message: Message) -> None:
    names = {str(name).lower() for name, _value in message.raw_items()}
    if not names & set(IDENTIFYING_HEADERS):
        raise MailRefused(_("This is not an email: it has none of the headers From, To, Subject or Date."))


def _read_message(message: Message, max_attachment_bytes: int) -> ParsedEmail:
    problems: list[str] = []
    body = read_body(message, max_attachment_bytes=max_attachment_bytes)
    hint = body.charset
    problems.extend(body.problems)
    from_name, from_email = h.single_address(h.raw_header(message, "from"), hint)
    subject = _subject(message, hint, problems)
    html = "\n".join(body.html)
    text = "\n\n".join(body.plain) if body.plain else html_to_text(html)
    reply, history = split_reply(text)
    return ParsedEmail(
        message_id=h.message_id(h.raw_header(message, "message-id")),
        in_reply_to=h.message_ids(h.raw_header(message, "in-reply-to")),
        references=h.message_ids(" ".join(h.raw_headers(message, "references"))),
        from_name=from_name,
        from_email=from_email,
        reply_to=h.single_address(h.raw_header(message, "reply-to"), hint)[1],
        to=_addresses(message, "to", hint, problems),
        cc=_addresses(message, "cc", hint, problems),
        subject=subject,
        date=_date(message, problems),
        text=text,
        html=_sanitized(html, problems),
        reply_text=reply,
        attachments=body.attachments,
        auto_submitted=is_auto_submitted(message, subject),
        bounce=is_bounce(message, from_email),
        headers=_displayed_headers(message, hint),
        problems=problems,
    )


def _sanitized(html: str, problems: list[str]) -> str:
    if not html:
        return ""
    if nesting_depth(html) > MAX_NESTING:
        problems.append(f"HTML nested deeper than {MAX_NESTING} levels, shown as text")
    return sanitize_html(html)


def _subject(message: Message, hint: str | None, problems: list[str]) -> str:
    decoded = h.decode_header_value(h.raw_header(message, "subject") or "", hint)
    subject = h.one_line(decoded, MAX_SUBJECT_CHARS + 1)
    if len(subject) > MAX_SUBJECT_CHARS:
        problems.append(f"subject cut to {MAX_SUBJECT_CHARS} characters")
        subject = subject[:MAX_SUBJECT_CHARS]
    return subject


def _addresses(message: Message, name: str, hint: str | None, problems: list[str]) -> list[str]:
    addresses = list(
        dict.fromkeys(address for _, address in h.address_list(h.raw_headers(message, name), hint))
    )
    if len(addresses) > MAX_ADDRESSES:
        problems.append(f"{name} had more than {MAX_ADDRESSES} addresses, kept the first {MAX_ADDRESSES}")
    return addresses[:MAX_ADDRESSES]


def _date(message: Message, problems: list[str]) -> datetime | None:
    raw = h.raw_header(message, "date")
    if not raw:
        return None
    try:
        value = parsedate_to_datetime(h.FOLDING.sub("", raw).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        problems.append("date unreadable, ignored")
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _displayed_headers(message: Message, hint: str | None) -> dict[str, str]:
    shown = {}
    for name in DISPLAYED_HEADERS:
        raw = h.raw_header(message, name)
        if raw is not None:
            shown[name] = h.one_line(h.decode_header_value(raw, hint), MAX_HEADER_DISPLAY_CHARS)
    return shown
