"""Create, change, open and close surveys."""

import re

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from cxloop.core.errors import InvalidInput
from cxloop.core.models import Store
from cxloop.core.textchecks import find_forbidden_character

from ..models import Question, Survey
from ..scoring import Kind
from ..texts import EDITABLE_FIELDS, MAX_TEXT_LENGTH, normalize_language

LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")
COLOR = re.compile(r"#[0-9a-fA-F]{6}")
MAX_DELAY_DAYS = 365
MAX_LINK_DAYS = 14  # survey links are capabilities: short-lived
MAX_QUESTIONS = 20
MAX_CHOICES = 20

SETTABLE = {
    "name",
    "trigger",
    "delay_days",
    "sampling_percent",
    "link_valid_days",
    "texts",
    "brand_color",
    "low_score_rule",
    "low_score_tag",
    "notify_user_ids",
}


def clean_texts(texts) -> dict:
    """Validate owner-written texts {language: {field: text}}; InvalidInput names the bad part."""
    if not isinstance(texts, dict):
        raise InvalidInput("Texts must be an object of languages.", field="texts")
    cleaned = {}
    for raw_language, fields in texts.items():
        language = normalize_language(raw_language)
        if not LANGUAGE_TAG.fullmatch(language):
            raise InvalidInput(f"'{raw_language}' is not a language code.", field="texts")
        if not isinstance(fields, dict):
            raise InvalidInput(f"Texts for '{language}' must be an object.", field=f"texts.{language}")
        cleaned[language] = {}
        for name, value in fields.items():
            where = f"texts.{language}.{name}"
            if name not in EDITABLE_FIELDS:
                raise InvalidInput(f"'{name}' is not a survey text.", field=where)
            if not isinstance(value, str):
                raise InvalidInput("A text must be a string.", field=where)
            value = value.strip()
            if len(value) > MAX_TEXT_LENGTH:
                raise InvalidInput(f"At most {MAX_TEXT_LENGTH} characters.", field=where)
            if problem := find_forbidden_character(value):
                raise InvalidInput(f"Contains a {problem}.", field=where)
            if value:
                cleaned[language][name] = value
    return {language: fields for language, fields in cleaned.items() if fields}


def _check_settings(values: dict) -> None:
    if "name" in values:
        name = values["name"]
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise InvalidInput("A survey needs a name of at most 200 characters.", field="name")
        if problem := find_forbidden_character(name):
            raise InvalidInput(f"The name contains a {problem}.", field="name")
    if "trigger" in values and values["trigger"] not in Survey.Trigger.values:
        raise InvalidInput("Unknown trigger.", field="trigger")
    _check_range(values, "delay_days", 0, MAX_DELAY_DAYS)
    _check_range(values, "sampling_percent", 1, 100)
    _check_range(values, "link_valid_days", 1, MAX_LINK_DAYS)
    if "brand_color" in values and not COLOR.fullmatch(str(values["brand_color"])):
        raise InvalidInput("A colour is written #RRGGBB.", field="brand_color")
    if "low_score_tag" in values:
        tag = values["low_score_tag"]
        if not isinstance(tag, str) or len(tag) > 50 or find_forbidden_character(tag):
            raise InvalidInput("A tag is at most 50 plain characters.", field="low_score_tag")
    if "notify_user_ids" in values:
        ids = values["notify_user_ids"]
        if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise InvalidInput("Staff to notify are a list of user ids.", field="notify_user_ids")


def _check_range(values: dict, field: str, low: int, high: int) -> None:
    if field not in values:
        return
    value = values[field]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"Must be a whole number from {low} to {high}.", field=field)


def _check_notified_staff(store: Store, ids: list[int]) -> list[int]:
    from cxloop.core.models import Membership

    members = set(Membership.objects.filter(store=store, user_id__in=ids).values_list("user_id", flat=True))
    if unknown := [i for i in ids if i not in members]:
        raise InvalidInput(f"User {unknown[0]} is not staff of this store.", field="notify_user_ids")
    return list(dict.fromkeys(ids))


@transaction.atomic
def create_survey(*, store: Store, name: str, kind: str, actor=None, **settings) -> Survey:
    """Create a draft survey of a kind (nps, csat, ces, custom) with optional settings."""
    if kind not in Kind.values:
        raise InvalidInput("Kind must be nps, csat, ces or custom.", field="kind")
    survey = Survey(store=store, name="", kind=kind, created_by=actor)
    _apply(survey, {"name": name, **settings})
    survey.save()
    return survey


@transaction.atomic
def update_survey(*, survey: Survey, **changes) -> Survey:
    """Change a survey's settings or texts; the kind never changes (answers depend on its scale)."""
    _apply(survey, changes)
    survey.save()
    return survey


def is_trigger_available(trigger: str) -> bool:
    """Whether a trigger can be chosen now: "after a help-desk conversation" needs the help desk app."""
    if trigger == Survey.Trigger.HELPDESK_RESOLVED:
        return apps.is_installed("cxloop.helpdesk")
    return trigger in Survey.Trigger.values


def trigger_choices(current: str | None = None) -> list[tuple[str, str]]:
    """The triggers an owner may choose, as (value, label); a survey's current trigger always stays."""
    return [
        (value, label)
        for value, label in Survey.Trigger.choices
        if value == current or is_trigger_available(value)
    ]


def _check_trigger(survey: Survey, values: dict) -> None:
    trigger = values.get("trigger")
    if trigger is None or trigger == survey.trigger or is_trigger_available(trigger):
        return
    raise InvalidInput(
        "Asking after a help-desk conversation needs the help desk, which is not installed.", field="trigger"
    )


