"""The funnel over time and by channel and country on the reports page, and their CSVs.

Every member reads them, as the rest of the page. The dashboard view asks
`funnel_context` for the cards' part (analytics/_funnel_more.html).
"""

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxloop.core import formats, names
from cxloop.surveys.exports import neutralize
from cxloop.web import charts
from cxloop.web.access import store_required

from .devices import build_funnel_devices, build_funnel_mediums
from .downloads import asked_period, csv_download, not_ready
from .funnels import CHANNELS, FunnelTrend, GroupRow, build_funnel_groups, build_funnel_trend, step_drops
from .warehouse import WarehouseBusy, WarehouseMissing

# The steps' names, in metrics.FUNNEL_STEPS order (the funnel card's, views.STEP_NAMES)
SERIES = (
    gettext_lazy("Sessions"),
    gettext_lazy("Viewed a product"),
    gettext_lazy("Added to cart"),
    gettext_lazy("Started checkout"),
    gettext_lazy("Ordered"),
)
# A device class's name, by the class commerce.devices gives ("": not known)
DEVICE_NAMES = {
    "mobile": gettext_lazy("Mobile"),
    "tablet": gettext_lazy("Tablet"),
    "desktop": gettext_lazy("Desktop"),
    "bot": gettext_lazy("Bots"),
    "": gettext_lazy("Device not known"),
}
COMPACT_GROUPS = 13  # more groups than this leave a phone's chart no room for five bars each


def funnel_rows(funnel, names) -> list[tuple]:
    """The dashboard funnel card's rows: (name, sessions, share of the first step, lost from the step
    before, in per cent)."""
    drops = step_drops(funnel)
    return [
        (names[step], sessions, share, drop)
        for (step, sessions, share), drop in zip(funnel, drops, strict=True)
    ]


def funnel_context(store, days: int, period=None) -> dict:
    """The cards' part of the reports page (raises WarehouseMissing or WarehouseBusy as the page's other
    builders do)."""
    trend = build_funnel_trend(store, days=days, period=period)
    groups = build_funnel_groups(store, days=days, period=period)
    every = max(1, len(trend.rows) // 6)
    compact = len(trend.rows) <= COMPACT_GROUPS
    return {
        "funnel_trend": trend,
        "funnel_series": [str(name) for name in SERIES],
        "funnel_chart": trend_chart(trend, label_every=every),
        "funnel_compact_chart": (
            trend_chart(trend, width=420, height=300, label_every=max(1, len(trend.rows) // 3))
            if compact
            else None
        ),
        "funnel_channels": [(group_name(row, "channel"), row) for row in groups.channels],
        "funnel_countries": [(group_name(row, "country"), row) for row in groups.countries],
        "funnel_devices": [
            (group_name(row, "device"), row) for row in build_funnel_devices(store, days=days, period=period)
        ],
        "funnel_mediums": [
            (group_name(row, "medium"), row) for row in build_funnel_mediums(store, days=days, period=period)
        ],
        "funnel_top": CHANNELS,
    }


def trend_chart(trend: FunnelTrend, *, label_every: int, **size) -> charts.GroupedChart:
    """The steps per day (or week) as side-by-side bars, a date label every `label_every` groups counted
    back from the newest, each bar's tooltip its day (or week), step and sessions."""
    series = [str(name) for name in SERIES]
    groups = [(formats.axis_label(row.first), list(row.steps.counts)) for row in trend.rows]
    chart = charts.build_grouped_chart(groups, series, **size)
    last = len(chart.group_labels) - 1
    chart.group_labels[:] = [
        label for n, label in enumerate(chart.group_labels) if (last - n) % label_every == 0
    ]
    for n, bar in enumerate(chart.bars):  # a group's bars one per series, the groups in order
        row = trend.rows[n // len(series)]
        value = row.steps.counts[bar.series]
        bar.label = f"{span_text(trend, row)} · {series[bar.series]}: {formats.number_text(value, 0)}"
    return chart


def span_text(trend: FunnelTrend, row) -> str:
    """A row's day, or its week's first and last day."""
    if not trend.weekly or row.first == row.last:
        return formats.date_text(row.first)
    return f"{formats.date_text(row.first)} – {formats.date_text(row.last)}"


def group_name(row: GroupRow, kind: str) -> str:
    """A channel's or a country's name as shown: the rest together, direct, unknown, or the name itself
    (a country by its name in the reader's language, a device class by its name)."""
    if kind == "device":
        return str(DEVICE_NAMES.get(row.name, row.name))
    if kind == "medium":
        return str(_("Other media") if row.other else row.name or _("No UTM medium"))
    if row.other:
        return str(_("Other channels") if kind == "channel" else _("Other countries"))
    if not row.name:
        return str(_("Direct") if kind == "channel" else _("Country not known"))
    return row.name if kind == "channel" else names.country_name(row.name)


@store_required
def funnel_trend_csv(request):
    """The rows behind the funnel over time: per day (per week: its first and last day), the sessions
    of each step and the share that ordered."""
    asked = asked_period(request)
    if isinstance(asked, HttpResponseBadRequest):
        return asked
    period, days = asked
    try:
        trend = build_funnel_trend(request.store, days=days, period=period)
    except (WarehouseMissing, WarehouseBusy):
        return not_ready(request, period, days)
    rows = (
        [row.first.isoformat(), row.last.isoformat(), *row.steps.counts, _blank(row.steps.conversion)]
        for row in trend.rows
    )
    head = [_("From"), _("To"), *(str(name) for name in SERIES), _("Ordered (%)")]
    return csv_download(rows, head, f"funnel-by-{'week' if trend.weekly else 'day'}-{days}-days.csv")


@store_required
def funnel_groups_csv(request):
    """The rows behind the funnel by channel, by country and by device: the group, its name, the
    sessions of each step and the share that ordered. A name is text a storefront sent (a UTM source):
    neutralised."""
    asked = asked_period(request)
    if isinstance(asked, HttpResponseBadRequest):
        return asked
    period, days = asked
    try:
        groups = build_funnel_groups(request.store, days=days, period=period)
        devices = build_funnel_devices(request.store, days=days, period=period)
        mediums = build_funnel_mediums(request.store, days=days, period=period)
    except (WarehouseMissing, WarehouseBusy):
        return not_ready(request, period, days)
    parts = [
        (_("Channel"), "channel", groups.channels),
        (_("Country"), "country", groups.countries),
        (_("Device"), "device", devices),
        (_("UTM medium"), "medium", mediums),
    ]
    rows = (
        [group, neutralize(_csv_name(row, kind)), *row.steps.counts, _blank(row.steps.conversion)]
        for group, kind, found in parts
        for row in found
    )
    head = [_("Group"), _("Name"), *(str(name) for name in SERIES), _("Ordered (%)")]
    return csv_download(rows, head, f"funnel-by-channel-{days}-days.csv")


def _csv_name(row: GroupRow, kind: str) -> str:
    """A group's name in the CSV: a country by its code, the rest as on the page."""
    if kind == "country" and row.name and not row.other:
        return row.name
    return group_name(row, kind)


def _blank(value):
    return "" if value is None else value
