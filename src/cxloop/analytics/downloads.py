"""What every view of the reports page shares: the period a request asks for, and a CSV download.

asked = asked_period(request)         # (period or None, days), or the 400 naming what is wrong
return csv_download(rows, head, "revenue.csv")
"""

from django.contrib import messages as flash
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from cxloop.surveys.exports import stream_csv

from .reports import PERIODS, InvalidRange, Period, parse_range


def days_asked(request) -> int | None:
    """`?days=` (7, 30 or 90; 30 without it), None for anything else."""
    raw = request.GET.get("days", "30")
    return int(raw) if raw.isdigit() and int(raw) in PERIODS else None


def range_asked(request) -> Period | None:
    """The period of `?from=YYYY-MM-DD&to=YYYY-MM-DD` (reports.parse_range), None without either; raises
    InvalidRange naming a bad one."""
    raw_first, raw_last = request.GET.get("from"), request.GET.get("to")
    if raw_first is None and raw_last is None:
        return None
    return parse_range(request.store, raw_first or "", raw_last or "")


def asked_period(request) -> tuple[Period | None, int] | HttpResponseBadRequest:
    """(the range or None, its days) a page or CSV is asked for: `from`/`to` before `days`; or the 400
    naming what is wrong."""
    try:
        period = range_asked(request)
    except InvalidRange as error:
        return HttpResponseBadRequest(error.message)
    days = period.days if period else days_asked(request)
    if days is None:
        return HttpResponseBadRequest(_("Choose a period of 7, 30 or 90 days."))
    return period, days


def period_query(period: Period | None, days: int) -> str:
    """The query string that asks for the same period again (the CSV links, the churn form's return)."""
    return urlencode({"from": period.first, "to": period.last} if period else {"days": days})


def not_ready(request, period: Period | None = None, days: int | None = None):
    """A CSV asked for before the warehouse can answer: back to the page, which says why."""
    flash.info(request, _("The reports' data is not ready yet; the CSV will be there once it is."))
    target = reverse("analytics:dashboard")
    return redirect(f"{target}?{period_query(period, days)}" if days else target)


def csv_download(rows, head: list, filename: str) -> StreamingHttpResponse:
    """`rows` (each a list of cells, text already neutralised where a customer or storefront wrote it)
    streamed as an attachment, never sniffed as anything but CSV."""
    response = StreamingHttpResponse(stream_csv(rows, head=head), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
