"""The predictions page: the last refresh of the store's models, and how well they predicted.

Every member of the store may look; owners and admins may ask for a refresh
(POST: queued for the worker). The calibration chart is the holdout check
(services.predictions.holdout_check): the models fitted on the older part of
the history, their expected orders per customer in the last days against the
orders the customers really placed, by how many repeat orders they had before.
"""

from django.contrib import messages as flash
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cxloop.analytics.downloads import csv_download
from cxloop.core import formats
from cxloop.core.models import Membership
from cxloop.core.roles import check_role, has_role
from cxloop.web.access import store_required
from cxloop.web.charts import build_grouped_chart

from . import queries
from .services import predictions as services
from .tasks import refresh_predictions_task


@store_required
def prediction_report(request):
    if request.method == "POST":
        check_role(request, Membership.Role.ADMIN)
        refresh_predictions_task.enqueue(request.store.pk)
        flash.success(
            request, _("The predictions are being refreshed. This page shows the new run when it is done.")
        )
        return redirect("segments:predictions")
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    run = queries.latest_run(request.store)
    rows = calibration_rows(run)
    context = {
        "section": "segments",
        "run": run,
        "rows": rows,
        "can_refresh": has_role(request.membership, Membership.Role.ADMIN),
        "minimum": {
            "buyers": services.MIN_BUYERS,
            "repeat_buyers": services.MIN_REPEAT_BUYERS,
            "days": services.MIN_HISTORY_DAYS,
        },
    }
    if rows:
        series = [_("Predicted"), _("Actual")]
        groups = [(row["label"], [row["predicted"], row["actual"]]) for row in rows]
        context["series"] = series
        context["chart"] = build_grouped_chart(groups, series)
        context["compact_chart"] = build_grouped_chart(groups, series, width=420, height=300)
    return render(request, "segments/predictions.html", context)


@store_required
def calibration_csv(request):
    """The rows behind the calibration chart: repeat orders before, customers, and orders per customer
    expected and placed in the held-out days. A store without a check gets the head only."""
    run = queries.latest_run(request.store)
    rows = (
        [row["repeat_orders_before"], row["customers"], row["predicted"], row["actual"]]
        for row in calibration_rows(run)
    )
    head = [
        _("Repeat orders before (at least)"), _("Customers"), _("Predicted orders per customer"),
        _("Actual orders per customer"),
    ]  # fmt: skip
    return csv_download(rows, head, "predictions-holdout-check.csv")


def calibration_rows(run) -> list[dict]:
    """The holdout check's rows with their labels ("0" ... "7+"), or [] without a check."""
    check = (run.calibration or {}) if run is not None else {}
    rows = check.get("by_repeat_orders") or []
    top = services.CALIBRATION_TOP
    return [
        {
            **row,
            "label": (
                _("%(number)s or more") % {"number": formats.number_text(top)}
                if row["repeat_orders_before"] >= top
                else formats.number_text(row["repeat_orders_before"])
            ),
        }
        for row in rows
    ]
