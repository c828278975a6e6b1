"""SLA attainment: the share of decided SLA clocks that were met in time, per target.

For the conversations opened in the period (with the team and channel
filters) under a policy that sets the target:

first response
    decided once the first reply went out, or once the target was missed
    (a breach recorded, services.sla); met when no breach was recorded.
resolution
    decided once the conversation is resolved, or once the target was missed.

Clocks still running with time left are not counted either way. Next-response
clocks restart at every customer message, so they have no single "decided"
moment per conversation; their breaches show on the conversations and in the
inbox's SLA filter instead.

One aggregate over the conversations, with an EXISTS on the breaches per target.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy

from ..models import Conversation, SlaBreach, SlaPolicy
from ..sla import FIRST_RESPONSE, RESOLUTION

# (target, label, the policy's minutes field, the conversation field set when the clock stops)
CLOCKS = (
    (FIRST_RESPONSE, gettext_lazy("First response"), "first_response_minutes", "first_response_at"),
    (RESOLUTION, gettext_lazy("Resolution"), "resolution_minutes", "resolved_at"),
)


@dataclass
class SlaRow:
    name: str
    label: str
    due: int  # clocks decided: stopped, or missed
    met: int  # of which met in time

    @property
    def share(self) -> float | None:
        return self.met * 100 / self.due if self.due else None


def has_policies(store) -> bool:
    return SlaPolicy.objects.filter(store=store).exists()


def sla_attainment(period) -> list[SlaRow] | None:
    """A row per target, or None when the store has no SLA policies."""
    if not has_policies(period.store):
        return None
    conversations = Conversation.objects.filter(
        period.conversation_filter(), created_at__gte=period.start, created_at__lt=period.end
    )
    aggregates = {}
    for name, _label, minutes, stopped in CLOCKS:
        missed = Exists(SlaBreach.objects.filter(conversation=OuterRef("pk"), target=name))
        conversations = conversations.annotate(**{f"{name}_missed": missed})
        under_target = Q(**{f"sla_policy__{minutes}__isnull": False})
        decided = under_target & (Q(**{f"{stopped}__isnull": False}) | Q(**{f"{name}_missed": True}))
        aggregates[f"{name}_due"] = Count("pk", filter=decided)
        aggregates[f"{name}_met"] = Count("pk", filter=decided & Q(**{f"{name}_missed": False}))
    counts = conversations.aggregate(**aggregates)
    return [
        SlaRow(name, str(label), counts[f"{name}_due"], counts[f"{name}_met"]) for name, label, *_ in CLOCKS
    ]
