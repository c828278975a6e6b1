"""Reads of surveys, invitations and responses, always within one store."""

import functools

from django.db import connection
from django.db.models import Case, QuerySet, When
from django.http import Http404

from cxloop.core import prepared
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


def get_brand_color(store: Store) -> str:
    """The store's brand colour as its customers know it: that of its most recently changed survey
    (active first), "" when it has none. Other customer pages (the contact form) take it from here."""
    surveys = Survey.objects.filter(store=store).order_by(
        Case(When(status=Survey.Status.ACTIVE, then=0), default=1), "-updated_at", "-pk"
    )
    return surveys.values_list("brand_color", flat=True).first() or ""


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
PAGE_COLUMNS = {
    Invitation: ("id", "store", "survey", "language", "expires_at", "opened_at"),
    Survey: ("id", "store", "kind", "status", "texts", "brand_color", "logo_type", "public_id", "updated_at"),
    Store: ("id", "name", "default_language", "timezone"),
    Response: ("id", "invitation", "score", "comment", "answers", "updated_at"),
}  # fmt: skip


def get_page_invitation(pk: int, nonce: str) -> Invitation | None:
    """The invitation a link names (id and nonce from its token), with what its public pages show.

    The SQL is written once per process (`_page_sql`): the answer page is the most-visited page a
    store has, and building this join through the ORM cost a third of it. The rows become model
    instances with only these fields loaded (as `.only()` gives), through the database's own
    converters, so the survey, its store and the answer read as they would from the ORM.
    """
    sql, fields = _page_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk, nonce])
        row = cursor.fetchone()
    if row is None:
        return None
    values = iter(row)
    loaded = {}
    for model, model_fields in fields:
        loaded[model] = [prepared.from_db(field, next(values)) for field in model_fields]
    invitation = _instance(Invitation, loaded[Invitation])
    survey = _instance(Survey, loaded[Survey])
    survey.store = _instance(Store, loaded[Store])
    invitation.survey = survey
    answer = _instance(Response, loaded[Response]) if loaded[Response][0] is not None else None
    if answer is not None:
        answer.invitation = invitation
    Invitation.response.related.set_cached_value(invitation, answer)
    return invitation


@functools.cache
def _page_sql(vendor: str) -> tuple[str, list]:
    quote = connection.ops.quote_name
    fields = _page_fields()
    aliases = {Invitation: "i", Survey: "s", Store: "st", Response: "r"}
    columns = ", ".join(
        f"{aliases[model]}.{quote(field.column)}" for model, model_fields in fields for field in model_fields
    )
    table = {model: quote(model._meta.db_table) for model in aliases}
    column = {
        name: quote(model._meta.get_field(field).column)
        for name, model, field in (
            ("survey", Invitation, "survey"), ("store", Survey, "store"),
            ("invitation", Response, "invitation"), ("nonce", Invitation, "nonce"),
        )
    }  # fmt: skip
    sql = (
        f"SELECT {columns} FROM {table[Invitation]} i"
        f" JOIN {table[Survey]} s ON s.{quote('id')} = i.{column['survey']}"
        f" JOIN {table[Store]} st ON st.{quote('id')} = s.{column['store']}"
        f" LEFT JOIN {table[Response]} r ON r.{column['invitation']} = i.{quote('id')}"
        f" WHERE i.{quote('id')} = %s AND i.{column['nonce']} = %s"
    )
    return sql, fields


def mark_opened(invitation: Invitation, now) -> None:
    """Record the first open of a link (a later open writes nothing), in one prepared statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            _opened_sql(connection.vendor), [connection.ops.adapt_datetimefield_value(now), invitation.pk]
        )
    invitation.opened_at = now


@functools.cache
def _opened_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    opened = quote(Invitation._meta.get_field("opened_at").column)
    return (
        f"UPDATE {quote(Invitation._meta.db_table)} SET {opened} = %s"
        f" WHERE {quote('id')} = %s AND {opened} IS NULL"
    )


def _instance(model, values: list):
    names = [field.attname for field in dict(_page_fields())[model]]
    return model.from_db(connection.alias, names, values)


@functools.cache
def _page_fields() -> tuple:
    """PAGE_COLUMNS as fields, each model's in its declared order (the order `Model.from_db` reads)."""
    return tuple(
        (model, tuple(field for field in model._meta.concrete_fields if field.name in names))
        for model, names in PAGE_COLUMNS.items()
    )


def get_invitation_recipient(store: Store, nonce: str) -> str | None:
    """The address an invitation was sent to, by its nonce; None if there is no such invitation.

    Unsubscribe links made before tokens named the address find it here.
    """
    return Invitation.objects.filter(store=store, nonce=nonce).values_list("email", flat=True).first()


def list_helpdesk_csat_answers(store: Store, *, prefix: str, since, until):
    """(invitation reference, satisfied) of CSAT answers given in [since, until) to invitations whose
    reference starts with `prefix` (the help desk's "helpdesk-conversation:"). Satisfied is the high band."""
    from django.db.models import BooleanField, ExpressionWrapper, Q

    return (
        Response.objects.filter(
            store=store,
            survey__kind=Survey.Kind.CSAT,
            score__isnull=False,
            created_at__gte=since,
            created_at__lt=until,
            invitation__reference__startswith=prefix,
        )
        .annotate(satisfied=ExpressionWrapper(Q(band="high"), output_field=BooleanField()))
        .values_list("invitation__reference", "satisfied")
    )


def list_detractor_answers(store: Store, *, since, until):
    """Answers of NPS detractors (0-6) with a known customer given in [since, until): a queryset of
    Response, for reports to filter further with their own subqueries (`customer_id`, `created_at`)."""
    return Response.objects.filter(
        store=store,
        survey__kind=Survey.Kind.NPS,
        score__isnull=False,
        score__lte=6,
        customer__isnull=False,
        created_at__gte=since,
        created_at__lt=until,
    )
