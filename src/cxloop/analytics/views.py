"""The reports page: the store's numbers for a period against the one before, from the warehouse.

Every member reads it. The numbers come from the analytics warehouse
(analytics.sync keeps it; the page says how old its copy is); while the
warehouse is being built, or busy for longer than a moment, the page says so.
"""


from django.contrib import messages as flash
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cxloop.core import formats
from cxloop.segments.models import SPEND_TIER_LABELS
from cxloop.surveys.exports import neutralize
from cxloop.web import charts
from cxloop.web.access import store_required

from . import views_cohorts, views_range
from .downloads import asked_period, csv_download, not_ready, period_query
from .products import build_products
from .reports import (
    ATTRIBUTION_DAYS,
    CHURN_DAYS_DEFAULT,
    CHURN_DAYS_RANGE,
    PERIODS,
    build_channels,
    build_churn,
    build_cohorts,
    build_dashboard,
    build_journeys,
    build_satisfaction,
    build_voice,
)
from .support import build_support
from .sync import sync_status
from .views_funnels import funnel_context, funnel_rows
from .views_products import labelled
from .views_retention import retention_context
from .warehouse import WarehouseBusy, WarehouseMissing

STEP_NAMES = {
    "page_view": gettext_lazy("Sessions"),
    "product_view": gettext_lazy("Viewed a product"),
    "add_to_cart": gettext_lazy("Added to cart"),
    "checkout_started": gettext_lazy("Started checkout"),
    "order_placed": gettext_lazy("Ordered"),
}