def _apply(survey: Survey, values: dict) -> None:
    unknown = set(values) - SETTABLE
    if unknown:
        raise InvalidInput(f"'{sorted(unknown)[0]}' cannot be set.", field=sorted(unknown)[0])
    _check_settings(values)
    _check_trigger(survey, values)
    if "texts" in values:
        values["texts"] = clean_texts(values["texts"])
    if "notify_user_ids" in values:
        values["notify_user_ids"] = _check_notified_staff(survey.store, values["notify_user_ids"])
    if "name" in values:
        values["name"] = values["name"].strip()
    for field, value in values.items():
        setattr(survey, field, value)


@transaction.atomic
def activate_survey(*, survey: Survey) -> Survey:
    """Open a survey: triggers start inviting, links accept answers."""
    if survey.kind == Kind.CUSTOM and not survey.questions.exists():
        raise InvalidInput("A custom survey needs at least one question.", field="questions")
    survey.status = Survey.Status.ACTIVE
    survey.activated_at = survey.activated_at or timezone.now()
    survey.save(update_fields=["status", "activated_at", "updated_at"])
    return survey


@transaction.atomic
def close_survey(*, survey: Survey) -> Survey:
    """Close a survey: no more invitations; links show the recorded answer but take no new one."""
    survey.status = Survey.Status.CLOSED
    survey.save(update_fields=["status", "updated_at"])
    return survey


@transaction.atomic
def set_questions(*, survey: Survey, questions: list[dict]) -> list[Question]:
    """Set a custom survey's questions (kind, prompt texts, choices, required), in order.

    A question that keeps its place and its kind is edited in place and keeps
    its id, so the answers already given to it stay attached (fixing a typo
    or adding a language loses nothing). A question whose kind changes, or
    that is gone, is a new question: its earlier answers stay in the
    responses but no longer show in the results.
    """
    if survey.kind != Kind.CUSTOM:
        raise InvalidInput("Only custom surveys have their own questions.", field="questions")
    if not isinstance(questions, list) or not 1 <= len(questions) <= MAX_QUESTIONS:
        raise InvalidInput(f"A custom survey has 1 to {MAX_QUESTIONS} questions.", field="questions")
    built = [_build_question(survey, position, raw) for position, raw in enumerate(questions)]
    existing = {question.position: question for question in survey.questions.all()}
    kept, added = [], []
    for question in built:
        current = existing.get(question.position)
        if current is not None and current.kind == question.kind:
            question.pk = current.pk
            kept.append(question)
        else:
            added.append(question)
    kept_ids = {question.pk for question in kept}
    survey.questions.exclude(pk__in=kept_ids).delete()
    if kept:
        Question.objects.bulk_update(kept, ["required", "scale_max", "texts", "choices"])
    Question.objects.bulk_create(added)
    return sorted(kept + added, key=lambda question: question.position)


def _build_question(survey: Survey, position: int, raw) -> Question:
    where = f"questions[{position}]"
    if not isinstance(raw, dict):
        raise InvalidInput("A question is an object.", field=where)
    kind = raw.get("kind")
    if kind not in Question.QuestionKind.values:
        raise InvalidInput("Kind must be rating, single, multiple or text.", field=f"{where}.kind")
    texts = _clean_labels(raw.get("texts"), f"{where}.texts")
    if not texts:
        raise InvalidInput("A question needs its text in at least one language.", field=f"{where}.texts")
    choices = []
    if kind in (Question.QuestionKind.SINGLE, Question.QuestionKind.MULTIPLE):
        raw_choices = raw.get("choices")
        if not isinstance(raw_choices, list) or not 2 <= len(raw_choices) <= MAX_CHOICES:
            raise InvalidInput(f"A choice question has 2 to {MAX_CHOICES} choices.", field=f"{where}.choices")
        for index, choice in enumerate(raw_choices):
            labels = _clean_labels(
                choice.get("labels") if isinstance(choice, dict) else None, f"{where}.choices[{index}]"
            )
            if not labels:
                raise InvalidInput("A choice needs a label.", field=f"{where}.choices[{index}]")
            choices.append({"key": str(index + 1), "labels": labels})
    scale_max = raw.get("scale_max", 5)
    if kind == Question.QuestionKind.RATING and (
        isinstance(scale_max, bool) or not isinstance(scale_max, int) or not 2 <= scale_max <= 10
    ):
        raise InvalidInput("A rating runs from 1 to 2-10.", field=f"{where}.scale_max")
    return Question(
        store=survey.store,
        survey=survey,
        position=position,
        kind=kind,
        required=bool(raw.get("required", False)),
        scale_max=scale_max if kind == Question.QuestionKind.RATING else 5,
        texts=texts,
        choices=choices,
    )


def _clean_labels(labels, field: str) -> dict:
    if not isinstance(labels, dict):
        raise InvalidInput('Give the text per language, e.g. {"en": "..."}.', field=field)
    cleaned = {}
    for language, text in labels.items():
        language = normalize_language(language)
        if not LANGUAGE_TAG.fullmatch(language) or not isinstance(text, str):
            raise InvalidInput('Give the text per language, e.g. {"en": "..."}.', field=field)
        text = text.strip()
        if len(text) > MAX_TEXT_LENGTH or find_forbidden_character(text):
            raise InvalidInput(f"At most {MAX_TEXT_LENGTH} plain characters.", field=field)
        if text:
            cleaned[language] = text
    return cleaned
