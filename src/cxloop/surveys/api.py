"""The surveys API: create and list surveys, send invitations, list responses, and the public answer.

Every endpoint but the answer needs a secret store API key (publishable
keys get 401); a survey id of another store is 404. The answer endpoint
takes no key: the signed invitation token in the body is the credential,
exactly as on the survey page.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.db import transaction
from django.http import JsonResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, StrictBool, StrictInt, StrictStr

from cxloop.commerce.models import Customer
from cxloop.core import queries as core_queries
from cxloop.core.apierrors import ErrorOut
from cxloop.core.errors import InvalidInput, error_body
from cxloop.core.inputs import DbId, InputDateTime, LimitOffsetPagination, StrictDbId

from . import audience, links, queries, ratelimit, services
from .comment_themes import filter_by_theme, recent_theme_filters
from .services.surveys import MAX_DELAY_DAYS, MAX_LINK_DAYS, MAX_QUESTIONS
from .texts import EDITABLE_FIELDS, MAX_TEXT_LENGTH
from .tokens import read_invitation_token

router = Router(tags=["surveys"])
MAX_INVITES_PER_CALL = 1000


# A language code as the services read it (`pl`, `zh-hant`); upper case is folded to lower.
LanguageTag = Annotated[StrictStr, Field(pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$")]


class StrictIn(Schema):
    """Input schemas name every field they take; anything else is refused (422)."""

    model_config = ConfigDict(extra="forbid")


class ChoiceIn(StrictIn):
    labels: dict[str, StrictStr] = Field(description='The choice per language: {"en": "Yes"}.')


class QuestionIn(StrictIn):
    kind: Literal["rating", "single", "multiple", "text"]
    required: StrictBool = False
    scale_max: StrictInt = Field(5, description="Ratings run from 1 to this (2-10).")
    texts: dict[str, StrictStr] = Field(description='The question per language: {"en": "..."}.')
    choices: list[ChoiceIn] = Field(default_factory=list, description="2-20 choices for choice questions.")


SurveyText = Literal[EDITABLE_FIELDS]
SurveyTextValue = Annotated[StrictStr, Field(max_length=MAX_TEXT_LENGTH)]


class SurveyIn(StrictIn):
    """The rules the schema states are checked first (422 naming the field); texts also may not hold
    control characters, and a custom survey needs `questions` to be `active`."""

    name: StrictStr = Field(min_length=1, max_length=200, pattern=r"\S", description="Not only spaces.")
    kind: Literal["nps", "csat", "ces", "custom"]
    trigger: Literal["manual", "order_placed", "order_fulfilled", "helpdesk_resolved"] = "manual"
    delay_days: StrictInt = Field(
        3, ge=0, le=MAX_DELAY_DAYS, description="Days after the order (order triggers)."
    )  # noqa: E501
    sampling_percent: StrictInt = Field(100, ge=1, le=100, description="Share of customers asked.")
    link_valid_days: StrictInt = Field(
        14, ge=1, le=MAX_LINK_DAYS, description="Days an invitation link works."
    )  # noqa: E501
    texts: dict[LanguageTag, dict[SurveyText, SurveyTextValue]] = Field(
        default_factory=dict, description='Customer-facing texts per language: {"pl": {"question": "..."}}.'
    )
    brand_color: StrictStr = Field("#2563eb", pattern=r"^#[0-9a-fA-F]{6}$")
    low_score_rule: StrictBool = True
    low_score_tag: StrictStr = Field("low-score", max_length=50)
    notify_user_ids: list[StrictDbId] = Field(default_factory=list)
    questions: list[QuestionIn] | None = Field(None, max_length=MAX_QUESTIONS, description="Custom surveys.")
    active: StrictBool = Field(False, description="Activate the survey at once.")


class QuestionOut(Schema):
    id: int
    position: int
    kind: str
    required: bool
    scale_max: int
    texts: dict
    choices: list


class SurveyOut(Schema):
    id: int
    name: str
    kind: str
    status: str
    trigger: str
    delay_days: int
    sampling_percent: int
    link_valid_days: int
    texts: dict
    brand_color: str
    low_score_rule: bool
    low_score_tag: str
    notify_user_ids: list[int]
    questions: list[QuestionOut]
    created_at: datetime
    updated_at: datetime
    activated_at: datetime | None
    web_link: str = Field(description="The survey's public web link: anyone may answer there.")
    widget_snippet: str = Field(
        description="HTML for the storefront: the snippet with the store's publishable key, "
        "and the call that shows this survey in the on-site widget."
    )

    @staticmethod
    def resolve_questions(obj):
        return list(obj.questions.all())

    @staticmethod
    def resolve_web_link(obj):
        return links.build_web_link(obj)

    @staticmethod
    def resolve_widget_snippet(obj, context):
        return links.build_widget_snippet(obj, _storefront_key(context["request"]))


def _storefront_key(request):
    """The store's readable publishable key, looked up once per request (lists of surveys)."""
    if not hasattr(request, "_storefront_key"):
        request._storefront_key = core_queries.get_storefront_key(request.store)
    return request._storefront_key


