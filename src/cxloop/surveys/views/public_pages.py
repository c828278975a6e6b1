"""What the public survey pages show: the store's branding, the score scale, custom questions, errors.

Everything here builds template context without writing anything, so the
builder's live preview can render the same answer page for a survey that is
not saved yet (`build_form_context` with `preview=True`).

The store's brand colour reaches the page as one small `<style>` element,
`:root{--brand:#2563eb;--brand-ink:#fff;--brand-text:#2563eb}`, allowed by
its SHA-256 in the page's Content-Security-Policy (`page_csp`): no inline
style attributes, no 'unsafe-inline', and nothing but a checked #RRGGBB
colour is ever written into it.
"""

import functools
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cxloop.core import formats
from cxloop.core.branding import (  # noqa: F401 (re-exported: the survey pages' names)
    COLOR,
    DEFAULT_BRAND,
    Brand,
    build_brand,
    page_csp,
    widget_frame_ancestors,
)

from ..errors import InvalidAnswer
from ..models import Question, Response, Survey
from ..scoring import SCALES, Kind
from ..services.responses import MAX_COMMENT_LENGTH
from ..texts import SurveyTexts, localized

# -- Branding and headers: shared with the other public pages (core.branding) ------------------------


def logo_url(survey: Survey) -> str:
    if not survey.logo_type or not survey.public_id:
        return ""
    version = int(survey.updated_at.timestamp()) if survey.updated_at else 0
    return f"{reverse('surveys:logo', args=[survey.public_id])}?v={version}"


def show_number(number, language: str) -> str:
    """A number as the page's language writes it: Persian digits in Persian."""
    return formats.localize_digits(str(number), language)


# -- The form ------------------------------------------------------------------------------------------


@dataclass
class Entry:
    """What the form holds: sent by the customer, clicked in the email, or recorded before."""

    score: str = ""
    comment: str = ""
    answers: dict = field(default_factory=dict)
    submission_key: str = ""

    @classmethod
    def from_post(cls, post, questions: list[Question]) -> "Entry":
        answers = {}
        for question in questions:
            name = f"q{question.pk}"
            if question.kind == Question.QuestionKind.MULTIPLE:
                values = post.getlist(name)
                if values:
                    answers[str(question.pk)] = values
            elif post.get(name, "") != "":
                answers[str(question.pk)] = post.get(name)
        return cls(
            score=post.get("score", ""),
            comment=post.get("comment", ""),
            answers=answers,
            submission_key=post.get("submission_key", ""),
        )

    @classmethod
    def from_response(cls, response: Response | None) -> "Entry":
        if response is None:
            return cls()
        score = "" if response.score is None else str(response.score)
        answers = {key: value for key, value in (response.answers or {}).items()}
        return cls(score=score, comment=response.comment, answers=answers)


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    checked: bool
    band: str = ""
    described_by: str = ""  # the id of the scale end that labels it (the first and last score)


@dataclass(frozen=True)
class QuestionField:
    name: str
    kind: str
    text: str
    required: bool
    options: list[Option]
    value: str
    error: str


def build_scale(survey: Survey, texts: SurveyTexts, chosen: str) -> list[Option]:
    return _scale_options(survey.kind, texts, chosen)


def _scale_options(kind: str, texts: SurveyTexts, chosen: str) -> list[Option]:
    scale = SCALES.get(kind)
    if scale is None:
        return []
    ends = {scale.scores[0]: "scale-low", scale.scores[-1]: "scale-high"}
    return [
        Option(
            value=str(score),
            label=show_number(score, texts.language),
            checked=chosen == str(score),
            band=scale.band(score),
            described_by=ends.get(score, ""),
        )
        for score in scale.scores
    ]


def scale_html(kind: str, texts: SurveyTexts, chosen: str) -> str:
    """The score scale's fieldset, rendered once per process for each wording, language and chosen score.

    It is most of the answer page's template work (eleven options for NPS) and depends on nothing
    else; a form with errors (they mark the scale) renders it in full instead. A chosen value off the
    scale is kept as no choice, so typed-in `?score=` values add no entries.
    """
    return _rendered_scale(kind, texts, chosen if _band(kind, chosen) else "")


@functools.lru_cache(maxsize=4096)
def _rendered_scale(kind: str, texts: SurveyTexts, chosen: str) -> str:
    context = {
        "texts": texts,
        "scale": _scale_options(kind, texts, chosen),
        "follow_ups": {band: texts.follow_up(band) for band in ("low", "mid", "high")},
        "errors": FormErrors({}),
    }
    with translation.override(texts.language):
        return render_to_string("surveys/_public_scale.html", context)


def chosen_band(survey: Survey, score: str) -> str:
    return _band(survey.kind, score)


def _band(kind: str, score: str) -> str:
    scale = SCALES.get(kind)
    if scale is None or not score.isascii() or not score.isdigit() or int(score) not in scale.scores:
        return ""
    return scale.band(int(score))


