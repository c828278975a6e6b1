"""Numbers and dates that come from outside, range-checked where they are parsed.

Every id, offset, limit and date a request carries is read through one of
these types, so a value the database or Python's date arithmetic cannot hold
is a 4xx naming the field at the door, and no view or service has to
remember to check it:

    DbId, StrictDbId   1 .. 2**63 - 1        a row id (64-bit primary key)
    Offset             0 .. 2**63 - 1        ?offset= of a paginated list
    Limit              1 .. 2**63 - 1        ?limit= of a paginated list
    InputDate          1900-01-01 .. 2999-12-31
    InputDateTime      the same days, any time and offset
    QueryText          a string without NUL (PostgreSQL cannot compare with one)

The date range keeps a day's bounds in any time zone, a week or a month on
either side, and the conversion to UTC inside the date types Python and both
databases can hold (9999-12-31 plus one day is an OverflowError).

For the JSON API they are pydantic types (`customer_id: DbId`); the API
answers 422 `{"error": "invalid", "detail": "customer_id: ..."}`. For HTML
forms there is `DateField`; for a bare query-string or form
value there are `parse_int` and `parse_text`; for ids in URL paths the `<id:...>` converter,
which answers 404 for an id no row can have.

    path("customers/<id:customer_id>/", views.customer_detail)

    @router.get("/orders")
    @paginate(LimitOffsetPagination)
    def list_orders(request, customer_id: DbId | None = None): ...
"""

import re
from datetime import date, datetime
from typing import Annotated

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination as NinjaLimitOffsetPagination
from pydantic import AfterValidator, BeforeValidator, StrictInt

MAX_DB_INT = 2**63 - 1
MIN_DB_INT = -(2**63)
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)

_INTEGER = re.compile(r"[+-]?[0-9]{1,20}")


def _check_day(day: date) -> date:
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValueError(f"must be between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}")
    return day


def _check_moment(moment: datetime) -> datetime:
    _check_day(moment.date())
    return moment


_NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")


def _refuse_numbers(value):
    # pydantic reads a number ("0.5") as unix seconds; the schema says an ISO 8601 date, so does the door.
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("must be an ISO 8601 date, not a number")
    return value


def _check_text(text: str) -> str:
    if "\x00" in text:
        raise ValueError("must not contain NUL characters")
    return text


DbId = Annotated[int, Field(ge=1, le=MAX_DB_INT)]
StrictDbId = Annotated[StrictInt, Field(ge=1, le=MAX_DB_INT)]
Offset = Annotated[int, Field(ge=0, le=MAX_DB_INT)]
Limit = Annotated[int, Field(ge=1, le=MAX_DB_INT)]
# The schema states the years too (format alone allows 0001-9999), so a client knows the range.
_YEARS = Field(json_schema_extra={"pattern": "^(19[0-9]{2}|2[0-9]{3})-"})
InputDate = Annotated[date, BeforeValidator(_refuse_numbers), AfterValidator(_check_day), _YEARS]
InputDateTime = Annotated[datetime, BeforeValidator(_refuse_numbers), AfterValidator(_check_moment), _YEARS]
QueryText = Annotated[str, AfterValidator(_check_text)]


class LimitOffsetPagination(NinjaLimitOffsetPagination):
    """django-ninja's ?limit=&offset= paging with both numbers bounded to what SQL can take."""

    class Input(Schema):
        limit: Limit = ninja_settings.PAGINATION_PER_PAGE
        offset: Offset = 0


def parse_int(raw, *, minimum: int = MIN_DB_INT, maximum: int = MAX_DB_INT) -> int | None:
    """The decimal integer a query-string or form value holds, or None if it holds none in range.

    Only ASCII digits with an optional sign count (not "1_000", "١٢" or "1e3"),
    so what is accepted is exactly what the database can compare with.
    """
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not _INTEGER.fullmatch(text):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def parse_text(raw, *, max_length: int) -> str:
    """A query-string or form text, stripped and cut to `max_length`, without NUL characters.

    No database stores a NUL and PostgreSQL refuses to compare with one, so a
    search for "a\\x00" searches for "a".
    """
    if not isinstance(raw, str):
        return ""
    return raw.replace("\x00", "").strip()[:max_length]


def parse_db_id(raw) -> int | None:
    """The row id a query-string or form value holds, or None (no row has it)."""
    return parse_int(raw, minimum=1)


class DateField(forms.DateField):
    """A form date between EARLIEST_DATE and LATEST_DATE; any other is a field error, never a 500."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators += [
            MinValueValidator(EARLIEST_DATE, message=_("Choose a date from %(limit_value)s on.")),
            MaxValueValidator(LATEST_DATE, message=_("Choose a date up to %(limit_value)s.")),
        ]


class DbIdConverter:
    """URL converter `<id:name>`: a row id; anything no row can have does not match (404)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_DB_INT:
            raise ValueError("not a row id")
        return number

    def to_url(self, value) -> str:
        return str(int(value))
