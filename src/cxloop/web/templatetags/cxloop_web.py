"""Presentation-only filters for staff pages."""

import re

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cxloop.core import names

register = template.Library()


@register.filter
def money_text(amount, currency: str = "") -> str:
    """`1234.5|money_text:"EUR"` -> "1,234.50 EUR" (grouping as the active language writes it)."""
    if amount is None or amount == "":
        return "—"
    text = floatformat(amount, "2g")
    return f"{text} {currency}".strip()


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
def language_name(code: str) -> str:
    """`"zh-hans"|language_name` -> "Simplified Chinese", in the reader's language."""
    return names.language_name(code)


@register.filter
def country_name(code: str) -> str:
    """`"US"|country_name` -> "United States", in the reader's language."""
    return names.country_name(code)