def build_questions(survey: Survey, texts: SurveyTexts, questions, entry: Entry, errors: dict):
    """The custom questions as form fields, in the page's language, with what the customer chose."""
    store_language = survey.store.default_language if survey.store_id else "en"
    fields = []
    for question in questions:
        key = str(question.pk)
        value = entry.answers.get(key, "")
        chosen = {str(v) for v in value} if isinstance(value, list) else {str(value)}
        if question.kind == Question.QuestionKind.RATING:
            options = [
                Option(value=str(n), label=show_number(n, texts.language), checked=str(n) in chosen)
                for n in range(1, question.scale_max + 1)
            ]
        else:
            options = [
                Option(
                    value=str(choice["key"]),
                    label=localized(choice.get("labels", {}), texts.language, store_language),
                    checked=str(choice["key"]) in chosen,
                )
                for choice in question.choices or []
            ]
        fields.append(
            QuestionField(
                name=f"q{key}",
                kind=question.kind,
                text=localized(question.texts, texts.language, store_language),
                required=question.required,
                options=options,
                value=value if isinstance(value, str) else "",
                error=errors.get(f"q{key}", ""),
            )
        )
    return fields


class FormErrors(dict):
    """Form errors by field name; a field without one reads as "" (`errors.score` in a template
    then costs a dict lookup, not Django's failed-lookup path of three exceptions and a dir())."""

    def __missing__(self, key):
        return ""


def build_form_context(
    survey: Survey,
    texts: SurveyTexts,
    *,
    entry: Entry | None = None,
    questions=None,
    errors: dict | None = None,
    preview: bool = False,
) -> dict:
    """Context of the answer page's form; `questions` may be unsaved (the builder's preview)."""
    entry = entry or Entry()
    errors = errors or {}
    questions = list(questions if questions is not None else saved_questions(survey))
    band = chosen_band(survey, entry.score)
    return {
        "entry": entry,
        "errors": FormErrors(errors),
        "scale": build_scale(survey, texts, entry.score),
        "scale_html": scale_html(survey.kind, texts, entry.score)
        if survey.kind in SCALES and not errors
        else "",
        "follow_ups": {band: texts.follow_up(band) for band in ("low", "mid", "high")},
        "follow_up": texts.follow_up(band) if band else _("Tell us more"),
        "questions": build_questions(survey, texts, questions, entry, errors),
        "is_custom": survey.kind == Kind.CUSTOM,
        "comment_limit": MAX_COMMENT_LENGTH,
        "preview": preview,
    }


def saved_questions(survey: Survey):
    if survey.kind != Kind.CUSTOM or survey.pk is None:
        return []
    return list(survey.questions.all())


def base_context(survey: Survey, texts: SurveyTexts, *, embed: bool = False) -> dict:
    brand = build_brand(survey.brand_color)
    return {
        "survey": survey,
        "store": survey.store,
        "texts": texts,
        "brand": brand,
        "logo_url": logo_url(survey),
        "embed": embed,
    }


# -- What was recorded ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedItem:
    question: str
    answer: str


def describe_response(survey: Survey, texts: SurveyTexts, response: Response, questions) -> dict:
    """A recorded answer as the customer reads it back: the score on its scale, comment, custom answers."""
    scale = SCALES.get(survey.kind)
    score = ""
    if scale is not None and response.score is not None:
        score = _("%(score)s out of %(high)s") % {
            "score": show_number(response.score, texts.language),
            "high": show_number(scale.high, texts.language),
        }
    fields = build_questions(survey, texts, questions, Entry.from_response(response), {})
    items = []
    for question in fields:
        if question.kind == Question.QuestionKind.TEXT:
            answer = question.value
        else:
            answer = ", ".join(option.label for option in question.options if option.checked)
        if answer:
            items.append(RecordedItem(question=question.text, answer=answer))
    return {"score": score, "comment": response.comment, "items": items, "updated_at": response.updated_at}


# -- Errors, in the customer's language ----------------------------------------------------------------


def explain(exc: InvalidAnswer, survey: Survey, entry: Entry, questions) -> dict:
    """The form errors of a refused answer, keyed by form field, in the active language."""
    field_name = exc.field or ""
    if field_name == "score":
        scale = SCALES[survey.kind]
        if entry.score.strip() == "":
            return {"score": _("Choose a score.")}
        language = get_language()
        bounds = {"low": show_number(scale.low, language), "high": show_number(scale.high, language)}
        return {"score": _("Choose a score from %(low)s to %(high)s.") % bounds}
    if field_name == "comment":
        if len(entry.comment.strip()) > MAX_COMMENT_LENGTH:
            return {
                "comment": _("Your comment is %(count)s characters long; the limit is %(limit)s.")
                % {"count": len(entry.comment.strip()), "limit": MAX_COMMENT_LENGTH}
            }
        return {"comment": _("Your comment contains an invisible control character; please remove it.")}
    if field_name.startswith("answers."):
        key = field_name.split(".", 1)[1]
        question = next((q for q in questions if str(q.pk) == key), None)
        if question is not None:
            return {f"q{key}": _question_error(question, entry.answers.get(key))}
    return {"form": _("This form is out of date. Reload the page and answer again.")}


def _question_error(question: Question, value) -> str:
    if value in (None, "", []):
        return _("This question needs an answer.")
    kinds = Question.QuestionKind
    if question.kind == kinds.RATING:
        return _("Choose from 1 to %(high)s.") % {"high": question.scale_max}
    if question.kind == kinds.TEXT:
        return _("Your answer is too long or contains a control character.")
    return _("Choose one of the given answers.")
