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
    return next(iter(Response.objects.filter(invitation=invitation)[:1]), None)  # one at most: no ORDER BY


def get_invitation_recipient(store: Store, nonce: str) -> str | None:
    """The address an invitation was sent to, by its nonce; None if there is no such invitation.

    Unsubscribe links made before tokens named the address find it here.
    """
    return Invitation.objects.filter(store=store, nonce=nonce).values_list("email", flat=True).first()
