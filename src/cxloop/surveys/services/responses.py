"""Record a customer's answer: from an invitation link, a web link, the widget or the API.

A score counts when the customer submits it on the survey page (a POST),
never when a link is merely fetched: mail scanners open every link in an
email, so a GET only shows the page with the clicked score chosen.

One answer per invitation. Submitting again (a double click, a retry, the
customer changing their mind while the survey is open) updates that one
answer; concurrent submits cannot create two, because the response row is
unique per invitation (per submission key on anonymous web links).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from cxloop.commerce.models import Customer, Order
from cxloop.core.textchecks import find_forbidden_character

from ..errors import InvalidAnswer, LinkExpired, SurveyClosed
from ..models import Channel, Invitation, Question, Response, Survey
from ..scoring import SCALES, Band, Kind, ScoreError, parse_score

MAX_COMMENT_LENGTH = 5000
SUBMISSION_KEY_LENGTH = (16, 40)


@dataclass(frozen=True)
class Answer:
    score: int | None
    comment: str
    answers: dict


def clean_answer(survey: Survey, *, score=None, comment="", answers=None, questions=None) -> Answer:
    """Validate what a customer sent; InvalidAnswer names the field. Nothing is stored."""
    parsed_score = None
    if survey.kind != Kind.CUSTOM:
        if score is None or score == "":
            raise InvalidAnswer("Choose a score.", field="score")
        try:
            parsed_score = parse_score(survey.kind, score)
        except ScoreError as exc:
            raise InvalidAnswer(f"The score {exc}.", field="score") from exc
    return Answer(
        score=parsed_score,
        comment=_clean_comment(comment),
        answers=_clean_custom(survey, answers or {}, questions),
    )


def _clean_comment(comment) -> str:
    if comment is None:
        return ""
    if not isinstance(comment, str):
        raise InvalidAnswer("The comment must be text.", field="comment")
    comment = comment.replace("\r\n", "\n").strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        raise InvalidAnswer(f"The comment is longer than {MAX_COMMENT_LENGTH} characters.", field="comment")
    if problem := find_forbidden_character(comment, allow_newlines=True):
        raise InvalidAnswer(f"The comment contains a {problem}.", field="comment")
    return comment


def _clean_custom(survey: Survey, answers, questions) -> dict:
    if survey.kind != Kind.CUSTOM:
        return {}
    if not isinstance(answers, dict):
        raise InvalidAnswer("Answers must be an object of question ids.", field="answers")
    questions = list(questions if questions is not None else survey.questions.all())
    known = {str(q.pk): q for q in questions}
    if unknown := [key for key in answers if key not in known]:
        raise InvalidAnswer(f"Question {unknown[0]} is not in this survey.", field="answers")
    cleaned = {}
    for key, question in known.items():
        value = _clean_one(question, answers.get(key))
        if value in (None, "", []):
            if question.required:
                raise InvalidAnswer("This question needs an answer.", field=f"answers.{key}")
            continue
        cleaned[key] = value
    return cleaned


def _clean_one(question: Question, value):
    field = f"answers.{question.pk}"
    if value is None or value == "":
        return None
    kinds = Question.QuestionKind
    if question.kind == kinds.RATING:
        try:
            number = int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else value
        except ValueError:
            number = None
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= question.scale_max:
            raise InvalidAnswer(f"Choose 1 to {question.scale_max}.", field=field)
        return number
    keys = {choice["key"] for choice in question.choices}
    if question.kind == kinds.SINGLE:
        if value not in keys:
            raise InvalidAnswer("Choose one of the given answers.", field=field)
        return value
    if question.kind == kinds.MULTIPLE:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(v in keys for v in values):
            raise InvalidAnswer("Choose among the given answers.", field=field)
        return sorted(set(values), key=lambda v: int(v))
    try:
        return _clean_comment(value)
    except InvalidAnswer as exc:
        raise InvalidAnswer(exc.message, field=field) from exc


def _check_can_answer(survey: Survey, invitation: Invitation | None, now: datetime) -> None:
    if not survey.is_open:
        raise SurveyClosed("This survey is closed. Thank you all the same!")
    if invitation is not None and invitation.expires_at <= now:
        raise LinkExpired("This survey link has expired.")


def record_invitation_answer(
    *, invitation: Invitation, answer: Answer, language: str = "", now: datetime | None = None
) -> Response:
    """Record (or change) the answer to an invitation. Raises SurveyClosed, LinkExpired."""
    now = now or timezone.now()
    survey = invitation.survey
    _check_can_answer(survey, invitation, now)
    values = _snapshot(invitation.customer, invitation.order, invitation.channel)
    values["language"] = language or invitation.language
    response = _upsert(survey, {"invitation": invitation}, answer, values, now)
    Invitation.objects.filter(pk=invitation.pk, answered_at__isnull=True).update(answered_at=now)
    return response


def record_web_answer(
    *,
    survey: Survey,
    submission_key: str,
    answer: Answer,
    language: str,
    customer: Customer | None = None,
    channel: str = Channel.WEB,
    now: datetime | None = None,
) -> Response:
    """Record (or change) an answer from a web link or the widget, keyed by the page's submission key."""
    now = now or timezone.now()
    _check_can_answer(survey, None, now)
    low, high = SUBMISSION_KEY_LENGTH
    if (
        not isinstance(submission_key, str)
        or not low <= len(submission_key) <= high
        or not (submission_key.isascii() and submission_key.replace("-", "").replace("_", "").isalnum())
    ):
        raise InvalidAnswer(
            "The form is missing its submission key; reload the page.", field="submission_key"
        )
    values = _snapshot(customer, None, channel)
    values["language"] = language
    return _upsert(survey, {"survey": survey, "submission_key": submission_key}, answer, values, now)


def _snapshot(customer: Customer | None, order: Order | None, channel: str) -> dict:
    values = {
        "customer": customer,
        "order": order,
        "channel": channel,
        "country": "",
        "is_repeat_customer": None,
    }
    if customer is not None:
        values["country"] = customer.country
        values["is_repeat_customer"] = customer.orders_count > 1
    return values


def _upsert(survey: Survey, key: dict, answer: Answer, values: dict, now: datetime) -> Response:
    band = SCALES[survey.kind].band(answer.score) if answer.score is not None else ""
    changes = {"score": answer.score, "band": band, "comment": answer.comment, "answers": answer.answers}
    for attempt in range(2):
        try:
            with transaction.atomic():
                response = Response.objects.select_for_update().filter(**key).first()
                if response is None:
                    response = Response.objects.create(
                        store=survey.store, **({"survey": survey} | key), **values, **changes,
                        created_at=now, updated_at=now,
                    )  # fmt: skip
                else:
                    _change(response, changes, now)
                _after_answer(response)
                return response
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _change(response: Response, changes: dict, now: datetime) -> None:
    if changes["comment"] != response.comment:
        changes["comment_language"] = ""
    for field, value in changes.items():
        setattr(response, field, value)
    response.updated_at = now
    response.save(update_fields=[*changes, "updated_at"])


def _after_answer(response: Response) -> None:
    """Queue the follow-ups of an answer: comment language, and the low-score rule once."""
    from ..tasks import analyse_comment_task, handle_low_score_task

    response_id = response.pk
    if response.comment and not response.comment_language:
        transaction.on_commit(lambda: analyse_comment_task.enqueue(response_id))
    survey = response.survey
    if survey.low_score_rule and response.band == Band.LOW and response.low_score_handled_at is None:
        transaction.on_commit(lambda: handle_low_score_task.enqueue(response_id))
