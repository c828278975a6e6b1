"""The cohorts' numbers behind the Reports page's matrix: retention and net revenue, as a CSV."""

from django.utils.translation import gettext as _

from cxloop.core import formats
from cxloop.web.access import store_required

from .downloads import csv_download, not_ready
from .reports import build_cohorts
from .warehouse import WarehouseBusy, WarehouseMissing

COHORT_MONTHS = 12  # as the page shows


def revenue_rows(cohorts) -> list:
    """Each cohort row with its cells as (net, shade 0-10 by the net against the largest cell's), or
    None where the month has not come yet: the revenue matrix of the page."""
    top = max((cell[1] for row in cohorts.rows for cell in row.cells if cell is not None), default=0)
    return [
        (row, [None if cell is None else (cell[1], _shade(cell[1], top)) for cell in row.cells])
        for row in cohorts.rows
    ]


def _shade(net, top) -> int:
    if net <= 0 or top <= 0:
        return 0
    return max(1, min(10, int(net * 10 / top)))


@store_required
def cohorts_csv(request):
    """A row per month of first orders (the reader's calendar, as the page): its name and first day, its
    customers, then for each month since, the share of them who ordered (%) and the net revenue of
    that month's orders."""
    try:
        cohorts = build_cohorts(request.store, months=COHORT_MONTHS, calendar=formats.calendar_for())
    except (WarehouseMissing, WarehouseBusy):
        return not_ready(request)
    currency = request.store.currency
    head = [_("First order"), _("First day"), _("Customers")]
    for age in cohorts.ages:
        head += [
            _("Month %(age)s: ordered (%%)") % {"age": age},
            _("Month %(age)s: net revenue (%(currency)s)") % {"age": age, "currency": currency},
        ]
    rows = (
        [
            formats.month_text(row.month),  # the month as the page names it (Solar Hijri in Persian)
            row.month.isoformat(),
            row.customers,
            *(
                value
                for cell in row.cells
                for value in (("", "") if cell is None else ("" if cell[0] is None else cell[0], cell[1]))
            ),
        ]
        for row in cohorts.rows
    )
    return csv_download(rows, head, "cohorts-by-month-of-first-order.csv")
