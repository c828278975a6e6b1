"""Demo custom survey: "After delivery", answered through its web link for the last 90 days.

    summary = generate_custom_survey(store=store, seed=42)

adds to a generated demo store (see `generator`; `services.setup_demo` runs
it after `surveys`) an active custom survey with four optional questions in
every shipped language: a packaging rating (1-5), where customers first heard
of the shop (single choice), what they bought for (multiple choice), and what
the shop could do better (free text).

The store links the survey from its delivery emails and its website, so
answers come in two ways, all on the web-link channel:

- identified (`?c=`, the delivery email's link): about a third of the
  customers whose order went out in the period answer, usually a day or two
  later; the response carries the customer and, as at answer time, their
  country and whether they had ordered before;
- anonymous (the website's link): about as many visitors again, any day of
  the period, in the languages the store's customers speak.

Answers are stored as the survey page stores them, by question id: a rating
is an int, a single choice its key, a multiple choice the sorted list of its
keys, a written answer its text in the respondent's language (from
`custom_survey_texts`). Some questions are skipped; the written one most
often, and most of all by customers happy with the packaging.

The same seed and `today` give the same rows (ids aside; a submission key
lets its respondent change the answer, so it stays random). One transaction;
the responses go in with one bulk_create.
"""

import random
import secrets
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import date as date_type
from datetime import time as time_type

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from cxloop.commerce.models import Customer, Order
from cxloop.core.models import Membership, Store
from cxloop.surveys import services as survey_services
from cxloop.surveys.models import Channel, Question, Response, Survey
from cxloop.surveys.scoring import Kind
from cxloop.surveys.texts import pick_language

from .custom_survey_texts import (
    PURPOSE_LABELS,
    PURPOSE_TEXTS,
    RATING_TEXTS,
    SOURCE_LABELS,
    SOURCE_TEXTS,
    SURVEY_TEXTS,
    WRITTEN_ANSWERS,
    WRITTEN_TEXTS,
)
from .surveys import FAR_COUNTRIES, SurveysExist

SURVEY_NAME = "After delivery"
HISTORY_DAYS = 90
IDENTIFIED_ANSWER_RATE = 0.3  # of the orders that went out in the period
ANSWER_DELAY_HOURS = (3.8, 0.6)  # lognormal: median about 45 hours after fulfilment
ANONYMOUS_RATE = 0.3  # anonymous answers per order that went out in the period
SKIP_RATE = {"rating": 0.04, "source": 0.1, "purpose": 0.14}
WRITE_RATE = {"low": 0.85, "mid": 0.55, "high": 0.28}
RATING_WEIGHTS = {1: 0.03, 2: 0.05, 3: 0.12, 4: 0.32, 5: 0.48}
FAR_RATING_FACTOR = {1: 2.0, 2: 2.0, 3: 1.3}  # a long journey crushes more boxes
FAR_LANGUAGES = {"fa", "zh-hans", "zh-hant"}  # anonymous answers: most who write these live far away
SOURCE_WEIGHTS = {"friend": 0.3, "instagram": 0.28, "search": 0.27, "ad": 0.15}
INSTAGRAM_FACTOR = {"fa": 1.6, "zh-hans": 0.25}  # much used in Iran, little in mainland China
PURPOSE_RATES = {"myself": 0.68, "gift": 0.3, "work": 0.1, "occasion": 0.12}
# The store's own customer tags: "instagram" customers came from there, "gift-buyer"s buy gifts.
INSTAGRAM_TAG_FACTOR = 4.0
GIFT_BUYER_RATE = 0.7
THEME_WEIGHTS = {
    "low": {"packaging": 5.0, "delivery": 1.5, "sizes": 1.0, "range": 0.5, "gift": 0.5, "nothing": 0.0},
    "mid": {"packaging": 2.5, "delivery": 1.5, "sizes": 1.5, "range": 1.0, "gift": 1.0, "nothing": 0.3},
    "high": {"packaging": 0.3, "delivery": 1.0, "sizes": 1.2, "range": 1.5, "gift": 1.0, "nothing": 2.5},
}

QUESTIONS = [
    {"kind": Question.QuestionKind.RATING, "scale_max": 5, "texts": RATING_TEXTS},
    {"kind": Question.QuestionKind.SINGLE, "texts": SOURCE_TEXTS,
     "choices": [{"labels": labels} for labels in SOURCE_LABELS.values()]},
    {"kind": Question.QuestionKind.MULTIPLE, "texts": PURPOSE_TEXTS,
     "choices": [{"labels": labels} for labels in PURPOSE_LABELS.values()]},
    {"kind": Question.QuestionKind.TEXT, "texts": WRITTEN_TEXTS},
]  # fmt: skip
# `set_questions` numbers the choices from "1" in the order given.
SOURCE_KEYS = {source: str(number) for number, source in enumerate(SOURCE_LABELS, start=1)}
PURPOSE_KEYS = {purpose: str(number) for number, purpose in enumerate(PURPOSE_LABELS, start=1)}


