"""Survey pages customers reach: the invitation link, the web link and its widget mode.

    /s/<token>/              an invitation link from an email (`?score=9`: the score clicked there)
    /s/<token>/thanks/       what was recorded, with a link to change it
    /s/w/<public_id>/        a survey's web link: anonymous, or identified with `?c=<token>`;
                             `?lang=fa` picks the language, `?embed=1` is the storefront widget
    /s/w/<public_id>/thanks/ what a web-link answer recorded (`?k=` names it)

A GET never records an answer (mail scanners fetch every link in an email);
it marks an invitation opened. A POST records, then redirects to the thanks
page, so a reload does not send the form again. Submits are limited per
client address (surveys/ratelimit.py).

No page here uses a session or a cookie: an invitation link is its own
credential (a signed token), and a web link is public. So the forms are
exempt from CSRF checks (there is no ambient credential a forged request
could ride on), and they work inside the storefront's iframe, where
browsers withhold cookies.

Framing: every page of cxloop refuses to be framed (X-Frame-Options DENY,
CSP frame-ancestors 'none') except the web link in widget mode, which the
storefront snippet shows in an iframe on the store's own site. That page
may be framed by the store's storefront origins (set on the integrations
page), or, for a store that has set none, by the origins in
settings.CXLOOP_WIDGET_FRAME_ANCESTORS (any, by default: cxloop does not
know every domain a store sells on). Framing
it gains a hostile site nothing: the page holds no session, and what it can
submit is an anonymous answer anyone may submit.
"""

import secrets
from dataclasses import dataclass

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from cxloop.commerce import queries as commerce_queries
from cxloop.commerce.models import Customer
from cxloop.core import formats
from cxloop.flows import queries as flows_queries
from cxloop.flows.models import ContactKind

from .. import queries, ratelimit, services
from ..errors import InvalidAnswer, LinkExpired, SurveyClosed, UnknownLink
from ..models import Channel, Invitation, Response, Survey
from ..scoring import SCALES, ScoreError, parse_score
from ..texts import SHIPPED_LANGUAGES, SurveyTexts, build_texts, normalize_language, pick_language
from ..tokens import parse_invitation_token, read_invitation_token, read_web_customer_token
from . import public_pages as pages


@dataclass
class Page:
    """One public page's subject: the survey, the language it speaks, and how it was reached."""

    survey: Survey
    texts: SurveyTexts
    questions: list
    embed: bool = False
    invitation: Invitation | None = None
    customer: Customer | None = None

    @property
    def language(self) -> str:
        return self.texts.language


# -- Invitation links ----------------------------------------------------------------------------------


@csrf_exempt
@require_http_methods(["GET", "POST"])
def answer(request, token):
    """An invitation link: GET shows the question with a clicked score chosen; POST records the answer."""
    page = _invitation_page(token, whole=request.method == "POST")
    if page is None:
        return _unknown_link(request)
    invitation = page.invitation
    now = timezone.now()
    if invitation.expires_at <= now:
        return _unavailable(request, page, "expired", status=410)
    response = queries.get_invitation_response(invitation)
    if request.method == "GET":
        if invitation.opened_at is None:  # a link opened before is not written again
            queries.mark_opened(invitation, now)
        if not page.survey.is_open:
            return _unavailable(request, page, "closed", status=200, response=response)
        entry = pages.Entry.from_response(response)
        entry.score = _clicked_score(page.survey, request.GET.get("score")) or entry.score
        return _form(request, page, entry, response=response)
    entry = pages.Entry.from_post(request.POST, page.questions)
    if refused := _refuse_if_limited(request, page, entry, response):
        return refused
    try:
        answer = services.clean_answer(
            page.survey,
            score=entry.score,
            comment=entry.comment,
            answers=entry.answers,
            questions=page.questions,
        )
        services.record_invitation_answer(invitation=invitation, answer=answer, language=page.language)
    except InvalidAnswer as exc:
        errors = pages.explain(exc, page.survey, entry, page.questions)
        return _form(request, page, entry, response=response, errors=errors, status=422)
    except LinkExpired:
        return _unavailable(request, page, "expired", status=410)
    except SurveyClosed:
        return _unavailable(request, page, "closed", status=409, response=response)
    return redirect(reverse("surveys:answer-thanks", args=[token]), permanent=False)


