"""Survey fields for segment queries: the customer's last NPS band, and whether they answered a survey."""

from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from cxloop.segments.query.fields import Context, Field, choice_of, exists_field, register_field, since_of

from .models import Response
from .scoring import Band, Kind

NPS_BANDS = {"PROMOTER": Band.HIGH, "PASSIVE": Band.MID, "DETRACTOR": Band.LOW}


def _last_nps_band(condition, context: Context) -> Q:
    latest = (
        Response.objects.filter(customer=OuterRef("pk"), survey__kind=Kind.NPS, score__isnull=False)
        .order_by("-created_at", "-pk")
        .values("band")[:1]
    )
    if condition.operator in ("IS NULL", "IS NOT NULL"):
        answered = Q(Exists(latest))
        return ~answered if condition.operator == "IS NULL" else answered
    band = NPS_BANDS[choice_of(condition.values[0], "last_nps_band", tuple(NPS_BANDS))]
    # A customer without an NPS answer has no band: NULL compares neither equal nor different.
    same = Q(Exact(Subquery(latest), Value(str(band))))
    return same if condition.operator == "=" else ~same


def _answered(condition, context: Context):
    answers = Response.objects.filter(customer=OuterRef("pk"))
    if (since := since_of(condition, context)) is not None:
        answers = answers.filter(created_at__gte=since)
    return answers


def register_survey_fields() -> None:
    register_field(Field(
        "last_nps_band", "choice", _("The customer's latest NPS answer: PROMOTER, PASSIVE or DETRACTOR."),
        ("=", "!=", "IS NULL", "IS NOT NULL"), _last_nps_band, choices=tuple(NPS_BANDS),
        example="last_nps_band = 'DETRACTOR'",
    ))  # fmt: skip
    register_field(exists_field(
        "survey_answered", _("Answered any survey (since: a date)."), _answered, arguments=("since",),
        example="survey_answered(since: -90d) = true",
    ))  # fmt: skip
