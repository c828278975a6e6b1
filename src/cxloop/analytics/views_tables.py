"""The CSVs behind the reports page's tables that have no chart: revenue by channel, satisfaction by
customer group, and whether promoters buy again. Each holds what its card shows, for the same period.
A channel's name is what a storefront sent (a UTM source, a referrer's host): neutralised."""

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _

from cxloop.surveys.exports import neutralize
from cxloop.web.access import store_required

from .downloads import asked_period, csv_download, not_ready
from .reports import build_channels, build_satisfaction, build_voice
from .warehouse import WarehouseBusy, WarehouseMissing

VOICE_LOOKBACK_DAYS = 365  # as the page's card (reports.build_voice's default)


def _blank(value):
    return "" if value is None else value


@store_required
def channels_csv(request):
    """Per channel: orders and net by the last touch, then net by the first touch and linear."""
    asked = asked_period(request)
    if isinstance(asked, HttpResponseBadRequest):
        return asked
    period, days = asked
    try:
        channels = build_channels(request.store, days=days, period=period)
    except (WarehouseMissing, WarehouseBusy):
        return not_ready(request, period, days)
    currency = request.store.currency
    rows = (
        [
            neutralize(channel.name), channel.last.orders, channel.last.net, _blank(channel.last.share),
            channel.first.net, channel.linear.orders, channel.linear.net,
        ]
        for channel in channels
    )  # fmt: skip
    head = [
        _("Channel"), _("Orders (last touch)"), _("Last touch (%(currency)s)") % {"currency": currency},
        _("Share (%)"), _("First touch (%(currency)s)") % {"currency": currency}, _("Orders (linear)"),
        _("Linear (%(currency)s)") % {"currency": currency},
    ]  # fmt: skip
    return csv_download(rows, head, f"net-revenue-by-channel-{_name(period, days)}.csv")


@store_required
def satisfaction_csv(request):
    """Per customer group (first-order channel, first-order month, predicted spend tier): NPS and CSAT
    answers, the score and half its 95 % range."""
    from .views import _satisfaction_sections

    asked = asked_period(request)
    if isinstance(asked, HttpResponseBadRequest):
        return asked
    period, days = asked
    try:
        satisfaction = build_satisfaction(request.store, days=days, period=period)
    except (WarehouseMissing, WarehouseBusy):
        return not_ready(request, period, days)
    sections = [(title, rows) for title, rows in _satisfaction_sections(satisfaction)]
    rows = (
        [
            str(title), neutralize(str(getattr(row, "tier_label", row.group))),
            row.nps.answers, _blank(row.nps.value), _blank(row.nps.margin),
            row.csat.answers, _blank(row.csat.value), _blank(row.csat.margin),
        ]
        for title, found in sections
        for row in found
    )  # fmt: skip
    head = [
        _("Grouped by"), _("Group"), _("NPS answers"), _("NPS"), _("NPS ±"), _("CSAT answers"), _("CSAT (%)"),
        _("CSAT ±"),
    ]  # fmt: skip
    return csv_download(rows, head, f"satisfaction-by-group-{_name(period, days)}.csv")


@store_required
def voice_csv(request):
    """Promoters, passives, detractors and those who never answered: how many, how many ordered again
    within the days after answering, the share with its 95 % range, and their net."""
    from .views import BAND_NAMES, VOICE_DAYS

    try:
        outcomes = build_voice(request.store, days=VOICE_DAYS, lookback=VOICE_LOOKBACK_DAYS)
    except (WarehouseMissing, WarehouseBusy):
        return not_ready(request)
    currency = request.store.currency
    rows = (
        [
            str(BAND_NAMES[o.band]), o.customers, o.came_back, _blank(o.rate),
            *(o.interval or ("", "")), o.net, _blank(o.net_per_customer),
        ]
        for o in outcomes
    )  # fmt: skip
    head = [
        _("Customers"), _("How many"), _("Ordered again"), _("Ordered again (%)"), _("Range from (%)"),
        _("Range to (%)"), _("Net (%(currency)s)") % {"currency": currency},
        _("Net per customer (%(currency)s)") % {"currency": currency},
    ]  # fmt: skip
    return csv_download(rows, head, f"promoters-buying-again-{VOICE_DAYS}-days.csv")


def _name(period, days: int) -> str:
    return f"{period.first}-{period.last}" if period else f"{days}-days"
