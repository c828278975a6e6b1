"""The reports page's time between orders and monthly active customers: their charts, tables and CSVs.

Every member reads them, as the rest of the page; each store sees only its own customers.
"""

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from cxloop.core import formats
from cxloop.surveys.exports import neutralize
from cxloop.web import charts
from cxloop.web.access import store_required

from .downloads import csv_download, not_ready
from .retention import build_monthly_active, build_order_gaps, order_gaps
from .warehouse import WarehouseBusy, WarehouseMissing

ACTIVE_MONTHS = 12
COMPACT = {"width": 420, "height": 300}  # the phone's chart, as the page's others


def retention_context(store, churn) -> dict:
    """The two cards' part of the page's context. The time between orders is read from the histogram
    the churn card already has; the monthly active customers are one more query."""
    gaps = order_gaps(churn.histogram)
    months = build_monthly_active(store, months=ACTIVE_MONTHS, calendar=formats.calendar_for())
    gap_series = [_("Repeat orders")]
    active_series = [_("Active customers")]
    wide_gaps = [(gap_label(bucket), [bucket.orders]) for bucket in gaps.buckets]
    short_gaps = [(gap_label(bucket, short=True), [bucket.orders]) for bucket in gaps.buckets]
    by_month = [(formats.month_text(month.month), [month.active]) for month in months]
    return {
        "order_gaps": gaps,
        "gap_rows": [(gap_label(bucket), bucket) for bucket in gaps.buckets],
        "gap_chart": _counts(charts.build_grouped_chart(wide_gaps, gap_series)),
        "gap_compact_chart": _counts(charts.build_grouped_chart(short_gaps, gap_series, **COMPACT)),
        "active_months": months[::-1],  # the table: the newest first
        "active_chart": _counts(charts.build_grouped_chart(by_month, active_series)),
        "active_compact_chart": _every_third_label(
            _counts(charts.build_grouped_chart(by_month, active_series, **COMPACT))
        ),
        "has_active": any(month.active for month in months),
    }


def gap_label(bucket, *, short: bool = False) -> str:
    """ "8–30 days", "Over 365 days"; short, for a phone's chart: "8–30", "365+"."""
    low, high = formats.number_text(bucket.low), formats.number_text(bucket.high)
    if bucket.high is None:
        last = formats.number_text(bucket.low - 1)
        return _("%(days)s+") % {"days": last} if short else _("Over %(days)s days") % {"days": last}
    if short:
        return f"{low}–{high}"
    return _("%(low)s–%(high)s days") % {"low": low, "high": high}


def _counts(chart):
    """A chart of counts keeps the grid lines of whole numbers only (no 0.25 of an order), labelled
    without decimals."""
    chart.ticks = [tick for tick in chart.ticks if tick.value == tick.value.to_integral_value()]
    for tick in chart.ticks:
        tick.decimals = 0
    return chart


def _every_third_label(chart):
    """A phone's month chart names every third month, counted back from this one (the bars keep
    their tooltips): twelve names do not fit under 420 points."""
    labels = chart.group_labels
    chart.group_labels = [label for index, label in enumerate(labels) if (len(labels) - 1 - index) % 3 == 0]
    return chart


def safe_cells(row: list) -> list:
    """A CSV row with every text cell formula-safe (a spreadsheet reads none as a formula); numbers
    stay numbers."""
    return [neutralize(cell) if isinstance(cell, str) else cell for cell in row]


def _csv_response(rows, head: list[str], filename: str) -> StreamingHttpResponse:
    return csv_download((safe_cells(row) for row in rows), head, filename)


@store_required
def order_gaps_csv(request):
    """The rows behind the time between orders: each bucket's days, its repeat orders and their share."""
    try:
        gaps = build_order_gaps(request.store)
    except (WarehouseMissing, WarehouseBusy):
        return not_ready(request)
    # A list, not a generator: the labels are translated now, in the request's language.
    rows = [
        [
            gap_label(bucket), bucket.low, "" if bucket.high is None else bucket.high, bucket.orders,
            "" if bucket.share is None else bucket.share,
        ]
        for bucket in gaps.buckets
    ]  # fmt: skip
    head = [_("Days between orders"), _("From (days)"), _("To (days)"), _("Repeat orders"), _("Share (%)")]
    return _csv_response(rows, head, "time-between-orders.csv")


@store_required
def monthly_active_csv(request):
    """The rows behind the monthly active customers: each month (the store's; Solar Hijri on a Persian
    page), the day it began on, its active customers and those of them who ordered."""
    try:
        months = build_monthly_active(request.store, months=ACTIVE_MONTHS, calendar=formats.calendar_for())
    except (WarehouseMissing, WarehouseBusy):
        return not_ready(request)
    # The month as the page names it (a Solar Hijri one on a Persian page) and the day it began on.
    rows = [
        [formats.month_text(month.month), month.month.isoformat(), month.active, month.buyers]
        for month in months
    ]
    head = [_("Month"), _("First day"), _("Active customers"), _("Of them ordered")]
    name = f"monthly-active-customers-{months[0].month}-{months[-1].month}.csv"
    return _csv_response(rows, head, name)