@require_GET
def answer_thanks(request, token):
    """After an invitation answer: thank the customer and show what was recorded."""
    page = _invitation_page(token, whole=False)
    if page is None:
        return _unknown_link(request)
    response = queries.get_invitation_response(page.invitation)
    if response is None:
        return redirect(reverse("surveys:answer", args=[token]))
    can_change = page.survey.is_open and page.invitation.expires_at > timezone.now()
    change_url = reverse("surveys:answer", args=[token]) if can_change else ""
    return _thanks(request, page, response, change_url)


def _invitation_page(token: str, *, whole: bool) -> Page | None:
    """The page of an invitation link; `whole` loads every column (to record an answer), else
    just what the page shows, in one query."""
    try:
        if whole:
            invitation = read_invitation_token(token)
        else:
            invitation = queries.get_page_invitation(*parse_invitation_token(token))
    except UnknownLink:
        return None
    if invitation is None:
        return None
    survey = invitation.survey
    return Page(
        survey=survey,
        texts=build_texts(survey, invitation.language),
        questions=pages.saved_questions(survey),
        invitation=invitation,
    )


def _clicked_score(survey: Survey, raw) -> str:
    """The score clicked in the email, if it is on the survey's scale; ignored otherwise."""
    if raw is None or SCALES.get(survey.kind) is None:
        return ""
    try:
        return str(parse_score(survey.kind, raw))
    except ScoreError:
        return ""


# -- Web links and the widget --------------------------------------------------------------------------


@csrf_exempt
@require_http_methods(["GET", "POST"])
def web_answer(request, public_id):
    """A survey's web link (anonymous, or identified by `?c=`); `?embed=1` is the storefront widget."""
    page = _web_page(request, public_id)
    if page is None:
        return _unknown_link(request)
    if request.method == "GET":
        response = _web_response(page, request.GET.get("k", ""))
        if not page.survey.is_open:
            return _unavailable(request, page, "closed", status=200, response=response)
        entry = pages.Entry.from_response(response)
        entry.submission_key = response.submission_key if response else secrets.token_urlsafe(16)
        entry.score = _clicked_score(page.survey, request.GET.get("score")) or entry.score
        return _form(request, page, entry, response=response)
    entry = pages.Entry.from_post(request.POST, page.questions)
    if refused := _refuse_if_limited(request, page, entry, None):
        return refused
    try:
        answer = services.clean_answer(
            page.survey,
            score=entry.score,
            comment=entry.comment,
            answers=entry.answers,
            questions=page.questions,
        )
        response = services.record_web_answer(
            survey=page.survey,
            submission_key=entry.submission_key,
            answer=answer,
            language=page.language,
            customer=page.customer,
            channel=Channel.WIDGET if page.embed else Channel.WEB,
        )
    except InvalidAnswer as exc:
        errors = pages.explain(exc, page.survey, entry, page.questions)
        return _form(request, page, entry, errors=errors, status=422)
    except SurveyClosed:
        return _unavailable(request, page, "closed", status=409)
    return redirect(_web_url(request, page, "surveys:web-thanks", k=response.submission_key))


@require_GET
def web_thanks(request, public_id):
    """After a web-link answer: thank the customer and show what was recorded."""
    page = _web_page(request, public_id)
    if page is None:
        return _unknown_link(request)
    response = _web_response(page, request.GET.get("k", ""))
    if response is None:
        return redirect(_web_url(request, page, "surveys:web-answer"))
    change_url = ""
    if page.survey.is_open:
        change_url = _web_url(request, page, "surveys:web-answer", k=response.submission_key)
    return _thanks(request, page, response, change_url)


def _web_page(request, public_id: str) -> Page | None:
    survey = next(
        iter(Survey.objects.filter(public_id=public_id).select_related("store").defer("logo")[:1]), None
    )
    if survey is None:
        return None
    customer = None
    if "c" in request.GET:
        try:
            customer_id = read_web_customer_token(survey.store, survey, request.GET["c"])
            customer = commerce_queries.get_customer(survey.store, customer_id)
        except (UnknownLink, Http404):
            return None
    language = _web_language(request, survey, customer)
    return Page(
        survey=survey,
        texts=build_texts(survey, language),
        questions=pages.saved_questions(survey),
        embed=request.GET.get("embed") == "1",
        customer=customer,
    )


