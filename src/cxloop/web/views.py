"""The staff shell: the overview and switching stores (signing in: views_auth.py)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxloop.core import formats
from cxloop.core import queries as core_queries
from cxloop.core.inputs import parse_db_id
from cxloop.surveys import queries as survey_queries

from . import charts, queries
from .access import store_required


@store_required
def overview(request):
    store = request.store
    daily = queries.list_daily_revenue(store)
    return render(
        request,
        "web/overview.html",
        {
            "overview": queries.build_overview(store),
            "chart": charts.build_bar_chart(daily),
            "compact_chart": charts.build_bar_chart(daily, width=420, height=300, label_every=14),
            "period_days": queries.PERIOD_DAYS,
            "chart_days": queries.CHART_DAYS,
            "score_cards": survey_queries.build_score_cards(store, days=queries.PERIOD_DAYS),
        },
    )


@require_POST
@login_required
def switch_store(request):
    """Make another of the user's stores the current one; any other id is 404."""
    membership = (
        core_queries.list_memberships(request.user)
        .filter(store_id=parse_db_id(request.POST.get("store")))
        .first()
    )
    if membership is None:
        raise Http404("No such store.")
    request.session["store_id"] = membership.store_id
    return redirect("web:overview")


CALENDAR_COOKIE_AGE = 365 * 24 * 60 * 60


@require_POST
def set_calendar(request):
    """Remember the reader's calendar for Persian pages (Solar Hijri or Gregorian) in a cookie.

    Anyone may choose (customers' pages read it too); an unknown calendar is a 400.
    """
    choice = request.POST.get("calendar", "")
    if choice not in formats.CALENDARS:
        return HttpResponse(
            _("Unknown calendar %(calendar)s: choose jalali or gregorian.") % {"calendar": choice[:40]},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = redirect(target)
    response.set_cookie(
        formats.CALENDAR_COOKIE, choice, max_age=CALENDAR_COOKIE_AGE, samesite="Lax", httponly=True
    )
    return response
