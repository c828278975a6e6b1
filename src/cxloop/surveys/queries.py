"""Reads of surveys, invitations and responses, always within one store."""

from django.db.models import QuerySet
from django.http import Http404

from cxloop.core.models import Store

from .models import Invitation, Response, Survey
from .results import build_score_cards as build_score_cards  # for the overview page


def get_survey(store: Store, survey_id) -> Survey:
    """One survey of the store; Http404 for another store's id."""
    survey = Survey.objects.filter(store=store, pk=survey_id).select_related("store").first()
    if survey is None:
        raise Http404("No such survey")
    return survey


def get_survey_by_public_id(public_id: str) -> Survey:
    """The survey a public web link names; Http404 if none."""
    survey = Survey.objects.filter(public_id=public_id).select_related("store").first()
    if survey is None:
        raise Http404("No such survey")
    return survey


def list_surveys(store: Store) -> QuerySet[Survey]:
    return Survey.objects.filter(store=store).order_by("-created_at")


def get_response(store: Store, response_id) -> Response:
    response = (
        Response.objects.filter(store=store, pk=response_id)
        .select_related("survey", "customer", "invitation")
        .first()
    )
    if response is None:
        raise Http404("No such response")
    return response


def list_responses(
    store: Store, *, survey: Survey | None = None, customer_id: int | None = None
) -> QuerySet[Response]:
    """Responses of the store, newest first, optionally of one survey or one customer."""
    responses = Response.objects.filter(store=store)
    if survey is not None:
        responses = responses.filter(survey=survey)
    if customer_id is not None:
        responses = responses.filter(customer_id=customer_id)
    return responses.select_related("survey", "customer").order_by("-created_at", "-pk")


def list_invitations(store: Store, *, survey: Survey | None = None) -> QuerySet[Invitation]:
    invitations = Invitation.objects.filter(store=store)
    if survey is not None:
        invitations = invitations.filter(survey=survey)
    return invitations.select_related("customer").order_by("-created_at", "-pk")


def get_invitation_response(invitation: Invitation) -> Response | None:
    """The invitation's answer, if any: read with it by `get_page_invitation`, else one query."""
    if Invitation.response.is_cached(invitation):
        return Invitation.response.related.get_cached_value(invitation)
    return next(iter(Response.objects.filter(invitation=invitation)[:1]), None)  # one at most: no ORDER BY


# What the answer page and its thanks page show, and nothing more: a customer's click on a score
# link costs one narrow query (invitation, survey, store and any answer) instead of two that read
# every column of four tables. A POST loads the invitation whole (tokens.read_invitation_token).
PAGE_FIELDS = (
    "language", "expires_at", "opened_at", "survey",
    "survey__kind", "survey__status", "survey__texts", "survey__brand_color", "survey__logo_type",
    "survey__public_id", "survey__updated_at", "survey__store",
    "survey__store__name", "survey__store__default_language", "survey__store__timezone",
    "response__score", "response__comment", "response__answers", "response__updated_at",
)  # fmt: skip


def get_page_invitation(pk: int, nonce: str) -> Invitation | None:
    """The invitation a link names (id and nonce from its token), with what its public pages show."""
    found = (
        Invitation.objects.select_related("survey__store", "response")
        .only(*PAGE_FIELDS)
        .filter(pk=pk, nonce=nonce)[:1]  # [:1], not first(): the id is unique, ORDER BY costs the ORM
    )
    return next(iter(found), None)


def get_invitation_recipient(store: Store, nonce: str) -> str | None:
    """The address an invitation was sent to, by its nonce; None if there is no such invitation.

    Unsubscribe links made before tokens named the address find it here.
    """
    return Invitation.objects.filter(store=store, nonce=nonce).values_list("email", flat=True).first()