def _web_language(request, survey: Survey, customer: Customer | None) -> str:
    """?lang= if the survey speaks it, else the customer's language, Accept-Language, the store's."""
    spoken = set(SHIPPED_LANGUAGES) | set(survey.texts or {})
    wanted = [request.GET.get("lang", "")]
    if customer is not None:
        wanted.append(customer.language)
    wanted += _accepted_languages(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
    for code in wanted:
        code = normalize_language(code[:35])
        for candidate in (code, code.split("-")[0]):
            if candidate and candidate in spoken:
                return candidate
    return pick_language(survey, "", customer.country if customer is not None else "")


def _accepted_languages(header: str) -> list[str]:
    """The languages of an Accept-Language header, most wanted first ("fa-IR,fa;q=0.9,en;q=0.8")."""
    weighted = []
    for position, part in enumerate(header.split(",")[:20]):
        code, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if code and code != "*" and quality > 0:
            weighted.append((-quality, position, code))
    return [code for _q, _p, code in sorted(weighted)]


def _web_response(page: Page, key: str) -> Response | None:
    """The answer a web-link page sent before, named by its submission key (`?k=`)."""
    if not key or len(key) > 40:
        return None
    return Response.objects.filter(survey=page.survey, submission_key=key).first()


def _web_url(request, page: Page, name: str, **extra) -> str:
    """A web-link URL that keeps the page's identity, language and widget mode."""
    params = {"lang": page.language}
    if "c" in request.GET:
        params["c"] = request.GET["c"]
    if page.embed:
        params["embed"] = "1"
    params |= extra
    return f"{reverse(name, args=[page.survey.public_id])}?{urlencode(params)}"


# -- Rendering -----------------------------------------------------------------------------------------


def _refuse_if_limited(request, page: Page, entry, response) -> HttpResponse | None:
    """429 with Retry-After for the 11th submit in a minute from one address; the form keeps its input."""
    decision = ratelimit.survey_submit(request)
    if decision.allowed:
        return None
    with translation.override(page.language):
        message = _("Too many answers came from your network in the last minute. Please wait and send again.")
    refused = _form(request, page, entry, response=response, errors={"form": message}, status=429)
    refused["Retry-After"] = str(decision.retry_after)
    return refused


def _form(request, page: Page, entry, *, response=None, errors=None, status=200) -> HttpResponse:
    with translation.override(page.language):
        context = pages.build_form_context(
            page.survey, page.texts, entry=entry, questions=page.questions, errors=errors
        )
        context["recorded"] = None  # named, so the template's lookup of it does not fail
        if response is not None:
            context["recorded"] = pages.describe_response(page.survey, page.texts, response, page.questions)
        context["is_web"] = page.invitation is None
        return _render(request, page, "surveys/answer_page.html", context, status)


def _thanks(request, page: Page, response: Response, change_url: str) -> HttpResponse:
    with translation.override(page.language):
        context = {
            "recorded": pages.describe_response(page.survey, page.texts, response, page.questions),
            "change_url": change_url,
        }
        return _render(request, page, "surveys/answer_thanks.html", context, 200)


def _unavailable(request, page: Page, reason: str, *, status: int, response=None) -> HttpResponse:
    """A link that cannot take an answer (expired, or the survey closed), with any answer recorded."""
    with translation.override(page.language):
        context = {"reason": reason}
        if response is not None:
            context["recorded"] = pages.describe_response(page.survey, page.texts, response, page.questions)
        return _render(request, page, "surveys/answer_unavailable.html", context, status)


def _render(request, page: Page, template: str, context: dict, status: int) -> HttpResponse:
    context = pages.base_context(page.survey, page.texts, embed=page.embed) | context
    if page.embed:
        context["window_days"] = flows_queries.get_contact_policy(page.survey.store).window_days(
            ContactKind.SURVEY
        )
    # Dates on the page ("You answered on …") read in the store's time.
    with timezone.override(formats.store_zone(page.survey.store)):
        response = render(request, template, context, status=status)
    return _secure(response, context["brand"], embed=page.embed, store=page.survey.store)


def _unknown_link(request) -> HttpResponse:
    """404 for an altered, foreign or unknown link: a friendly page in the visitor's language."""
    brand = pages.build_brand(pages.DEFAULT_BRAND)
    context = {"reason": "unknown", "brand": brand, "store": None, "texts": None}
    response = render(request, "surveys/answer_unavailable.html", context, status=404)
    return _secure(response, brand, embed=request.GET.get("embed") == "1")


def _secure(response: HttpResponse, brand: pages.Brand, *, embed: bool, store=None) -> HttpResponse:
    response["Content-Security-Policy"] = pages.page_csp(brand, embed=embed, store=store)
    # The pages show a customer's answer: no shared cache may keep them.
    response["Cache-Control"] = "no-store"
    if embed:
        response.xframe_options_exempt = True
    return response
