"""Read header fields of an inbound mail safely: encoded words, raw 8-bit bytes, ids, addresses.

Header values are read raw (`raw_header`) so a malformed field never raises,
then decoded here with the same charset rules as bodies (`charsets`):

    >>> decode_header_value("=?ISO-8859-2?Q?Zam=F3wienie_nr_1042?=")
    'Zamówienie nr 1042'
    >>> message_ids("<a@shop.example> junk <b@mail.example>")
    ['<a@shop.example>', '<b@mail.example>']

Adjacent encoded words in one charset are joined before decoding, because
mailers split a multi-byte character across two words.
"""

import base64
import binascii
import re
import unicodedata
from email.message import Message
from email.utils import getaddresses, parseaddr

from .charsets import decode_bytes

ENCODED_WORD = re.compile(r"=\?([^?\s]{1,60})\?([bBqQ])\?([^?\s]*)\?=")
MESSAGE_ID = re.compile(r"<([^<>\s@]{1,500}@[^<>\s@]{1,500})>")
BARE_MESSAGE_ID = re.compile(r"^[^<>\s@]{1,500}@[^<>\s@]{1,500}$")
FOLDING = re.compile(r"\r?\n(?=[ \t])")
WHITESPACE = re.compile(r"\s+")
# Bidirectional overrides and isolates let text pose as something else ("gpj.exe").
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
MAX_HEADER_CHARS = 100_000


def raw_header(message: Message, name: str) -> str | None:
    """The first raw value of a header field, unparsed (None if absent)."""
    values = raw_headers(message, name)
    return values[0] if values else None


def raw_headers(message: Message, name: str) -> list[str]:
    """Every raw value of a header field, in order, without the policy's parsing."""
    name = name.lower()
    return [str(value) for key, value in message.raw_items() if str(key).lower() == name]


def decode_header_value(raw: str, hint: str | None = None) -> str:
    """Decode encoded words and raw 8-bit bytes of a header value into text."""
    raw = FOLDING.sub("", raw[:MAX_HEADER_CHARS])
    pieces: list[str] = []
    pending: list[tuple[str, bytes]] = []  # encoded words waiting to be joined by charset
    position = 0
    for match in ENCODED_WORD.finditer(raw):
        between = raw[position : match.start()]
        if between and not (pending and between.isspace()):
            pieces.append(_flush(pending))
            pieces.append(_decode_raw(between, hint))
        charset, encoding, payload = match.groups()
        if pending and pending[-1][0] != charset.lower():
            pieces.append(_flush(pending))
        pending.append((charset.lower(), _decode_word(encoding, payload)))
        position = match.end()
    pieces.append(_flush(pending))
    pieces.append(_decode_raw(raw[position:], hint))
    return "".join(pieces).replace("\x00", "")


def _flush(pending: list[tuple[str, bytes]]) -> str:
    if not pending:
        return ""
    charset = pending[0][0]
    data = b"".join(chunk for _, chunk in pending)
    pending.clear()
    return decode_bytes(data, charset)[0]


def _decode_word(encoding: str, payload: str) -> bytes:
    if encoding.lower() == "q":
        return binascii.a2b_qp(payload.encode("ascii", "replace"), header=True)
    data = payload.encode("ascii", "replace").rstrip(b"=")
    data = data + b"=" * (-len(data) % 4)
    try:
        return base64.b64decode(data)
    except (binascii.Error, ValueError):
        return payload.encode("ascii", "replace")


def _decode_raw(text: str, hint: str | None) -> str:
    """Text outside encoded words; raw 8-bit bytes arrive as surrogate escapes."""
    if not text or text.isascii():
        return text
    data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:  # not UTF-8: most likely the charset the body declares
        return decode_bytes(data, hint)[0]


def one_line(text: str, limit: int) -> str:
    """Collapse whitespace and drop control characters, keep at most `limit` characters."""
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch in "\t\n\r")
    return WHITESPACE.sub(" ", text.translate(BIDI_CONTROLS)).strip()[:limit]


def message_id(raw: str | None) -> str:
    """The message id as "<local@domain>", or "" when the value holds none."""
    if not raw:
        return ""
    ids = message_ids(raw)
    if ids:
        return ids[0]
    bare = raw.strip()
    return f"<{bare}>" if BARE_MESSAGE_ID.match(bare) else ""


def message_ids(raw: str | None, limit: int = 100) -> list[str]:
    """Every "<id@domain>" in a References or In-Reply-To value, keeping the first and the latest."""
    if not raw:
        return []
    found = [f"<{value}>" for value in MESSAGE_ID.findall(FOLDING.sub("", raw[:MAX_HEADER_CHARS]))]
    if not found and BARE_MESSAGE_ID.match(raw.strip()):
        found = [f"<{raw.strip()}>"]
    found = list(dict.fromkeys(found))
    if len(found) > limit:
        found = found[:1] + found[-(limit - 1) :]
    return found


def address_list(raw_values: list[str], hint: str | None = None) -> list[tuple[str, str]]:
    """(name, lower-case address) pairs of address header values; unparseable entries are skipped."""
    pairs = []
    joined = ", ".join(FOLDING.sub("", value[:MAX_HEADER_CHARS]) for value in raw_values)
    for name, address in getaddresses([joined]):
        address = clean_address(address)
        if address:
            pairs.append((one_line(decode_header_value(name, hint), 200), address))
    return pairs


def single_address(raw: str | None, hint: str | None = None) -> tuple[str, str]:
    """(name, lower-case address) of a From or Reply-To value; ("", "") when there is none."""
    if not raw:
        return "", ""
    pairs = address_list([raw], hint)
    if pairs:
        return pairs[0]
    name, _ = parseaddr(FOLDING.sub("", raw[:MAX_HEADER_CHARS]))
    return one_line(decode_header_value(name, hint), 200), ""


def clean_address(address: str) -> str:
    """A plausible "local@domain" in lower case, or ""."""
    address = decode_header_value(address).strip().strip("<>").lower()
    if len(address) > 320 or address.count("@") != 1 or any(ch.isspace() for ch in address):
        return ""
    local, domain = address.split("@")
    if not local or not domain or any(unicodedata.category(ch) == "Cc" for ch in address):
        return ""
    return address
