"""Solar Hijri days and times typed into forms, read as the Gregorian values a date input sends.

A browser's date and datetime-local inputs show and take Gregorian days only.
Where the reader's calendar is Solar Hijri, a form has a text field named
`j<name>` in place of the input `<name>`, and the view reads it back into
`<name>` before anything else sees the request, so addresses, exports, forms
and services only ever carry Gregorian values:

    gregorian_query(QueryDict("jsince=۱۴۰۵/۰۹/۱۵&team=3"), {"since": "From"}).dict()
        == {"team": "3", "since": "2026-12-06"}

A value that is not a Solar Hijri day (month 13, Esfand 30 of a common year,
letters) raises InvalidInput naming the field `j<name>`, with a message in the
reader's language that names the field by its label.
"""

from datetime import date, datetime, time, timedelta

from django.http import QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from . import formats, jalali_dates
from .errors import InvalidInput


def jalali_name(name: str) -> str:
    """The name of the Solar Hijri text field that stands for the date input `name`."""
    return f"j{name}"


def is_jalali() -> bool:
    """Whether the reader's calendar is Solar Hijri, so forms show typed days instead of date inputs."""
    return formats.calendar_for() == formats.JALALI


def has_jalali(data: QueryDict, labels: dict) -> bool:
    """Whether the request sent any of the Solar Hijri fields of the inputs named in `labels`."""
    return any(jalali_name(name) in data for name in labels)


def read_day(raw: str, *, name: str, label: str) -> date:
    """The Gregorian day of the Solar Hijri day typed for the input `name`; InvalidInput if it is none."""
    return _read(
        jalali_dates.parse_day, raw, name, label,
        lambda: _("Write “%(name)s” as a Solar Hijri date such as %(example)s.") % {
            "name": label, "example": example_day(),
        },
    )  # fmt: skip


def read_moment(raw: str, *, name: str, label: str) -> datetime:
    """The aware time, in the active (store) timezone, of a typed Solar Hijri day and time.

    Raises InvalidInput naming the field `j<name>` when the text is not a day and a 24-hour time.
    """
    moment = _read(
        jalali_dates.parse_moment, raw, name, label,
        lambda: _("Write “%(name)s” as a Solar Hijri date and time such as %(example)s.") % {
            "name": label, "example": example_moment(),
        },
    )  # fmt: skip
    return timezone.make_aware(moment)


def _read(parse, raw: str, name: str, label: str, how_to_write):
    """`parse(raw)`, or InvalidInput naming the field `j<name>`: the day the calendar lacks, or how
    to write one (`how_to_write()`, the message)."""
    try:
        return parse(raw)
    except jalali_dates.NoSuchDay as error:
        message = _("“%(name)s”: the Solar Hijri calendar has no day %(day)s.")
        raise InvalidInput(
            message % {"name": label, "day": formats.localize_digits(error.written)}, field=jalali_name(name)
        ) from None
    except jalali_dates.NotADay:
        raise InvalidInput(how_to_write(), field=jalali_name(name)) from None


def gregorian_query(data: QueryDict, labels: dict, *, required: bool = False) -> QueryDict:
    """A copy of `data` with each typed Solar Hijri day `j<name>` as the ISO day `<name>`.

    `labels` maps each input's name to its label. An empty field leaves its day
    out, as an empty date input does, unless `required`. Raises InvalidInput
    naming the first field that is not a Solar Hijri day.
    """
    query = data.copy()
    for name, label in labels.items():
        raw = (query.pop(jalali_name(name), None) or [""])[-1]
        query.pop(name, None)
        if raw.strip() or required:
            query[name] = read_day(raw, name=name, label=str(label)).isoformat()
    return query


def redirect_to_gregorian(request, labels: dict) -> tuple:
    """For typed Solar Hijri days: (a redirect to the same page at their ISO days, None).

    For a field at fault (None, the InvalidInput naming it), for the page to
    show as a form error; (None, None) when the request typed no day.
    """
    if not has_jalali(request.GET, labels):
        return None, None
    try:
        query = gregorian_query(request.GET, labels)
    except InvalidInput as error:
        return None, error
    return redirect(f"{request.path}?{query.urlencode()}"), None


def example_day() -> str:
    """Today (store-local) as a Solar Hijri field shows it: the example of what to type."""
    return jalali_dates.day_text(timezone.localdate())


def example_moment() -> str:
    """Tomorrow at nine (store-local) as a Solar Hijri day-and-time field shows it."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    return jalali_dates.moment_text(datetime.combine(tomorrow, time(9, 0)))


def day_inputs(values: dict, data: QueryDict, names: tuple[str, ...] = ("since", "until")) -> dict:
    """What a form's day inputs show: {"jalali": False}, or the days as Solar Hijri text and an example.

    `values` holds the ISO days the form settled on; a Solar Hijri field sent
    back (one at fault) shows as it was typed, so the reader can correct it.
    """
    if not is_jalali():
        return {"jalali": False}
    shown = {"jalali": True, "example": example_day()}
    for name in names:
        typed = data.get(jalali_name(name))
        shown[name] = typed if typed is not None else _day_text(values.get(name))
    return shown


def _day_text(iso) -> str:
    try:
        return jalali_dates.day_text(date.fromisoformat(iso))
    except (TypeError, ValueError, OverflowError):
        return ""


def moment_input() -> dict:
    """What a day-and-time input shows: {"jalali": False}, or the example to type in Solar Hijri."""
    if not is_jalali():
        return {"jalali": False}
    return {"jalali": True, "example": example_moment()}
