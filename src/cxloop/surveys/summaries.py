"""Small per-survey figures for staff pages: invitations by status, answers, and a headline score.

Two grouped queries cover a whole page of surveys. The headline is the
survey's own measure over all its answers: NPS (-100 to +100), CSAT (% of
4-5 answers) or CES (mean of 1-7).
"""

from dataclasses import dataclass, field

from django.db.models import Count, Sum

from cxloop.core.models import Store

from .models import Invitation, Response, Survey
from .scoring import Band, Kind


@dataclass
class SurveySummary:
    kind: str
    invitations: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    opened: int = 0
    bands: dict[str, int] = field(default_factory=dict)
    answered: int = 0
    score_sum: int = 0

    @property
    def sent(self) -> int:
        return self.invitations.get(Invitation.Status.SENT, 0)

    @property
    def waiting(self) -> int:
        return sum(self.invitations.get(s, 0) for s in (Invitation.Status.QUEUED, Invitation.Status.SENDING))

    @property
    def failed(self) -> int:
        return self.invitations.get(Invitation.Status.FAILED, 0)

    @property
    def scored(self) -> int:
        return sum(self.bands.values())

    @property
    def headline(self) -> str:
        """The survey's measure as text ("+42", "87%", "5.6"), or "" before any score."""
        scored = self.scored
        if not scored or self.kind == Kind.CUSTOM:
            return ""
        high, low = self.bands.get(Band.HIGH, 0), self.bands.get(Band.LOW, 0)
        if self.kind == Kind.NPS:
            return f"{round((high - low) * 100 / scored):+d}"
        if self.kind == Kind.CSAT:
            return f"{round(high * 100 / scored)}%"
        return f"{self.score_sum / scored:.1f}"


def build_summaries(store: Store, surveys: list[Survey]) -> dict[int, SurveySummary]:
    """Figures for each of these surveys of the store, keyed by survey id."""
    summaries = {survey.pk: SurveySummary(kind=survey.kind) for survey in surveys}
    invitations = (
        Invitation.objects.filter(store=store, survey_id__in=summaries)
        .values("survey_id", "status", "skip_reason")
        .annotate(n=Count("id"), opened=Count("opened_at"))
        .order_by()
    )
    for row in invitations:
        summary = summaries[row["survey_id"]]
        summary.invitations[row["status"]] = summary.invitations.get(row["status"], 0) + row["n"]
        summary.opened += row["opened"]
        if row["status"] == Invitation.Status.SKIPPED:
            reason = row["skip_reason"] or "other"
            summary.skipped[reason] = summary.skipped.get(reason, 0) + row["n"]
    responses = (
        Response.objects.filter(store=store, survey_id__in=summaries)
        .values("survey_id", "band")
        .annotate(n=Count("id"), total=Sum("score"))
        .order_by()
    )
    for row in responses:
        summary = summaries[row["survey_id"]]
        summary.answered += row["n"]
        if row["band"]:
            summary.bands[row["band"]] = row["n"]
            summary.score_sum += row["total"] or 0
    return summaries
