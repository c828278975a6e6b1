"""Staff pages of surveys: the list, the builder with its live preview, a survey's page, open and close.

Everyone in the store may read; owners and admins create, change, open,
close and send (agents get 403 on those).
"""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from cxloop.core import queries as core_queries
from cxloop.core.errors import DomainError
from cxloop.core.models import Membership
from cxloop.core.roles import check_role, has_role
from cxloop.web.access import store_required
from cxloop.web.paging import build_page

from .. import links, queries, services
from ..forms import (
    ChoicesMismatch,
    QuestionDraft,
    SurveyForm,
    apply_question_action,
    drafts_from_post,
    drafts_from_survey,
    is_rtl,
    language_name,
)
from ..models import ManualSend, Question, Survey
from ..question_results import answer_text
from ..reasons import SKIP_REASONS, skip_reason_label
from ..scoring import BAND_NAMES, Kind
from ..services.branding import remove_logo, set_logo
from ..summaries import build_summaries
from ..texts import localized, normalize_language
from . import preview as preview_views

KIND_HELP = {
    Kind.NPS: gettext_lazy(
        "“How likely are you to recommend us?” 0-10. Promoters minus detractors, -100 to +100."
    ),
    Kind.CSAT: gettext_lazy("“How satisfied are you?” 1-5. The share of 4 and 5 answers."),
    Kind.CES: gettext_lazy("“It was easy to …” 1-7 agreement. The mean effort score."),
    Kind.CUSTOM: gettext_lazy("Your own questions: ratings, single or multiple choice, free text."),
}


def can_edit(request) -> bool:
    return has_role(getattr(request, "membership", None), Membership.Role.ADMIN)


@store_required
def survey_list(request):
    page = build_page(queries.list_surveys(request.store), request.GET.get("page"))
    summaries = build_summaries(request.store, page.items)
    rows = [{"survey": survey, "summary": summaries[survey.pk]} for survey in page.items]
    return render(
        request,
        "surveys/survey_list.html",
        {"section": "surveys", "page": page, "rows": rows, "can_edit": can_edit(request)},
    )


@store_required
def survey_new(request):
    """Choose the kind of a new survey (fixed once created)."""
    check_role(request, Membership.Role.ADMIN)
    kinds = [{"value": kind.value, "label": kind.label, "help": KIND_HELP[kind]} for kind in Kind]
    return render(request, "surveys/survey_new.html", {"section": "surveys", "kinds": kinds})


@store_required
def survey_create(request, kind: str):
    check_role(request, Membership.Role.ADMIN)
    if kind not in Kind.values:
        raise Http404("No such kind of survey.")
    return _builder(request, kind=kind, survey=None)


@store_required
def survey_edit(request, survey_id: int):
    check_role(request, Membership.Role.ADMIN)
    survey = queries.get_survey(request.store, survey_id)
    return _builder(request, kind=survey.kind, survey=survey)


def _builder(request, *, kind: str, survey: Survey | None):
    store = request.store
    if request.method != "POST":
        form = SurveyForm(store=store, kind=kind, survey=survey)
        drafts = _initial_drafts(kind, survey)
        return _render_builder(request, form, drafts, survey=survey, kind=kind)
    form = SurveyForm(request.POST, request.FILES, store=store, kind=kind, survey=survey)
    drafts = drafts_from_post(request.POST, form.languages) if kind == Kind.CUSTOM else []
    action = request.POST.get("question_action", "")
    if action or "preview" in request.POST:
        # Not saving: show the form as typed (without "required" errors) and refresh the preview.
        form = _unbound_copy(request, form, kind=kind, survey=survey)
        return _render_builder(request, form, apply_question_action(drafts, action), survey=survey, kind=kind)
    question_errors = []
    if form.is_valid():
        try:
            saved = _save(request, form, drafts, survey=survey, kind=kind)
        except DomainError as error:
            if (error.field or "").startswith("questions"):
                question_errors.append(error.message)
            else:
                form.add_service_error(error)
        except ChoicesMismatch as error:
            question_errors.append(str(error))
        else:
            messages.success(request, _("The survey was saved."))
            return redirect("surveys:survey-detail", survey_id=saved.pk)
    return _render_builder(
        request, form, drafts, survey=survey, kind=kind, question_errors=question_errors, status=422
    )


