"""Presentation-only filters for staff pages."""

import re

from django import template
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cxloop.core import formats, names

register = template.Library()


@register.filter
def money_text(amount, currency: str = "") -> str:
    """`1234.5|money_text:"EUR"` -> "1,234.50 EUR" (grouped, digits as the page writes them)."""
    return formats.money_text(amount, currency)


@register.filter
def money(amount, currency: str = ""):
    """`money_text` isolated left-to-right, so "1,234.50 EUR" keeps its order on RTL pages."""
    return format_html('<span class="money" dir="ltr">{}</span>', money_text(amount, currency))


EVENT_LABELS = {
    "page_view": _("Viewed a page"),
    "product_view": _("Viewed a product"),
    "add_to_cart": _("Added to cart"),
    "checkout_started": _("Started checkout"),
    "order_placed": _("Placed an order"),
    "identify": _("Identified"),
    "survey_low_score": _("Low survey score"),
}


@register.filter
def event_label(event_type: str) -> str:
    """A translated name for the journey event types cxloop knows; others humanised.

    "survey_low_score" -> "Low survey score"; "wishlist_add" -> "Wishlist add".
    """
    label = EVENT_LABELS.get(event_type)
    if label:
        return str(label)
    return capfirst(" ".join(re.split(r"[_.:-]+", event_type or "")).strip())


@register.filter
def full_name(person) -> str:
    """`user|full_name` -> "Anna Kowalska", "王伟": any object with first_name and last_name."""
    return names.person_name(getattr(person, "first_name", ""), getattr(person, "last_name", ""))


@register.filter
def language_name(code: str) -> str:
    """`"zh-hans"|language_name` -> "Simplified Chinese", in the reader's language."""
    return names.language_name(code)


@register.filter
def country_name(code: str) -> str:
    """`"US"|country_name` -> "United States", in the reader's language."""
    return names.country_name(code)


# Times, dates and numbers: one format per language, in the store's timezone
# (see cxloop.core.formats). `|date:"c"` stays for machine-readable attributes only.


@register.filter
def date_text(value) -> str:
    """`order.created_at|date_text` -> "Dec 3, 2026" / "۱۲ آذر ۱۴۰۵"."""
    return formats.date_text(value)


@register.filter
def datetime_text(value, zone: str = "") -> str:
    """`order.created_at|datetime_text` -> "Dec 3, 2026, 10:46 AM"; `|datetime_text:"zone"` adds "CET"."""
    return formats.datetime_text(value, zone=bool(zone))


@register.filter
def month_text(value) -> str:
    """`period.start|month_text` -> "Dec 2026" / "آذر ۱۴۰۵"."""
    return formats.month_text(value)


@register.filter
def number(value, decimals=None):
    """`1234|number` -> "1,234"; `3.14159|number:2` -> "3.14"; Persian digits on Persian pages.

    A whole number stays an int (`formats.Count`), so it can be a blocktranslate counter.
    """
    if isinstance(value, int) and not isinstance(value, bool) and decimals in (None, ""):
        return formats.Count(value)
    return formats.number_text(value, None if decimals in (None, "") else int(decimals))


@register.filter
def percent(value, decimals=None) -> str:
    """`3.4|percent` -> "3.4%", "۳٫۴٪" (the value is already in percent)."""
    return formats.percent_text(value, None if decimals in (None, "") else int(decimals))


@register.filter
def duration(value) -> str:
    """A timedelta as "2 hr", "45 min", "۲ ساعت" (formats.duration_text)."""
    return formats.duration_text(value)


@register.filter
def digits(value) -> str:
    """Text that holds numbers (a score "+12", "4.5") with the page's digits."""
    if value is None or value == "":
        return value
    return formats.localize_digits(str(value))


@register.simple_tag
def zone_name() -> str:
    """The store's timezone, for headings: "Europe/Warsaw"."""
    return formats.zone_name()
