"""Field parsers shared by the integrations: money, dates, text, ids.

Each raises `InvalidInput` naming the field, so a bad payload gets a 4xx that
says what is wrong and nothing is stored.
"""

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from cxloop.core.errors import InvalidInput
from cxloop.core.textchecks import find_forbidden_character

MAX_URL = 2000
WEB_SCHEMES = {"http", "https"}
MAX_AMOUNT = Decimal("1000000000")  # one billion in any currency is not an order
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def money(value, field: str, *, allow_negative: bool = False, default=None) -> Decimal:
    """A decimal amount with two places, from a string or number."""
    if value is None or value == "":
        if default is not None:
            return default
        raise InvalidInput(f"{field} is required.", field=field)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidInput(f"{field} must be a number or a numeric string.", field=field)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(f"{field} is not a number: {str(value)[:40]!r}.", field=field) from None
    if not amount.is_finite():
        raise InvalidInput(f"{field} must be a finite number.", field=field)
    if abs(amount) >= MAX_AMOUNT:
        raise InvalidInput(f"{field} is out of range.", field=field)
    if amount < 0 and not allow_negative:
        raise InvalidInput(f"{field} may not be negative.", field=field)
    return amount.quantize(Decimal("0.01"))


def timestamp(value, field: str, *, required: bool = True) -> datetime | None:
    """An aware datetime from ISO 8601 (or unix seconds), within 1990-2100."""
    if value is None or value == "":
        if required:
            raise InvalidInput(f"{field} is required.", field=field)
        return None
    if isinstance(value, bool):
        raise InvalidInput(f"{field} must be a date.", field=field)
    try:
        if isinstance(value, int | float):
            parsed = datetime.fromtimestamp(value, tz=UTC)
        elif isinstance(value, str):
            text = value.strip().replace(" ", "T", 1) if "T" not in value else value.strip()
            if text.endswith("Z"):
                text = text[:-1] + "+00:00"
            parsed = datetime.fromisoformat(_fix_offset(text))
        else:
            raise TypeError
    except (ValueError, TypeError, OverflowError, OSError):
        raise InvalidInput(f"{field} is not a valid date: {str(value)[:40]!r}.", field=field) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not EARLIEST <= parsed < LATEST:
        raise InvalidInput(f"{field} is out of range (1990-2099).", field=field)
    return parsed


def _fix_offset(text: str) -> str:
    # Shopify's CSV writes "2024-03-05T14:22:10 +0100"; fromisoformat wants no space.
    return text.replace(" +", "+").replace(" -", "-") if "T" in text else text


def text(value, field: str, *, max_length: int = 500, allow_newlines: bool = False) -> str:
    """A string field: trimmed, length-checked, no control or bidi-override characters."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string.", field=field)
    value = value.strip()
    if len(value) > max_length:
        raise InvalidInput(f"{field} is longer than {max_length} characters.", field=field)
    problem = find_forbidden_character(value, allow_newlines=allow_newlines)
    if problem:
        raise InvalidInput(f"{field} contains a {problem}.", field=field)
    return value


def identifier(value, field: str, *, required: bool = True) -> str | None:
    """A platform id (number or string) as a string."""
    if value is None or value == "":
        if required:
            raise InvalidInput(f"{field} is required.", field=field)
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidInput(f"{field} must be a string or an integer.", field=field)
    result = text(value, field, max_length=100)
    if not result:
        raise InvalidInput(f"{field} is required.", field=field)
    return result


def count(value, field: str, *, maximum: int = 100_000) -> int:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise InvalidInput(f"{field} must be a whole number from 0 to {maximum}.", field=field)
    return value


def currency(value, field: str = "currency") -> str:
    code = text(value, field, max_length=3).upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise InvalidInput(f"{field} must be a 3-letter currency code.", field=field)
    return code


def email(value, field: str = "email") -> str:
    address = text(value, field, max_length=254)
    if address and ("@" not in address or " " in address):
        raise InvalidInput(f"{field} is not an email address: {address[:60]!r}.", field=field)
    return address


def obj(value, field: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must be an object.", field=field)
    return value


def items(value, field: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(f"{field} must be a list.", field=field)
    return value


def web_link(value, *, max_length: int = MAX_URL) -> str | None:
    """An http(s) URL as given; "" for no value; None for anything that is not one.

    Refused: another scheme (`javascript:`, `data:`), no host, whitespace or a
    control or bidi character anywhere, more than `max_length` characters. The
    caller leaves a refused link out and keeps the rest of the record: a link
    is shown to staff as something to click, so only a web address may reach
    a page.
    """
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        return None
    link = value.strip()
    if not link:
        return ""
    if len(link) > max_length or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in link):
        return None
    if find_forbidden_character(link, allow_newlines=False):
        return None
    try:
        parts = urlsplit(link)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not host or "\\" in link:
        return None
    return link