def _initial_drafts(kind: str, survey: Survey | None) -> list[QuestionDraft]:
    if kind != Kind.CUSTOM:
        return []
    drafts = drafts_from_survey(survey) if survey else []
    return drafts or [QuestionDraft()]


def _unbound_copy(request, form: SurveyForm, *, kind: str, survey: Survey | None) -> SurveyForm:
    initial = {
        name: field.widget.value_from_datadict(request.POST, request.FILES, name)
        for name, field in form.fields.items()
        if name not in ("logo", "remove_logo")
    }
    return SurveyForm(store=request.store, kind=kind, survey=survey, initial=initial)


@transaction.atomic
def _save(request, form: SurveyForm, drafts: list[QuestionDraft], *, survey: Survey | None, kind: str):
    settings = form.settings()
    if survey is None:
        survey = services.create_survey(store=request.store, kind=kind, actor=request.user, **settings)
    else:
        services.update_survey(survey=survey, **settings)
    if kind == Kind.CUSTOM:
        wanted = [draft.to_service(number) for number, draft in enumerate(drafts, start=1)]
        saved = [draft.to_service(number) for number, draft in enumerate(drafts_from_survey(survey), start=1)]
        if wanted != saved:
            services.set_questions(survey=survey, questions=wanted)
    if form.cleaned_data.get("remove_logo"):
        remove_logo(survey=survey)
    elif upload := form.cleaned_data.get("logo"):
        set_logo(survey=survey, data=upload.read())
    return survey


def _preview_language(request, form: SurveyForm) -> str:
    source = request.POST if request.method == "POST" else request.GET
    language = normalize_language(source.get("lang", ""))
    return language if language in form.languages else form.languages[0]


def _render_builder(request, form, drafts, *, survey, kind, question_errors=(), status=200):
    language = _preview_language(request, form)
    context = {
        "section": "surveys",
        "form": form,
        "survey": survey,
        "kind": kind,
        "kind_label": Kind(kind).label,
        "kind_help": KIND_HELP[Kind(kind)],
        "panels": _panels(form, drafts),
        "preview_language": language,
        "drafts": drafts,
        "question_kinds": Question.QuestionKind.choices,
        "question_errors": question_errors,
        "has_responses": bool(survey and survey.responses.exists()),
        "preview": _build_preview(request, form, drafts, survey=survey, kind=kind, language=language),
    }
    return render(request, "surveys/survey_form.html", context, status=status)


def _panels(form: SurveyForm, drafts: list[QuestionDraft]) -> list[dict]:
    """The language tabs: the survey's texts and, for custom surveys, each question's words."""
    panels = form.language_panels()
    first = panels[0]["code"]
    kinds = dict(Question.QuestionKind.choices)
    for panel in panels:
        code = panel["code"]
        panel["questions"] = [
            {
                "index": index,
                "number": index + 1,
                "kind_label": kinds[draft.kind],
                "has_choices": draft.has_choices,
                "text": draft.texts.get(code, ""),
                "choices": draft.choices.get(code, ""),
                "placeholder": draft.texts.get(first, "") if code != first else "",
                "choices_placeholder": draft.choices.get(first, "") if code != first else "",
            }
            for index, draft in enumerate(drafts)
        ]
    return panels


