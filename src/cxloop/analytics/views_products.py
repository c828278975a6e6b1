"""The reports page's "Products" card (analytics/_products.html) and its CSV: sales by product and type."""

from django.contrib import messages as flash
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cxloop.core import formats
from cxloop.surveys.exports import neutralize, stream_csv
from cxloop.web.access import store_required

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
    from .views import _period_query
    from .views_funnels import _asked

    asked = _asked(request)
    if isinstance(asked, HttpResponseBadRequest):
        return asked
    period, days = asked
    try:
        report = labelled(build_products(request.store, days=days, period=period))
    except (WarehouseMissing, WarehouseBusy):
        flash.info(request, _("The reports' data is not ready yet; the CSV will be there once it is."))
        return redirect(f"{reverse('analytics:dashboard')}?{_period_query(period, days)}")
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
    response = StreamingHttpResponse(stream_csv(rows, head=head), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="products-{report.since}-{report.until}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _blank(value):
    return "" if value is None else value
