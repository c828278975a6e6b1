"""Staff pages to run a store: its settings (owners and admins), and a new store (anyone signed in).

Thin views: `core.store_settings` checks every field, writes and audits.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cxloop.core import names
from cxloop.core import queries as core_queries
from cxloop.core.audit import Actor
from cxloop.core.models import Membership
from cxloop.core.roles import check_role
from cxloop.core.store_settings import (
    SettingsInvalid,
    StoreSettings,
    create_store_for,
    list_country_codes,
    list_currency_codes,
    list_timezones,
    shipped_languages,
    update_store_settings,
)

from .access import store_required

MAX_FIELD = 5000
EMPTY_COUNTRY_ROWS = 3


def _text(request, name: str) -> str:
    return request.POST.get(name, "")[:MAX_FIELD]


def _country_rows_posted(request) -> list[tuple[str, str]]:
    """The (country, language) rows of the form; rows left without a country are dropped."""
    countries = request.POST.getlist("country")[:400]
    languages = request.POST.getlist("country_language")[:400]
    pairs = zip(countries, languages, strict=False)
    return [(country.strip()[:10], language.strip()[:20]) for country, language in pairs if country.strip()]


def _choices() -> dict:
    return {
        "languages": [(code, names.language_name(code)) for code in shipped_languages()],
        "timezones": list_timezones(),
        "currencies": list_currency_codes(),
        "countries": [(code, names.country_name(code)) for code in list_country_codes()],
    }


@store_required
def store_settings(request):
    check_role(request, Membership.Role.ADMIN)
    store, errors, status = request.store, {}, 200
    values = StoreSettings.of(store)
    if request.method == "POST":
        values = StoreSettings(
            name=_text(request, "name"),
            default_language=_text(request, "default_language"),
            timezone=_text(request, "timezone"),
            currency=_text(request, "currency"),
            support_email=_text(request, "support_email"),
            storefront_origins=_text(request, "storefront_origins"),
            country_languages=_country_rows_posted(request),
        )
        try:
            changed = update_store_settings(store=store, changes=values, actor=Actor.from_request(request))
        except SettingsInvalid as error:
            errors, status = error.errors, 422
        else:
            messages.success(
                request, _("The store's settings were saved.") if changed else _("Nothing changed.")
            )
            return redirect("web:settings")
    rows = values.country_languages
    rows = list(rows.items()) if isinstance(rows, dict) else rows
    shipped = shipped_languages()
    context = {
        "section": "settings",
        "values": values,
        "country_rows": [(c, lang, names.country_name(c)) for c, lang in rows if lang in shipped]
        + [("", "", "")] * EMPTY_COUNTRY_ROWS,
        "errors": errors,
        "widget_default": _("any site")
        if settings.CXLOOP_WIDGET_FRAME_ANCESTORS == "*"
        else settings.CXLOOP_WIDGET_FRAME_ANCESTORS,
        **_choices(),
    }
    return render(request, "web/store_settings.html", context, status=status)


@login_required
def store_new(request):
    """Create a store; its creator becomes its owner and sees its two API keys once."""
    errors, status = {}, 200
    values = {"name": "", "currency": "EUR", "timezone": "UTC", "default_language": request.LANGUAGE_CODE}
    if request.method == "POST":
        values = {name: _text(request, name) for name in values}
        try:
            created = create_store_for(
                user=request.user, name=values["name"], currency=values["currency"],
                timezone=values["timezone"], language=values["default_language"],
                actor=Actor.from_request(request),
            )  # fmt: skip
        except SettingsInvalid as error:
            errors, status = error.errors, 422
        else:
            request.session["store_id"] = created.store.pk
            request.membership = core_queries.get_current_membership(request.user, created.store.pk)
            request.store = created.store
            return render(request, "web/store_created.html", {"created": created})
    context = {"values": values, "errors": errors, **_choices()}
    return render(request, "web/store_new.html", context, status=status)
