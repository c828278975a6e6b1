"""Walk the MIME tree of an inbound mail: its readable text, its HTML and its attachments.

`read_body` visits every part without recursion (a mail nested a hundred
levels deep costs no stack), decodes text parts with `charsets.decode_bytes`
and keeps everything else as attachments, within limits:

    >>> body = read_body(message, max_attachment_bytes=20 * 1024 * 1024)
    >>> body.plain, body.html, [a.filename for a in body.attachments]
    (['Hello,\\n...'], [], ['invoice.pdf'])

Attachments are stored as bytes and never opened (a zip stays a zip). What was
repaired or dropped is listed in `body.problems`.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from email.message import Message

from .charsets import decode_bytes
from .headers import BIDI_CONTROLS, decode_header_value, raw_header

MAX_ATTACHMENTS = 100
MAX_TEXT_CHARS = 1_000_000
MAX_DEPTH = 128
MAX_PARTS = 2_000
MAX_FILENAME_CHARS = 200
CONTENT_TYPE = re.compile(r"^[a-z0-9!#$&^_.+-]{1,64}/[a-z0-9!#$&^_.+-]{1,127}$")
COMMENT = re.compile(r"\([^()]*\)")
UNSAFE_FILENAME_CHARS = dict.fromkeys(map(ord, '<>:"|?*'), "_")
DEFAULT_FILENAMES = {"message/rfc822": "message.eml", "message/delivery-status": "delivery-status.txt"}


@dataclass(frozen=True)
class ParsedAttachment:
    """A file that came with a mail: stored as bytes, never opened.

    filename is safe (no path parts or control characters, at most 200
    characters, "attachment" if it had none); content_type is the declared
    lower-case type/subtype or "application/octet-stream"; content_id ("" if
    none) is what ``cid:`` images in the HTML point at.
    """

    filename: str
    content_type: str
    content: bytes
    content_id: str
    inline: bool


@dataclass
class Body:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    charset: str | None = None  # the first declared text charset: a hint for raw 8-bit headers
    dropped: int = 0  # attachments past MAX_ATTACHMENTS


def declared_type(part: Message) -> str:
    """The lower-case type/subtype as declared, "application/octet-stream" if missing or invalid."""
    raw = raw_header(part, "content-type")
    if raw is None:
        return "text/plain"
    value = COMMENT.sub("", raw.split(";", 1)[0]).strip().lower()
    return value if CONTENT_TYPE.match(value) else "application/octet-stream"


def read_body(message: Message, *, max_attachment_bytes: int) -> Body:
    """The text, HTML and attachments of a parsed message."""
    body = Body()
    stack: list[tuple[Message, int]] = [(message, 0)]
    visited = 0
    while stack:
        part, depth = stack.pop()
        visited += 1
        if visited > MAX_PARTS:
            body.problems.append(f"more than {MAX_PARTS} MIME parts, the rest ignored")
            break
        children = part.get_payload() if part.is_multipart() else None
        if isinstance(children, list) and not declared_type(part).startswith("message/"):
            if depth >= MAX_DEPTH:
                body.problems.append(f"MIME parts nested deeper than {MAX_DEPTH} levels ignored")
                continue
            stack.extend((child, depth + 1) for child in reversed(children) if isinstance(child, Message))
            continue
        _read_leaf(part, body, max_attachment_bytes)
    if body.dropped:
        body.problems.append(f"{body.dropped} attachments dropped: more than {MAX_ATTACHMENTS} attachments")
    return body


def _read_leaf(part: Message, body: Body, max_attachment_bytes: int) -> None:
    content_type = declared_type(part)
    disposition = _disposition(part)
    filename = _filename(part)
    if content_type in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        _read_text(part, content_type, body)
        return
    if content_type.startswith("multipart/"):  # no boundary, or none found: the parser left it as text
        body.problems.append(f"{content_type} without a usable boundary, read as text")
        _read_text(part, "text/plain", body)
        return
    content = _content(part, content_type)
    name = safe_filename(filename or DEFAULT_FILENAMES.get(content_type, ""))
    if len(body.attachments) >= MAX_ATTACHMENTS:
        body.dropped += 1
        return
    if len(content) > max_attachment_bytes:
        body.problems.append(f"attachment {name} over limit ({len(content)} bytes), dropped")
        return
    content_id = _content_id(part)
    inline = disposition == "inline" or (disposition == "" and bool(content_id))
    body.attachments.append(ParsedAttachment(name, content_type, content, content_id, inline))


def _read_text(part: Message, content_type: str, body: Body) -> None:
    charset = _param(part, "charset")
    if charset and body.charset is None:
        body.charset = charset
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        data = str(part.get_payload()).encode("utf-8", "surrogateescape")
    text, problem = decode_bytes(data, charset)
    if problem:
        body.problems.append(problem)
    target = body.plain if content_type == "text/plain" else body.html
    kept = sum(len(chunk) for chunk in target)
    if kept + len(text) > MAX_TEXT_CHARS:
        text = text[: max(MAX_TEXT_CHARS - kept, 0)]
        body.problems.append(f"{content_type} cut to {MAX_TEXT_CHARS} characters")
    if text:
        target.append(text.replace("\r\n", "\n").replace("\r", "\n"))


def _content(part: Message, content_type: str) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, list):  # message/rfc822 and message/delivery-status hold messages
        return b"\n".join(_message_bytes(item) for item in payload if isinstance(item, Message))
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    return str(payload or "").encode("utf-8", "surrogateescape")


def _message_bytes(message: Message) -> bytes:
    try:
        return message.as_bytes()
    except Exception:
        return str(message.get_payload()).encode("utf-8", "surrogateescape")


def _disposition(part: Message) -> str:
    raw = raw_header(part, "content-disposition")
    return raw.split(";", 1)[0].strip().lower() if raw else ""


def _param(part: Message, name: str, header: str = "content-type") -> str | None:
    try:
        value = part.get_param(name, header=header)
    except Exception:
        return None
    if isinstance(value, tuple):  # RFC 2231: (charset, language, percent-decoded latin-1 text)
        charset, _, text = value
        try:
            data = str(text).encode("latin-1", "surrogateescape")
        except UnicodeEncodeError:
            return str(text)
        return decode_bytes(data, charset or "utf-8")[0]
    if value is None:
        return None
    return str(value)


def _filename(part: Message) -> str:
    for name, header in (("filename", "content-disposition"), ("name", "content-type")):
        value = _param(part, name, header)
        if value:
            return decode_header_value(value)
    return ""


def _content_id(part: Message) -> str:
    raw = raw_header(part, "content-id")
    if not raw:
        return ""
    return "".join(ch for ch in raw.strip().strip("<>").strip() if not ch.isspace())[:200]


def safe_filename(name: str) -> str:
    """A file name with no path parts or control characters, at most 200 characters, never empty."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) != "Cc")
    name = name.translate(BIDI_CONTROLS).translate(UNSAFE_FILENAME_CHARS).strip().strip(". ")
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[: MAX_FILENAME_CHARS - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_FILENAME_CHARS]
    return name or "attachment"
