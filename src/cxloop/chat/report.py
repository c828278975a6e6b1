"""How much the widget's self-service answers: for the chat page.

stats = self_service(store, days=30)
stats.suggested   visitors offered help-centre articles for their question
stats.deflected   of them, those who said an article answered it
stats.contacted   of them, those who then wrote to a person (the contact rate after reading)
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from .models import Deflection, Visitor


@dataclass(frozen=True)
class SelfService:
    days: int
    suggested: int
    deflected: int
    contacted: int

    @property
    def deflection_percent(self) -> float | None:
        return 100 * self.deflected / self.suggested if self.suggested else None

    @property
    def contact_percent(self) -> float | None:
        return 100 * self.contacted / self.suggested if self.suggested else None


def self_service(store, *, days: int = 30) -> SelfService:
    since = timezone.now() - timedelta(days=days)
    offered = Visitor.objects.filter(store=store, suggested_at__gte=since)
    deflected = (
        Deflection.objects.filter(store=store, created_at__gte=since, visitor__suggested_at__gte=since)
        .values("visitor_id").distinct().count()
    )  # fmt: skip
    contacted = offered.filter(conversation__created_at__gte=F("suggested_at")).count()
    return SelfService(days=days, suggested=offered.count(), deflected=deflected, contacted=contacted)
