"""The reports page's "Products" card (analytics/_products.html) and its CSV: sales by product and type."""

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cxloop.core import formats
from cxloop.surveys.exports import neutralize
from cxloop.web.access import store_required

from .downloads import asked_period, csv_download, not_ready
from .products import NO_TYPE, Products, build_products
from .warehouse import WarehouseBusy, WarehouseMissing


def labelled(report: Products) -> Products:
    """The report with each row's `label` (and `unnamed`: a label of ours, not the store's) and its
    `tables`, (heading, rows) for the card."""
    for row in report.by_product:
        row.unnamed = not row.other and row.title is None
        if row.other:
            row.label = ngettext("Other (%(n)s product)", "Other (%(n)s products)", row.groups) % {
                "n": formats.number_text(row.groups)
            }
        else:
            row.label = _("Items not in the catalogue") if row.unnamed else row.title
    for row in report.by_type:
        row.unnamed = row.key == NO_TYPE
        if row.other:
            row.label = ngettext("Other (%(n)s type)", "Other (%(n)s types)", row.groups) % {
                "n": formats.number_text(row.groups)
            }
        else:
            row.label = _("No type") if row.unnamed else row.key
    report.tables = [(_("Product"), report.by_product), (_("Product type"), report.by_type)]
    return report


@store_required
def products_csv(request):
    """The rows of both of the card's tables: by product, then by product type."""
    asked = asked_period(request)
    if isinstance(asked, HttpResponseBadRequest):
        return asked
    period, days = asked
    try:
        report = labelled(build_products(request.store, days=days, period=period))
    except (WarehouseMissing, WarehouseBusy):
        return not_ready(request, period, days)
    currency = {"currency": request.store.currency}
    rows = (
        [group, neutralize(str(row.label)), row.orders, row.units, row.net, _blank(row.previous)]
        for group, table in ((_("Product"), report.by_product), (_("Product type"), report.by_type))
        for row in table
    )  # fmt: skip
    head = [
        _("Table"), _("Name"), _("Orders"), _("Units"), _("Sales (%(currency)s)") % currency,
        _("Days before (%(currency)s)") % currency,
    ]  # fmt: skip
    return csv_download(rows, head, f"products-{report.since}-{report.until}.csv")


def _blank(value):
    return "" if value is None else value