@router.post(
    "/surveys",
    response={201: SurveyOut},
    summary="Create a survey",
)
def create_survey(request, payload: SurveyIn):
    """Create a survey (a draft unless `active` is true). Custom surveys take their `questions`."""
    values = payload.model_dump(exclude_unset=True)
    questions = values.pop("questions", None)
    active = values.pop("active", False)
    with transaction.atomic():
        survey = services.create_survey(store=request.store, **values)
        if questions is not None:
            services.set_questions(survey=survey, questions=questions)
        if active:
            services.activate_survey(survey=survey)
    return Status(201, queries.get_survey(request.store, survey.pk))


@router.get("/surveys", response=list[SurveyOut], summary="List surveys")
@paginate(LimitOffsetPagination)
def list_surveys(request):
    return queries.list_surveys(request.store).prefetch_related("questions")


@router.get("/surveys/{survey_id}", response=SurveyOut, summary="One survey")
def get_survey(request, survey_id: DbId):
    return queries.get_survey(request.store, survey_id)


def _no_default(schema: dict) -> None:
    schema.pop("default", None)


class InvitationsIn(StrictIn):
    """Either `customer_ids` or `emails`, not both."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"oneOf": [{"required": ["customer_ids"]}, {"required": ["emails"]}]},
    )

    # Typed without None: a field is left out, never sent as null (the schema's oneOf says so).
    customer_ids: list[StrictDbId] = Field(
        None, max_length=MAX_INVITES_PER_CALL, description="Customers of this store, by id.",
        json_schema_extra=_no_default,
    )  # fmt: skip
    emails: list[StrictStr] = Field(
        None, max_length=MAX_INVITES_PER_CALL, description="Matched to customers case-insensitively.",
        json_schema_extra=_no_default,
    )  # fmt: skip


class InvitationsOut(Schema):
    queued: int = Field(description="Invitations that will be emailed.")
    skipped: dict[str, int] = Field(
        description="Customers not invited, per reason: throttled, no_consent, suppressed, no_email, "
        "erased, sampled_out."
    )
    unknown_emails: list[str] = Field(description="Emails of no customer of the store (nobody was created).")


@router.post(
    "/surveys/{survey_id}/invitations",
    response={200: InvitationsOut, 409: ErrorOut},
    summary="Invite customers to a survey",
)
def invite(request, survey_id: DbId, payload: InvitationsIn):
    """Invite customers by id or by email, at most 1,000 per call. The policy decides who is skipped."""
    survey = queries.get_survey(request.store, survey_id)
    if (payload.customer_ids is None) == (payload.emails is None):
        raise InvalidInput("Give either customer_ids or emails.", field="customer_ids")
    unknown: list[str] = []
    if payload.customer_ids is not None:
        customers = _customers_by_id(request.store, payload.customer_ids)
    else:
        emails = list(dict.fromkeys(email.strip().lower() for email in payload.emails))
        ids, unknown = audience.match_emails(request.store, emails)
        customers = list(Customer.objects.filter(store=request.store, pk__in=ids).order_by("pk"))
    summary = services.invite_customers(survey=survey, customers=customers)
    return InvitationsOut(queued=len(summary.queued), skipped=summary.skipped, unknown_emails=unknown)


def _customers_by_id(store, ids: list[int]) -> list[Customer]:
    wanted = list(dict.fromkeys(ids))
    customers = {c.pk: c for c in Customer.objects.filter(store=store, pk__in=wanted)}
    if missing := [i for i in wanted if i not in customers]:
        raise InvalidInput(f"Customer {missing[0]} is not a customer of this store.", field="customer_ids")
    return [customers[i] for i in wanted]


class InvitationOut(Schema):
    id: int
    survey_id: int
    customer_id: int | None
    status: str = Field(description="queued, sending, sent, failed or skipped.")
    skip_reason: str
    channel: str
    language: str
    created_at: datetime
    sent_at: datetime | None
    opened_at: datetime | None
    answered_at: datetime | None
    expires_at: datetime


@router.get(
    "/surveys/{survey_id}/invitations",
    response=list[InvitationOut],
    summary="List a survey's invitations",
)
@paginate(LimitOffsetPagination)
def list_invitations(request, survey_id: DbId):
    survey = queries.get_survey(request.store, survey_id)
    return queries.list_invitations(request.store, survey=survey)


class ResponseOut(Schema):
    id: int
    survey_id: int
    customer_id: int | None
    score: int | None
    band: str
    comment: str
    comment_language: str
    answers: dict
    language: str
    channel: str
    country: str
    created_at: datetime
    updated_at: datetime


class ResponseFilter(Schema):
    since: InputDateTime | None = Field(
        None, description="Answers recorded or changed at or after this time."
    )
    theme: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description=(
            "Answers whose comment mentions this theme (its `key`, as in the comments page's `?theme=` "
            "links, e.g. `fast delivery`), among the latest 2,000 comments of the last 90 days: "
            "the comments the results pages read themes from."
        ),
    )


@router.get(
    "/surveys/{survey_id}/responses",
    response=list[ResponseOut],
    summary="List a survey's responses",
)
@paginate(LimitOffsetPagination)
def list_responses(request, survey_id: DbId, filters: Query[ResponseFilter]):
    survey = queries.get_survey(request.store, survey_id)
    responses = queries.list_responses(request.store, survey=survey)
    if filters.since is not None:
        responses = responses.filter(updated_at__gte=filters.since)
    if filters.theme is not None:
        theme = recent_theme_filters(request.store, filters.theme)
        responses = filter_by_theme(responses, request.store, survey, theme)
    return responses


class AnswerIn(StrictIn):
    token: StrictStr = Field(max_length=300, description="The token of the invitation link (/s/<token>/).")
    score: StrictInt | StrictStr | None = Field(None, description="The score on the survey's scale.")
    comment: StrictStr = ""
    answers: dict[str, Any] | None = Field(None, description="Custom questions: {question id: answer}.")


class AnswerOut(Schema):
    id: int
    survey_id: int
    score: int | None
    band: str
    comment: str
    answers: dict
    created_at: datetime
    updated_at: datetime


@router.post(
    "/survey-answers",
    auth=None,
    response={
        200: AnswerOut,
        201: AnswerOut,
        404: ErrorOut,
        409: ErrorOut,
        410: ErrorOut,
        429: ErrorOut,
    },
    summary="Answer a survey invitation (public, token-based)",
)
def answer(request, payload: AnswerIn):
    """Record the answer to an invitation: 201 the first time, 200 when it changes the answer.

    404 for an altered or unknown token, 410 for an expired link, 409 for a
    closed survey, 422 for a score outside the scale or a bad comment, 429
    (with Retry-After) past 10 answers a minute from one address, the same
    limit as the survey page's.
    """
    decision = ratelimit.survey_submit(request)
    if not decision.allowed:
        refused = JsonResponse(
            error_body("rate_limited", "Too many answers from this address; retry soon."), status=429
        )
        refused["Retry-After"] = str(decision.retry_after)
        return refused
    invitation = read_invitation_token(payload.token)
    cleaned = services.clean_answer(
        invitation.survey, score=payload.score, comment=payload.comment, answers=payload.answers
    )
    answered_before = queries.get_invitation_response(invitation) is not None
    response = services.record_invitation_answer(invitation=invitation, answer=cleaned)
    # A concurrent first answer may have won between the check and the write: then this one changed it.
    created = not answered_before and response.created_at == response.updated_at
    return Status(201 if created else 200, response)