def _build_preview(request, form, drafts, *, survey, kind, language) -> dict:
    key, state = preview_views.stash_preview(
        request, survey=survey, kind=kind, form=form, drafts=drafts, language=language
    )
    subject, _html = preview_views.render_email(preview_views.build_preview_survey(request, state), language)
    return {
        "key": key,
        "subject": subject,
        "language": language,
        "language_name": language_name(language),
        "rtl": is_rtl(language),
    }


@store_required
def survey_preview(request, survey_id: int | None = None, kind: str = ""):
    """htmx: the preview panel for the builder's current (unsaved) form."""
    check_role(request, Membership.Role.ADMIN)
    survey = queries.get_survey(request.store, survey_id) if survey_id else None
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    kind = survey.kind if survey else kind
    if kind not in Kind.values:
        raise Http404("No such kind of survey.")
    form = SurveyForm(request.POST, store=request.store, kind=kind, survey=survey)
    drafts = drafts_from_post(request.POST, form.languages) if kind == Kind.CUSTOM else []
    form = _unbound_copy(request, form, kind=kind, survey=survey)
    language = _preview_language(request, form)
    context = {
        "survey": survey,
        "preview": _build_preview(request, form, drafts, survey=survey, kind=kind, language=language),
    }
    return render(request, "surveys/survey_form.html#preview", context)


@store_required
def survey_detail(request, survey_id: int):
    survey = queries.get_survey(request.store, survey_id)
    summary = build_summaries(request.store, [survey])[survey.pk]
    responses = list(queries.list_responses(request.store, survey=survey)[:10])
    band_names = BAND_NAMES.get(survey.kind, {})
    questions = list(survey.questions.order_by("position", "pk")) if survey.kind == Kind.CUSTOM else []
    language = get_language() or request.store.default_language
    for response in responses:
        response.band_name = band_names.get(response.band, "")
        response.answer_lines = _answer_lines(questions, response, language, request.store.default_language)
    context = {
        "section": "surveys",
        "survey": survey,
        "summary": summary,
        "skipped": skip_rows(summary.skipped),
        "responses": responses,
        "sends": ManualSend.objects.filter(store=request.store, survey=survey)[:5],
        "can_edit": can_edit(request),
        "web_link": links.build_web_link(survey),
        "widget_snippet": links.build_widget_snippet(survey, core_queries.get_storefront_key(request.store)),
        "notified": Membership.objects.filter(
            store=request.store, user_id__in=survey.notify_user_ids
        ).select_related("user"),
    }
    return render(request, "surveys/survey_detail.html", context)


def _answer_lines(questions, response, language: str, store_language: str) -> list[tuple[str, str]]:
    """(question, answer) for each custom question the response answered, as staff read them."""
    answers = response.answers if isinstance(response.answers, dict) else {}
    lines = []
    for question in questions:
        text = answer_text(
            question, answers.get(str(question.pk)), language=language, store_language=store_language
        )
        if text:
            lines.append((localized(question.texts, language, store_language), text))
    return lines


def skip_rows(skipped: dict[str, int]) -> list[tuple[str, str, int]]:
    """(reason, label, count) for each reason with a count, in a fixed order."""
    order = [*SKIP_REASONS, *sorted(set(skipped) - set(SKIP_REASONS))]
    return [(reason, skip_reason_label(reason), skipped[reason]) for reason in order if skipped.get(reason)]


@store_required
def survey_activate(request, survey_id: int):
    check_role(request, Membership.Role.ADMIN)
    survey = queries.get_survey(request.store, survey_id)  # another store's id: 404 before 405
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.activate_survey(survey=survey)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The survey is active."))
    return redirect("surveys:survey-detail", survey_id=survey.pk)


@store_required
def survey_close(request, survey_id: int):
    check_role(request, Membership.Role.ADMIN)
    survey = queries.get_survey(request.store, survey_id)  # another store's id: 404 before 405
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.close_survey(survey=survey)
    messages.success(request, _("The survey is closed. Links show recorded answers but take no new ones."))
    return redirect("surveys:survey-detail", survey_id=survey.pk)
