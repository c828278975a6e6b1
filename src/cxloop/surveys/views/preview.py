"""The builder's live preview: the invitation email and the answer page, as a sample customer sees them.

The builder posts its unsaved form here (htmx, as the owner types; or the
Preview button without JavaScript). The draft is kept in the staff
member's session under a random key, and two sandboxed iframes load
`/surveys/previews/<key>/email/` and `.../page/`. Those documents carry their
own Content-Security-Policy: the email is styled inline (as email must be),
which the staff pages' policy forbids, and a `srcdoc` iframe would inherit
that policy. The iframes have no `allow-scripts`, and the documents' policy
allows no script, no form submission and no framing by other sites.
"""

import secrets

from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from cxloop.commerce.models import Customer
from cxloop.web.access import store_required

from .. import queries
from ..emails import build_invitation_context
from ..forms import ChoicesMismatch, QuestionDraft
from ..models import Invitation, Question, Survey
from ..services.surveys import COLOR
from ..texts import build_texts, normalize_language
from . import public_pages

SESSION_KEY = "survey_previews"
KEPT_PREVIEWS = 6
PREVIEW_CSP = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "form-action 'none'",
        "base-uri 'none'",
        "frame-ancestors 'self'",
        "sandbox",
    ]
)
SAMPLE_NAMES = {
    "en": "Emma", "pl": "Ania", "lv": "Līga", "fa": "سارا", "zh-hans": "李娜", "zh-hant": "林怡君",
}  # fmt: skip


def stash_preview(request, *, survey: Survey | None, kind: str, form, drafts, language: str):
    """Keep the builder's unsaved draft in the session for the preview iframes; returns (key, state)."""
    data = form.data if form.is_bound else {}
    color = str(data.get("brand_color", "") or form.initial.get("brand_color", "") or "#2563eb")
    texts = form.texts() if form.is_bound and form.is_valid() else _texts_from(form)
    state = {
        "survey_id": survey.pk if survey else None,
        "kind": kind,
        "name": str(data.get("name", "") or form.initial.get("name", ""))[:200],
        "brand_color": color if COLOR.fullmatch(color) else "#2563eb",
        "language": language,
        "texts": texts,
        "questions": [draft.__dict__ for draft in drafts],
    }
    key = secrets.token_urlsafe(12)
    kept = [item for item in request.session.get(SESSION_KEY, []) if item[0] != key][-(KEPT_PREVIEWS - 1) :]
    request.session[SESSION_KEY] = [*kept, [key, state]]
    return key, state


def _texts_from(form) -> dict:
    """The texts typed so far, even when another field of the form is invalid (for the preview only)."""
    source = form.data if form.is_bound else form.initial
    texts = {}
    for language in form.languages:
        for name in form.text_names:
            value = str(source.get(f"text__{language}__{name}", "") or "").strip()[:500]
            if value:
                texts.setdefault(language, {})[name] = value
    return texts


def _load(request, key: str) -> dict:
    # Compared as bytes: compare_digest refuses str with non-ASCII characters, and the key comes from the URL.
    for item_key, state in request.session.get(SESSION_KEY, []):
        if secrets.compare_digest(item_key.encode(), key.encode()):
            return state
    raise Http404("This preview has expired; edit the survey to refresh it.")


def build_preview_survey(request, state: dict) -> Survey:
    survey = Survey(
        store=request.store,
        kind=state["kind"],
        name=state["name"],
        brand_color=state["brand_color"],
        texts=state["texts"],
        public_id="preview",
    )
    if state.get("survey_id"):
        saved = queries.get_survey(request.store, state["survey_id"])
        survey.pk, survey.logo_type, survey.public_id = saved.pk, saved.logo_type, saved.public_id
    return survey


def _sample_invitation(survey: Survey, language: str) -> Invitation:
    customer = Customer(store=survey.store, first_name=SAMPLE_NAMES.get(language, "Emma"), language=language)
    return Invitation(survey=survey, customer=customer, language=language, nonce="preview")


def _questions(state: dict) -> list[Question]:
    questions = []
    for index, raw in enumerate(state.get("questions", [])):
        draft = QuestionDraft(**raw)
        try:
            service = draft.to_service(index + 1)
        except ChoicesMismatch:
            service = {"texts": draft.texts, "choices": []}
        questions.append(
            Question(
                pk=index + 1,
                position=index,
                kind=draft.kind,
                required=draft.required,
                scale_max=draft.scale_max,
                texts=service["texts"],
                choices=[
                    {"key": str(number), **choice}
                    for number, choice in enumerate(service.get("choices", []), start=1)
                ],
            )
        )
    return questions


def render_email(survey: Survey, language: str) -> tuple[str, str]:
    """The invitation email's subject and HTML for a sample customer."""
    context = build_invitation_context(_sample_invitation(survey, language))
    context |= {"unsubscribe_url": "#", "preview": True}
    with translation.override(language):
        html = render_to_string("surveys/email/invitation.html", context)
    return context["texts"].email_subject, html


def render_page(request, survey: Survey, language: str, questions: list[Question]) -> str:
    """The answer page for a sample customer, as the survey link opens it."""
    texts = build_texts(survey, language)
    with translation.override(language):
        context = public_pages.base_context(survey, texts) | public_pages.build_form_context(
            survey, texts, questions=questions, preview=True
        )
        return render_to_string("surveys/answer_page.html", context, request=request)


@require_GET
@store_required
@xframe_options_sameorigin
def preview_document(request, key: str, part: str):
    """One preview document (`email` or `page`) of a stashed draft."""
    state = _load(request, key)
    survey = build_preview_survey(request, state)
    language = normalize_language(state["language"])
    if part == "email":
        _subject, html = render_email(survey, language)
    elif part == "page":
        html = render_page(request, survey, language, _questions(state))
    else:
        raise Http404("No such preview.")
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = PREVIEW_CSP
    return response
