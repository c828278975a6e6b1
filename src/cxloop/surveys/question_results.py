"""Results of a custom survey's own questions: ratings, choices and written answers.

    for result in question_results(survey, responses, language="pl"):
        result.text, result.answered, result.rows, result.mean, result.latest

One aggregate query per question groups the answers by the stored value
(`answers ->> '<question id>'` on PostgreSQL, `json_extract` on SQLite), so
the database counts and Python reads a few rows per question, however many
answers there are. A multiple-choice answer is stored as a list of choice
keys; its groups are the distinct combinations, which are split here into a
count per choice. A written answer is counted, and the latest few are shown.
"""

import json
from dataclasses import dataclass, field

from django.db import NotSupportedError
from django.db.models import Count, F, Func, QuerySet, TextField

from cxloop.core import formats

from .models import Question, Response, Survey
from .texts import localized

LATEST_WRITTEN = 10


class AnswerValue(Func):
    """The stored answer to one question, as text; NULL when the question was not answered."""

    output_field = TextField()

    def __init__(self, question_id: int):
        super().__init__(F("answers"))
        self.key = str(int(question_id))

    def as_sql(self, compiler, connection, **extra):
        raise NotSupportedError("Answer values are read on SQLite and PostgreSQL only.")

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} ->> %s)", (*params, self.key)

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"json_extract({sql}, %s)", (*params, f'$."{self.key}"')


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    percent: float


@dataclass
class QuestionResult:
    question: Question
    text: str
    answered: int = 0
    rows: list[Row] = field(default_factory=list)
    mean: float | None = None
    latest: list[Response] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.question.kind


def question_results(survey: Survey, responses: QuerySet[Response], *, language: str) -> list[QuestionResult]:
    """Per question of the survey, in order: how the responses given answered it."""
    store_language = survey.store.default_language
    results = []
    for question in survey.questions.order_by("position", "pk"):
        result = QuestionResult(question, localized(question.texts, language, store_language))
        value = AnswerValue(question.pk)
        if question.kind == Question.QuestionKind.TEXT:
            written = responses.annotate(answer=value).filter(answer__isnull=False)
            result.answered = written.count()
            result.latest = list(
                written.select_related("customer").order_by("-created_at", "-pk")[:LATEST_WRITTEN]
            )
        else:
            groups = (
                responses.annotate(answer=value)
                .filter(answer__isnull=False)
                .values("answer")
                .annotate(n=Count("pk"))
                .order_by()
            )
            counts = {str(row["answer"]): row["n"] for row in groups}
            result.answered = sum(counts.values())
            _fill_rows(result, counts, language, store_language)
        results.append(result)
    return results


def _fill_rows(result: QuestionResult, counts: dict[str, int], language: str, store_language: str) -> None:
    question, answered = result.question, result.answered

    def row(label: str, count: int) -> Row:
        return Row(label, count, round(count * 100 / answered, 1) if answered else 0.0)

    if question.kind == Question.QuestionKind.RATING:
        per_score = {score: counts.get(str(score), 0) for score in range(1, question.scale_max + 1)}
        result.rows = [row(formats.number_text(score, 0), count) for score, count in per_score.items()]
        if answered:
            result.mean = sum(score * count for score, count in per_score.items()) / answered
        return
    per_key: dict[str, int] = {}
    for value, count in counts.items():
        keys = _keys(value) if question.kind == Question.QuestionKind.MULTIPLE else [value]
        for key in keys:
            per_key[key] = per_key.get(key, 0) + count
    result.rows = [
        row(localized(choice.get("labels", {}), language, store_language), per_key.get(choice["key"], 0))
        for choice in question.choices
    ]


def _keys(value: str) -> list[str]:
    try:
        keys = json.loads(value)
    except ValueError:
        return []
    return [str(key) for key in keys] if isinstance(keys, list) else []


def answer_text(question: Question, value, *, language: str, store_language: str) -> str:
    """One stored answer as a person reads it: the rating, the chosen labels, or the text."""
    if value is None or value == "" or value == []:
        return ""
    if question.kind in (Question.QuestionKind.SINGLE, Question.QuestionKind.MULTIPLE):
        labels = {
            choice["key"]: localized(choice.get("labels", {}), language, store_language)
            for choice in question.choices
        }
        keys = value if isinstance(value, list) else [value]
        return "; ".join(labels.get(str(key), str(key)) for key in keys)
    return str(value)
