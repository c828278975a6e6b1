"""Staff pages of survey results: measures over time with breakdowns, comments with their themes, CSV export.

Each page exists for one survey (/surveys/<id>/results/) and for all the
store's surveys of a kind (/surveys/results/nps/). Every member of the store
may read them; the export, which carries customers' emails, is for owners
and admins. Another store's survey id is 404.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from cxloop.core import formats, jalali_inputs
from cxloop.core.errors import InvalidInput
from cxloop.core.inputs import DateField
from cxloop.core.models import Membership
from cxloop.core.names import country_name, language_name
from cxloop.core.roles import check_role, has_role
from cxloop.web.access import store_required, wants_partial
from cxloop.web.paging import build_page

from .. import queries
from ..charts import build_score_chart
from ..comment_themes import MAX_THEME_COMMENTS, filter_by_theme, list_comment_themes
from ..comments import NO_LANGUAGE, CommentFilters, filter_responses, list_comment_languages, list_comments
from ..exports import stream_responses_csv
from ..models import Channel, Survey
from ..question_results import question_results
from ..reasons import SKIP_REASONS
from ..results import (
    MIN_ANSWERS_FOR_INTERVAL,
    Results,
    Scores,
    compute_results,
    format_measure,
    list_range_responses,
    store_timezone,
)
from ..scoring import BAND_NAMES, Band, Kind

SCORED_KINDS = (Kind.NPS, Kind.CSAT, Kind.CES)
DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366
COMMENTS_PER_PAGE = 25

DIMENSION_TITLES = {
    "country": gettext_lazy("By country"),
    "language": gettext_lazy("By language"),
    "channel": gettext_lazy("By channel"),
    "repeat": gettext_lazy("First-time and repeat customers"),
    "product": gettext_lazy("By product bought"),
    "tag": gettext_lazy("By customer tag"),
}
MEASURE_NAMES = {
    Kind.NPS: gettext_lazy("NPS"),
    Kind.CSAT: gettext_lazy("CSAT"),
    Kind.CES: gettext_lazy("CES"),
}


class RangeForm(forms.Form):
    since = DateField(required=False, label=gettext_lazy("From"))
    until = DateField(required=False, label=gettext_lazy("To"))
    bucket = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Per"),
        choices=[("week", gettext_lazy("Week")), ("month", gettext_lazy("Month"))],
    )

    def __init__(self, data, *, today: date):
        super().__init__(data)
        self.today = today

    def clean(self):
        data = super().clean()
        until = data.get("until") or self.today
        since = data.get("since") or until - timedelta(days=DEFAULT_DAYS - 1)
        if since > until:
            raise forms.ValidationError(_("The start date is after the end date."), code="reversed")
        if (until - since).days >= MAX_DAYS:
            raise forms.ValidationError(_("Choose at most three years."), code="too_long")
        data.update(since=since, until=until, bucket=data.get("bucket") or "week")
        return data


class CommentFilterForm(RangeForm):
    band = forms.ChoiceField(required=False, label=gettext_lazy("Score"))
    language = forms.RegexField(required=False, regex=r"^([a-z]{2,3}(-[a-z]{2,8})?|none)$", max_length=16)
    q = forms.CharField(required=False, max_length=200, strip=True, label=gettext_lazy("Search comments"))
    theme = forms.CharField(required=False, max_length=200, strip=True, label=gettext_lazy("Theme"))

    def __init__(self, data, *, today: date, kind: str):
        super().__init__(data, today=today)
        names = BAND_NAMES.get(kind, {})
        self.fields["band"].choices = [("", _("All scores")), *((band, names[band]) for band in names)]


@dataclass
class Scope:
    """Whose answers a page shows: one survey's, or those of all the store's surveys of a kind."""

    survey: Survey | None
    kind: str

    @property
    def title(self) -> str:
        if self.survey is not None:
            return self.survey.name
        return _("All %(kind)s surveys") % {"kind": MEASURE_NAMES.get(self.kind, self.kind)}

    def url(self, page: str) -> str:
        if self.survey is not None:
            return reverse(f"surveys:survey-{page}", args=[self.survey.pk])
        return reverse(f"surveys:kind-{page}", args=[self.kind])

    @property
    def url_results(self) -> str:
        return self.url("results")

    @property
    def url_comments(self) -> str:
        return self.url("comments")

    @property
    def url_export(self) -> str:
        return self.url("export")


def _survey_scope(request, survey_id: int) -> Scope:
    survey = queries.get_survey(request.store, survey_id)
    return Scope(survey=survey, kind=survey.kind)


def _kind_scope(kind: str) -> Scope:
    if kind not in SCORED_KINDS:
        raise Http404("No such kind of survey.")
    return Scope(survey=None, kind=kind)


def _form_values(form: forms.Form) -> dict:
    """What the filter inputs show: the cleaned values (with the defaults filled), else what was sent."""
    cleaned = getattr(form, "cleaned_data", {})
    values = {name: form.data.get(name, "") for name in form.fields}
    for name in ("since", "until"):
        if cleaned.get(name):
            values[name] = cleaned[name].isoformat()
    values["bucket"] = cleaned.get("bucket") or values.get("bucket") or "week"
    return values


DAY_LABELS = {name: RangeForm.base_fields[name].label for name in ("since", "until")}


def _filter_form(form: forms.Form, typed: InvalidInput | None, request) -> tuple[bool, dict]:
    """Whether the filters hold, and what their inputs show; a typed day at fault makes them not hold."""
    if typed is not None:
        form.add_error(None, typed.message)
    valid = form.is_valid()
    values = _form_values(form)
    return valid, {"values": values, "days": jalali_inputs.day_inputs(values, request.GET)}


def _today(request) -> date:
    return timezone.localtime(timezone.now(), store_timezone(request.store)).date()


# Results


@store_required
def survey_results(request, survey_id: int):
    return _results_page(request, _survey_scope(request, survey_id))


@store_required
def kind_results(request, kind: str):
    return _results_page(request, _kind_scope(kind))


def _results_page(request, scope: Scope):
    moved, typed = jalali_inputs.redirect_to_gregorian(request, DAY_LABELS)
    if moved:
        return moved
    form = RangeForm(request.GET, today=_today(request))
    context = {"section": "surveys", "scope": scope, "form": form, "can_export": _can_export(request)}
    status = 200
    valid, shown = _filter_form(form, typed, request)
    context.update(shown)
    if valid:
        since, until, bucket = (
            form.cleaned_data["since"],
            form.cleaned_data["until"],
            form.cleaned_data["bucket"],
        )
        results = compute_results(request.store, scope.survey, since, until, bucket, kind=scope.kind)
        context.update(_results_context(results))
        if scope.survey is not None and scope.kind == Kind.CUSTOM:
            responses = list_range_responses(request.store, scope.survey, since, until)
            language = get_language() or request.store.default_language
            context["questions"] = question_results(scope.survey, responses, language=language)
        context["quick_ranges"] = _quick_ranges(_today(request), bucket)
        if scope.kind != Kind.CUSTOM:
            groups = _themes(request.store, scope, CommentFilters(since=since, until=until))
            context["theme_groups"] = [group for group in groups if group["themes"]]
    else:
        status = 400
    if wants_partial(request, "survey-results"):
        return render(request, "surveys/survey_results.html#results", context, status=status)
    return render(request, "surveys/survey_results.html", context, status=status)


def _can_export(request) -> bool:
    return has_role(getattr(request, "membership", None), Membership.Role.ADMIN)


def _quick_ranges(today: date, bucket: str) -> list[dict]:
    ranges = [
        (30, _("Last 30 days"), "week"),
        (90, _("Last 90 days"), "week"),
        (365, _("Last 12 months"), "month"),
    ]
    return [
        {"label": label, "since": today - timedelta(days=days - 1), "until": today, "bucket": per}
        for days, label, per in ranges
    ]


def _results_context(results: Results) -> dict:
    kind, overall = results.kind, results.overall
    scored = kind in SCORED_KINDS
    return {
        "results": results,
        "scored": scored,
        "measure_name": MEASURE_NAMES.get(kind, ""),
        "headline": _measure(overall),
        "bands": _band_rows(overall) if scored else [],
        "distribution": _distribution_rows(overall) if scored else [],
        "chart": build_score_chart(results.periods, kind, bucket=results.bucket) if scored else None,
        "compact_chart": (
            build_score_chart(results.periods, kind, bucket=results.bucket, width=420, height=300)
            if scored
            else None
        ),
        "periods": [{"start": p.start, "n": p.scores.n, **_measure(p.scores)} for p in results.periods],
        "funnel": results.funnel,
        "skipped": [
            (SKIP_REASONS.get(r, r), n)
            for r, n in sorted(results.funnel.skipped.items(), key=lambda i: -i[1])
        ],
        "breakdowns": _breakdown_tables(results) if scored else [],
        "min_answers": MIN_ANSWERS_FOR_INTERVAL,
    }


def _number(value: float, places: int = 1) -> str:
    return formats.number_text(round(value, places))


def _measure(scores: Scores) -> dict:
    """The measure of a group as text: value ("+25", "75%", "4.5") and its interval ("−1 to +51")."""
    value, interval = scores.value, scores.interval
    if value is None:
        return {"value": "", "interval": ""}

    def text(v: float) -> str:
        return format_measure(scores.kind, v)

    range_text = ""
    if interval is not None:
        range_text = _("%(low)s to %(high)s") % {"low": text(interval.low), "high": text(interval.high)}
    return {"value": text(value), "interval": range_text}


def _band_rows(scores: Scores) -> list[dict]:
    names = BAND_NAMES[scores.kind]
    n = scores.n
    return [
        {
            "band": band,
            "name": names[band],
            "count": count,
            "percent": _number(count * 100 / n) if n else _number(0),
            "percent_text": formats.percent_text(round(count * 100 / n, 1) if n else 0),
        }
        for band, count in ((Band.HIGH, scores.high), (Band.MID, scores.mid), (Band.LOW, scores.low))
    ]


def _distribution_rows(scores: Scores) -> list[dict]:
    scale = scores.scale
    return [
        {
            "score": score,
            "count": count,
            "percent": _number(percent),
            "width": round(percent, 1),
            "band": scale.band(score),
        }
        for score, count, percent in scores.distribution
    ]


def _breakdown_tables(results: Results) -> list[dict]:
    channels = dict(Channel.choices)
    tables = []
    for dimension, rows in results.breakdowns.items():
        entries = []
        for row in rows:
            scores = row.scores
            entries.append(
                {
                    "label": _group_label(dimension, row.key, channels),
                    "is_customer_text": dimension in ("product", "tag"),
                    "n": scores.n,
                    "answered": scores.answered,
                    "bands": _band_rows(scores),
                    **_measure(scores),
                }
            )
        tables.append({"dimension": dimension, "title": DIMENSION_TITLES[dimension], "rows": entries})
    return tables


def _group_label(dimension: str, key, channels: dict) -> str:
    if dimension == "repeat":
        return {True: _("Repeat customers"), False: _("First-time customers")}.get(key, _("Unknown"))
    if key in (None, ""):
        return _("Unknown")
    if dimension == "language":
        return language_label(key)
    if dimension == "country":
        return country_name(key)
    if dimension == "channel":
        return str(channels.get(key, key))
    return str(key)


def language_label(code: str) -> str:
    if not code:
        return _("Not detected")
    return language_name(code)


# Comments


@store_required
def survey_comments(request, survey_id: int):
    return _comments_page(request, _survey_scope(request, survey_id))


@store_required
def kind_comments(request, kind: str):
    return _comments_page(request, _kind_scope(kind))


def _comments_page(request, scope: Scope):
    moved, typed = jalali_inputs.redirect_to_gregorian(request, DAY_LABELS)
    if moved:
        return moved
    form = CommentFilterForm(request.GET, today=_today(request), kind=scope.kind)
    context = {"section": "surveys", "scope": scope, "form": form, "can_export": _can_export(request)}
    status = 200
    valid, shown = _filter_form(form, typed, request)
    context.update(shown)
    if valid:
        filters = _comment_filters(form)
        context.update(_comments_context(request, scope, filters))
    else:
        status = 400
    if wants_partial(request, "comment-results"):
        return render(request, "surveys/comment_list.html#comments", context, status=status)
    return render(request, "surveys/comment_list.html", context, status=status)


def _comment_filters(form: CommentFilterForm) -> CommentFilters:
    data = form.cleaned_data
    return CommentFilters(
        since=data["since"],
        until=data["until"],
        band=data["band"],
        language=data["language"],
        search=data["q"],
        theme=data["theme"],
    )


def _comments_context(request, scope: Scope, filters: CommentFilters) -> dict:
    store = request.store
    comments = list_comments(store, scope.survey, filters, kind=scope.kind)
    page = build_page(
        filter_by_theme(comments, store, scope.survey, filters, kind=scope.kind),
        request.GET.get("page"),
        per_page=COMMENTS_PER_PAGE,
    )
    names = BAND_NAMES.get(scope.kind, {})
    for response in page.items:
        response.band_name = names.get(response.band, "")
        response.language_label = language_label(response.comment_language)
    languages = list_comment_languages(store, scope.survey, filters.since, filters.until, kind=scope.kind)
    theme_groups = _themes(store, scope, filters)
    shown = {theme.key: theme.text for group in theme_groups for theme in group["themes"]}
    return {
        "filters": filters,
        "page": page,
        "languages": [(code or NO_LANGUAGE, language_label(code)) for code in languages],
        "theme_groups": theme_groups,
        "active_theme": shown.get(filters.theme, filters.theme),
        "max_theme_comments": MAX_THEME_COMMENTS,
    }


def _themes(store, scope: Scope, filters: CommentFilters) -> list[dict]:
    """Themes of the latest comments of the days, score band and language, per language."""
    names = BAND_NAMES.get(scope.kind, {})
    return [
        {
            "language": group.language,
            "label": language_label(group.language),
            "comments": group.comments,
            "customers": group.customers,
            "min_customers": group.min_customers,
            "themes": group.themes,
            "high_name": names.get(Band.HIGH, ""),
            "low_name": names.get(Band.LOW, ""),
        }
        for group in list_comment_themes(store, scope.survey, filters, kind=scope.kind)
    ]


# Export


@store_required
def survey_export(request, survey_id: int):
    return _export(request, _survey_scope(request, survey_id))


@store_required
def kind_export(request, kind: str):
    return _export(request, _kind_scope(kind))


def _custom_questions(scope: Scope) -> list:
    if scope.survey is None or scope.survey.kind != Kind.CUSTOM:
        return []
    return list(scope.survey.questions.order_by("position", "pk"))


def _export(request, scope: Scope):
    check_role(request, Membership.Role.ADMIN)
    form = CommentFilterForm(request.GET, today=_today(request), kind=scope.kind)
    if not form.is_valid():
        return render(
            request,
            "surveys/survey_results.html",
            {"section": "surveys", "scope": scope, "form": form, "can_export": True},
            status=400,
        )
    filters = _comment_filters(form)
    responses = list_range_responses(
        request.store, scope.survey, filters.since, filters.until, kind=scope.kind
    )
    if request.GET.get("comments"):
        responses = responses.exclude(comment="")
    responses = filter_responses(
        responses, band=filters.band, language=filters.language, search=filters.search
    )
    responses = filter_by_theme(responses, request.store, scope.survey, filters, kind=scope.kind)
    name = slugify(scope.survey.name if scope.survey else scope.kind) or "survey"
    response = StreamingHttpResponse(
        stream_responses_csv(request.store, responses.select_related(None), _custom_questions(scope)),
        content_type="text/csv; charset=utf-8",
    )
    filename = f"{name}-responses-{filters.since.isoformat()}-{filters.until.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
