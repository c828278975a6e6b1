"""Spreadsheet quirks of Shopify's CSV exports, on top of `commerce.parsing`.

Shopify writes ids and phone numbers with a leading apostrophe
(`'8779761975521`) so spreadsheets keep them as text, and booleans as yes/no.
"""

from django.utils.translation import gettext as _

from cxloop.core.errors import InvalidInput

from .. import parsing as p

YES = {"yes", "true", "1"}
NO = {"no", "false", "0"}


def without_apostrophe(value: str) -> str:
    value = (value or "").strip()
    return value[1:].strip() if value.startswith("'") else value


def shopify_id(value: str, field: str) -> str | None:
    """A Shopify numeric id, or None when blank; a spreadsheet-rounded id is an error."""
    value = without_apostrophe(value)
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 30:
        raise InvalidInput(
            _("%(field)s is not a Shopify id: %(value)s (a spreadsheet may have rounded it)")
            % {"field": field, "value": repr(value[:40])},
            field=field,
        )
    return value


def phone(value: str, field: str) -> str:
    return p.text(without_apostrophe(value), field, max_length=40)


def yes_no(value: str, field: str) -> bool | None:
    """True for yes, False for no, None when blank."""
    word = (value or "").strip().casefold()
    if not word:
        return None
    if word in YES:
        return True
    if word in NO:
        return False
    message = _("%(field)s must be yes or no, not %(value)s") % {"field": field, "value": repr(word[:20])}
    raise InvalidInput(message, field=field)


def skipped_because(error: InvalidInput) -> str:
    """A store owner's reason: the parser's message, then that the row was skipped."""
    return _("%(problem)s; skipped") % {"problem": error.message.rstrip(".")}


class InvalidRow(InvalidInput):
    """An InvalidInput that knows which CSV line it came from."""

    def __init__(self, line: int, error: InvalidInput):
        super().__init__(error.message, field=error.field)
        self.line = line