@dataclass
class CustomSurveySummary:
    responses: int = 0
    identified: int = 0
    written: int = 0


@dataclass(frozen=True, slots=True)
class _Respondent:
    at: datetime
    language: str
    far: bool
    customer_id: int | None = None
    country: str = ""
    is_repeat_customer: bool | None = None
    tags: tuple[str, ...] = ()


def generate_custom_survey(*, store: Store, seed: int, today: date_type | None = None) -> CustomSurveySummary:
    """Give a generated store its running "After delivery" custom survey with 90 days of web answers.

    Deterministic for a seed and `today` (default: the current date), like
    `generate_surveys`. One transaction. Raises SurveysExist if the store
    has a custom survey.
    """
    if Survey.objects.filter(store=store, kind=Kind.CUSTOM).exists():
        raise SurveysExist(f"Store {store.slug!r} already has a custom survey.")
    end = datetime.combine(today or timezone.now().date(), time_type.min, tzinfo=UTC)
    start = end - timedelta(days=HISTORY_DAYS)
    rng = random.Random(f"cxloop-demo-custom-survey-{seed}")
    with transaction.atomic():
        survey, questions = _create_survey(store, start)
        shipped = _shipped_orders(store, start, end)
        respondents = _identified(survey, shipped, end, rng) + _anonymous(survey, start, len(shipped), rng)
        respondents.sort(key=lambda who: (who.at, who.customer_id or 0))
        responses = [_response(survey, questions, who, rng) for who in respondents]
        Response.objects.bulk_create(responses)
    return CustomSurveySummary(
        responses=len(responses),
        identified=sum(1 for response in responses if response.customer_id is not None),
        written=sum(1 for response in responses if str(questions[-1].pk) in response.answers),
    )


def _create_survey(store: Store, start: datetime) -> tuple[Survey, list[Question]]:
    """The survey, built and opened as an owner would have, dated back to the start."""
    owner = Membership.objects.filter(store=store, role=Membership.Role.OWNER).order_by("pk").first()
    survey = survey_services.create_survey(
        store=store, name=SURVEY_NAME, kind=Kind.CUSTOM, actor=owner.user if owner else None,
        trigger=Survey.Trigger.MANUAL, texts=SURVEY_TEXTS,
    )  # fmt: skip
    questions = survey_services.set_questions(survey=survey, questions=QUESTIONS)
    survey_services.activate_survey(survey=survey)
    Survey.objects.filter(pk=survey.pk).update(
        created_at=start - timedelta(days=2), updated_at=start, activated_at=start
    )
    survey.refresh_from_db()
    return survey, questions


# -- who answered, and when ----------------------------------------------------------


def _shipped_orders(store: Store, start: datetime, end: datetime) -> list[tuple]:
    """(customer id, fulfilled at, language, country, tags) of each order that went out in the period."""
    shipped = Order.objects.filter(
        store=store, customer__isnull=False, customer__erased_at__isnull=True, cancelled_at__isnull=True,
        fulfilled_at__gte=start, fulfilled_at__lt=end,
    )  # fmt: skip
    return list(
        shipped.order_by("fulfilled_at", "pk").values_list(
            "customer_id", "fulfilled_at", "customer__language", "customer__country", "customer__tags"
        )
    )


def _identified(survey: Survey, shipped: list[tuple], end: datetime, rng: random.Random) -> list[_Respondent]:
    """Customers who answered through the link in the email of an order that went out."""
    live = Order.objects.filter(store=survey.store, customer__isnull=False, cancelled_at__isnull=True)
    ordered_at = defaultdict(list)
    for customer_id, created_at in live.order_by("created_at", "pk").values_list("customer_id", "created_at"):
        ordered_at[customer_id].append(created_at)
    languages: dict[str, str] = {}
    respondents = []
    for customer_id, fulfilled_at, language, country, tags in shipped:
        if rng.random() >= IDENTIFIED_ANSWER_RATE:
            continue
        at = fulfilled_at + timedelta(hours=rng.lognormvariate(*ANSWER_DELAY_HOURS))
        if at >= end:
            continue
        if language not in languages:
            languages[language] = pick_language(survey, language)
        respondents.append(
            _Respondent(
                at=at,
                language=languages[language],
                far=country in FAR_COUNTRIES,
                customer_id=customer_id,
                country=country,
                is_repeat_customer=bisect_right(ordered_at[customer_id], at) > 1,
                tags=tuple(tags or ()),
            )  # fmt: skip
        )
    return respondents


