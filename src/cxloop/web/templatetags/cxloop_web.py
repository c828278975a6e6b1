"""Presentation-only filters for staff pages."""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

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
}


@register.filter
def event_label(event_type: str) -> str:
    """A readable name for the journey event types cxloop knows; others as sent."""
    label = EVENT_LABELS.get(event_type)
    return str(label) if label else event_type