@store_required
def dashboard(request):
    if views_range.asks_jalali_range(request):  # typed Solar Hijri days: to the same range as ISO days
        return views_range.redirect_to_iso_range(request)
    asked = asked_period(request)
    if isinstance(asked, HttpResponseBadRequest):
        return asked
    period, days = asked
    churn_days = _churn_days(request)
    if churn_days == 0:
        low, high = CHURN_DAYS_RANGE
        return HttpResponseBadRequest(
            _("Choose a churn threshold between %(low)s and %(high)s days.")
            % {"low": formats.number_text(low), "high": formats.number_text(high)}
        )
    context = {
        "section": "analytics", "days": days, "periods": PERIODS, "status": sync_status(), "range": period,
        "period_query": period_query(period, days), "range_form": views_range.range_form(period),
    }  # fmt: skip
    try:
        churn = build_churn(request.store, days=churn_days)
        report = build_dashboard(request.store, days=days, period=period)
        cohorts = build_cohorts(request.store, months=COHORT_MONTHS, calendar=formats.calendar_for())
        voice = build_voice(request.store, days=VOICE_DAYS)
        channels = build_channels(request.store, days=days, period=period)
        satisfaction = build_satisfaction(request.store, days=days, period=period)
        journeys = build_journeys(request.store, days=days, period=period)
        support = build_support(request.store, days=days, period=period)
        context |= funnel_context(request.store, days, period=period)
        retention = retention_context(request.store, churn)
        products = build_products(request.store, days=days, period=period)
    except WarehouseMissing:
        return render(request, "analytics/dashboard.html", context | {"state": "missing"})
    except WarehouseBusy:
        return render(request, "analytics/dashboard.html", context | {"state": "busy"}, status=503)
    if context["status"]:
        context["lag_seconds"] = int((timezone.now() - context["status"]["synced_at"]).total_seconds())
    context |= {
        "report": report,
        "funnel": funnel_rows(report.funnel, STEP_NAMES),
        "chart": charts.build_bar_chart(report.days, label_every=max(1, days // 6)),
        # Phones get the narrow chart (the wide one is hidden there, as on the overview).
        "compact_chart": charts.build_bar_chart(
            report.days, width=420, height=300, label_every=max(1, days // 3)
        ),
        "has_orders": any(day.orders for day in report.days),
        "cohorts": cohorts,
        "churn": churn,
        "churn_range": CHURN_DAYS_RANGE,
        "churn_default": CHURN_DAYS_DEFAULT,
        "channels": channels,
        "attribution_days": ATTRIBUTION_DAYS,
        "satisfaction": satisfaction,
        "journeys": journeys,
        "journey_sessions": [(SESSION_NAMES[bucket], n) for bucket, n in journeys.sessions],
        "journey_days": [(DAY_NAMES[bucket], n) for bucket, n in journeys.days],
        "journey_paths": [(_path_steps(path), path) for path in journeys.paths],
        "referred_by": list(zip(REFERRAL_NAMES, report.referred_by, strict=True)),
        "satisfaction_sections": _satisfaction_sections(satisfaction),
        "voice": [(BAND_NAMES[outcome.band], outcome) for outcome in voice],
        "voice_days": VOICE_DAYS,
        "voice_answered": any(outcome.customers for outcome in voice[:3]),
        "cohort_rows": [(row, [_shade(cell) for cell in row.cells]) for row in cohorts.rows],
        "cohort_revenue_rows": views_cohorts.revenue_rows(cohorts),
        "support": support,
        "support_rows": list(zip(SUPPORT_GROUPS, (support.after, support.baseline), strict=True)),
        "products": labelled(products),
    }
    context |= retention
    return render(request, "analytics/dashboard.html", context)


SESSION_NAMES = {
    "1": gettext_lazy("In their first session"),
    "2": gettext_lazy("In their second session"),
    "3": gettext_lazy("After 3 to 5 sessions"),
    "6": gettext_lazy("After 6 sessions or more"),
    "0": gettext_lazy("No session recorded"),
}
DAY_NAMES = {
    "0": gettext_lazy("Within a day"),
    "1": gettext_lazy("1 to 7 days"),
    "8": gettext_lazy("8 to 30 days"),
    "31": gettext_lazy("More than 30 days"),
    "none": gettext_lazy("No visit recorded"),
}
REFERRAL_NAMES = (
    gettext_lazy("Through a referral link"),
    gettext_lazy("With a referral code on the order"),
    gettext_lazy("Both"),
)
PATH_STEP_NAMES = {
    "page_view": gettext_lazy("A page"),
    "product_view": gettext_lazy("Viewed a product"),
    "add_to_cart": gettext_lazy("Added to cart"),
    "checkout_started": gettext_lazy("Started checkout"),
}


def _path_steps(path) -> list[tuple[str, bool]]:
    """A path's steps as (text, is a page's path): a path is shown as it is, the others by name."""
    return [(str(PATH_STEP_NAMES.get(step, step)), step.startswith("/")) for step in path.steps]


SATISFACTION_CHANNELS = 8  # the channels with the most answers; the rest are left out


def _satisfaction_sections(satisfaction) -> list:
    for row in satisfaction.by_tier:
        row.tier_label = SPEND_TIER_LABELS.get(row.group, row.group)
    return [
        (_("By the channel of their first order"), satisfaction.by_channel[:SATISFACTION_CHANNELS]),
        (_("By the month of their first order"), satisfaction.by_month),
        (_("By predicted spend tier"), satisfaction.by_tier),
    ]


def _churn_days(request) -> int | None:
    """The churn threshold asked for; None for the suggested one, 0 for one that is not allowed."""
    raw = request.GET.get("churn_days", "").strip()
    if not raw:
        return None
    low, high = CHURN_DAYS_RANGE
    return int(raw) if raw.isdigit() and low <= int(raw) <= high else 0


COHORT_MONTHS = views_cohorts.COHORT_MONTHS  # the CSV holds the same months
VOICE_DAYS = 90
BAND_NAMES = {
    "high": gettext_lazy("Promoters (9–10)"),
    "mid": gettext_lazy("Passives (7–8)"),
    "low": gettext_lazy("Detractors (0–6)"),
    "none": gettext_lazy("Never answered"),
}


SUPPORT_GROUPS = (
    gettext_lazy("After a resolved conversation"),
    gettext_lazy("Other customers (baseline)"),
)


def _shade(cell):
    """A cohort cell with its shade, 0-10 by its share (a class: the CSP allows no inline style)."""
    if cell is None:
        return None
    share, net = cell
    return share, net, 0 if share is None else min(10, int(share // 10) + (1 if share > 0 else 0))


@store_required
def dashboard_csv(request):
    """The daily rows behind the chart: day, orders, net revenue."""
    asked = asked_period(request)
    if isinstance(asked, HttpResponseBadRequest):
        return asked
    period, days = asked
    try:
        report = build_dashboard(request.store, days=days, period=period)
    except (WarehouseMissing, WarehouseBusy):
        return not_ready(request, period, days)
    rows = ([day.day.isoformat(), day.orders, day.net] for day in report.days)
    head = [_("Day"), _("Orders"), _("Net revenue (%(currency)s)") % {"currency": request.store.currency}]
    return csv_download(rows, head, f"revenue-{report.since}-{report.until}.csv")


@store_required
def paths_csv(request):
    """The rows behind the paths to a first order: the path, customers, share of new customers, and the
    median seconds from its first step to the order."""
    asked = asked_period(request)
    if isinstance(asked, HttpResponseBadRequest):
        return asked
    period, days = asked
    try:
        journeys = build_journeys(request.store, days=days, period=period)
    except (WarehouseMissing, WarehouseBusy):
        return not_ready(request, period, days)
    rows = (
        [
            neutralize(" → ".join([text for text, _is_path in _path_steps(path)] + (["…"] * path.more))),
            path.customers, "" if path.share is None else path.share,
            "" if path.median is None else int(path.median.total_seconds()),
        ]
        for path in journeys.paths
    )  # fmt: skip
    head = [_("Path"), _("Customers"), _("Of new customers (%)"), _("Median seconds to the order")]
    name = f"{period.first}-{period.last}" if period else f"{days}-days"
    return csv_download(rows, head, f"paths-to-first-order-{name}.csv")


@store_required
def support_csv(request):
    """The rows behind the help desk card's table: per group, its customers, those whose window has
    ended, those who ordered in it, and the share with its 95 % range."""
    try:
        support = build_support(request.store)
    except (WarehouseMissing, WarehouseBusy):
        return not_ready(request)
    groups = [
        (_("Customers after a resolved conversation"), support.after),
        (_("Other customers (baseline)"), support.baseline),
    ]
    rows = (
        [
            name, cohort.windows, cohort.complete, cohort.ordered,
            "" if cohort.share is None else cohort.share, *(cohort.interval or ("", "")),
        ]
        for name, cohort in groups
    )  # fmt: skip
    head = [
        _("Group"), _("Windows"), _("Complete windows"), _("Ordered within the window"), _("Ordered (%)"),
        _("Range from (%)"), _("Range to (%)"),
    ]  # fmt: skip
    return csv_download(
        rows, head, f"orders-after-help-desk-{support.resolved_since}-{support.resolved_until}.csv"
    )


@require_POST
@store_required
def sync_now(request):
    """Ask the worker to bring the warehouse up to date now (it does every half minute anyway)."""
    from .tasks import sync_warehouse_task

    sync_warehouse_task.enqueue()
    flash.success(request, _("The worker is updating the reports' data; reload in a moment."))
    return redirect("analytics:dashboard")




