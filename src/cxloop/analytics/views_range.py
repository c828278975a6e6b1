"""The reports page's date range in the reader's calendar: typed Solar Hijri days on a Persian page.

A browser's date input shows and takes Gregorian days only, so where the
reader's calendar is Solar Hijri the range form has text fields `jfrom`/`jto`
instead ("۱۴۰۵/۰۹/۱۵"). The page answers them with a redirect to the same range
as ISO `from`/`to`, after the same checks, so the address, the CSV links and the
API only ever carry Gregorian days, and a link reads alike in either calendar.
"""

from datetime import date
from urllib.parse import urlencode

from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import pgettext

from cxloop.core import jalali_dates, jalali_inputs
from cxloop.core.errors import InvalidInput

from .reports import InvalidRange, range_bounds

JALALI_FIELDS = ("jfrom", "jto")


def asks_jalali_range(request) -> bool:
    return any(name in request.GET for name in JALALI_FIELDS)


def redirect_to_iso_range(request):
    """The page of the typed Solar Hijri range, at its ISO address; 400 naming a field at fault."""
    try:
        first, last = (_day(request, name) for name in ("from", "to"))
        period = range_bounds(request.store, first, last)
    except (InvalidInput, InvalidRange) as error:
        return HttpResponseBadRequest(error.message)
    query = urlencode({"from": period.first.isoformat(), "to": period.last.isoformat()})
    return redirect(f"{reverse('analytics:dashboard')}?{query}")


def _day(request, name: str) -> date:
    label = (
        pgettext("the first day of a date range", "From")
        if name == "from"
        else pgettext("the last day of a date range", "To")
    )
    raw = request.GET.get(jalali_inputs.jalali_name(name), "")
    return jalali_inputs.read_day(raw, name=name, label=label)


def range_form(period) -> dict:
    """What the range form shows: Solar Hijri text fields when that is the reader's calendar."""
    if not jalali_inputs.is_jalali():
        return {"jalali": False}
    return {
        "jalali": True,
        "first": jalali_dates.day_text(period.first) if period else "",
        "last": jalali_dates.day_text(period.last) if period else "",
        "example": jalali_inputs.example_day(),
    }