def _anonymous(survey: Survey, start: datetime, orders: int, rng: random.Random) -> list[_Respondent]:
    """Visitors who answered through the website's link, in the languages of the store's customers.

    As many again as the orders that went out make: the website's traffic grows with the shop.
    """
    counts = (
        Customer.objects.filter(store=survey.store, erased_at__isnull=True)
        .values_list("language")
        .annotate(n=Count("pk"))
        .order_by("language")
    )
    weights: dict[str, int] = defaultdict(int)
    for language, n in counts:
        weights[pick_language(survey, language)] += n
    respondents = []
    for _order in range(orders):
        if rng.random() >= ANONYMOUS_RATE:
            continue
        day = rng.randrange(HISTORY_DAYS)
        at = start + timedelta(days=day, hours=rng.uniform(6, 23))  # mostly daytime in Europe
        language = rng.choices(list(weights), list(weights.values()))[0]
        respondents.append(_Respondent(at=at, language=language, far=language in FAR_LANGUAGES))
    return respondents


# -- what they answered ----------------------------------------------------------------


def _response(survey: Survey, questions: list[Question], who: _Respondent, rng: random.Random) -> Response:
    return Response(
        store=survey.store, survey=survey, submission_key=secrets.token_urlsafe(16),
        customer_id=who.customer_id, channel=Channel.WEB, language=who.language,
        answers=_answers(questions, who, rng), country=who.country,
        is_repeat_customer=who.is_repeat_customer, created_at=who.at, updated_at=who.at,
    )  # fmt: skip


def _answers(questions: list[Question], who: _Respondent, rng: random.Random) -> dict:
    """{question id: answer} for the questions answered; a page sent with no answer has its rating."""
    rating_question, source_question, purpose_question, written_question = questions
    rating = None if rng.random() < SKIP_RATE["rating"] else _rating(who, rng)
    source = None if rng.random() < SKIP_RATE["source"] else _source(who, rng)
    purposes = [] if rng.random() < SKIP_RATE["purpose"] else _purposes(who, rng)
    written = _written(who, rating, purposes, rng)
    if rating is None and source is None and not purposes and not written:
        rating = _rating(who, rng)
    values = {
        rating_question: rating,
        source_question: SOURCE_KEYS.get(source),
        purpose_question: sorted((PURPOSE_KEYS[purpose] for purpose in purposes), key=int),
        written_question: written,
    }
    return {str(question.pk): value for question, value in values.items() if value not in (None, "", [])}


def _rating(who: _Respondent, rng: random.Random) -> int:
    weights = {
        score: weight * (FAR_RATING_FACTOR.get(score, 1.0) if who.far else 1.0)
        for score, weight in RATING_WEIGHTS.items()
    }
    return rng.choices(list(weights), list(weights.values()))[0]


def _source(who: _Respondent, rng: random.Random) -> str:
    weights = dict(SOURCE_WEIGHTS)
    weights["instagram"] *= INSTAGRAM_FACTOR.get(who.language, 1.0)
    if "instagram" in who.tags:
        weights["instagram"] *= INSTAGRAM_TAG_FACTOR
    return rng.choices(list(weights), list(weights.values()))[0]


def _purposes(who: _Respondent, rng: random.Random) -> list[str]:
    rates = dict(PURPOSE_RATES)
    if "gift-buyer" in who.tags:
        rates["gift"] = GIFT_BUYER_RATE
    chosen = [purpose for purpose, rate in rates.items() if rng.random() < rate]
    return chosen or ["myself"]


def _written(who: _Respondent, rating: int | None, purposes: list[str], rng: random.Random) -> str:
    """A short answer in the respondent's language, on a theme their other answers make likely."""
    band = "low" if rating in (1, 2) else "high" if rating in (4, 5) else "mid"
    if rng.random() >= WRITE_RATE[band]:
        return ""
    weights = dict(THEME_WEIGHTS[band])
    if "gift" in purposes:
        weights["gift"] *= 3
    if who.far:
        weights["delivery"] *= 2.5
    theme = rng.choices(list(weights), list(weights.values()))[0]
    return rng.choice(WRITTEN_ANSWERS.get(who.language, WRITTEN_ANSWERS["en"])[theme])
