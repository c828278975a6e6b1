"""What happened after: did customers order again after talking to the help desk?

Two comparisons, each counted in SQL (one aggregate query per group):

After a resolved conversation
    Customers with a conversation resolved in the period (their first such
    resolution is the start of their window) who placed an order, not
    cancelled, within `WINDOW` after it. The baseline is the store's other
    customers: known before the period began, without a conversation opened
    or resolved in the period, ordering within `WINDOW` from the period's start.

Detractors
    NPS answers of 0-6 given in the period by a known customer, split by
    whether the help desk replied to that customer (any conversation) within
    `CONTACT_DAYS` after the answer; and the share of each group that ordered
    within `WINDOW` after the answer.

Only complete windows count (the window's end has passed); the page shows
"x of y windows complete". Team and channel filters narrow the conversation
group only; the baseline and the detractors are the whole store's.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone

from cxloop.commerce.models import Customer, Order
from cxloop.surveys import queries as survey_queries

from ..models import Conversation, Message
from .period import ReportPeriod

WINDOW = timedelta(days=90)
CONTACT_DAYS = 7


@dataclass
class Cohort:
    windows: int = 0  # customers (or answers) in the group
    complete: int = 0  # whose window has ended
    ordered: int = 0  # of the complete ones, placed an order within the window

    @property
    def share(self) -> float | None:
        return self.ordered * 100 / self.complete if self.complete else None


@dataclass
class Outcomes:
    after_conversation: Cohort
    baseline: Cohort
    detractors_contacted: Cohort
    detractors_not_contacted: Cohort
    window_days: int = WINDOW.days
    contact_days: int = CONTACT_DAYS


def _orders_within(customer: str, anchor: str):
    return Order.objects.filter(
        customer_id=OuterRef(customer),
        cancelled_at__isnull=True,
        created_at__gt=OuterRef(anchor),
        created_at__lte=OuterRef(anchor) + WINDOW,
    )


def _cohort(counts: dict, prefix: str = "") -> Cohort:
    return Cohort(
        windows=counts[f"{prefix}windows"],
        complete=counts[f"{prefix}complete"],
        ordered=counts[f"{prefix}ordered"],
    )


def after_conversation(period: ReportPeriod, now: datetime) -> Cohort:
    resolved = Conversation.objects.filter(
        period.conversation_filter(),
        status=Conversation.Status.RESOLVED,
        resolved_at__gte=period.start,
        resolved_at__lt=period.end,
        customer__isnull=False,
    )
    first = resolved.filter(customer_id=OuterRef("pk")).order_by("resolved_at").values("resolved_at")[:1]
    complete = Q(anchor__lte=now - WINDOW)
    counts = (
        Customer.objects.filter(store=period.store, pk__in=resolved.values("customer_id"))
        .annotate(anchor=Subquery(first))
        .annotate(has_order=Exists(_orders_within("pk", "anchor")))
        .aggregate(
            windows=Count("pk"),
            complete=Count("pk", filter=complete),
            ordered=Count("pk", filter=complete & Q(has_order=True)),
        )
    )
    return _cohort(counts)


def baseline(period: ReportPeriod, now: datetime) -> Cohort:
    talked = Conversation.objects.filter(store=period.store, customer__isnull=False).filter(
        Q(created_at__gte=period.start, created_at__lt=period.end)
        | Q(resolved_at__gte=period.start, resolved_at__lt=period.end)
    )
    customers = Customer.objects.filter(
        store=period.store, created_at__lt=period.start, erased_at__isnull=True
    ).exclude(pk__in=talked.values("customer_id"))
    windows = customers.count()
    if period.start + WINDOW > now:
        return Cohort(windows=windows)
    orders = Order.objects.filter(
        customer_id=OuterRef("pk"),
        cancelled_at__isnull=True,
        created_at__gte=period.start,
        created_at__lt=period.start + WINDOW,
    )
    return Cohort(windows=windows, complete=windows, ordered=customers.filter(Exists(orders)).count())


def detractors(period: ReportPeriod, now: datetime) -> tuple[Cohort, Cohort]:
    """(contacted within CONTACT_DAYS, not contacted) among the period's detractor answers."""
    replies = Message.objects.filter(
        store=period.store,
        kind=Message.Kind.REPLY,
        conversation__customer_id=OuterRef("customer_id"),
        created_at__gte=OuterRef("created_at"),
        created_at__lte=OuterRef("created_at") + timedelta(days=CONTACT_DAYS),
    )
    answers = survey_queries.list_detractor_answers(period.store, since=period.start, until=period.end)
    answers = answers.annotate(
        contacted=Exists(replies), ordered=Exists(_orders_within("customer_id", "created_at"))
    )
    complete = Q(created_at__lte=now - WINDOW)
    groups = {}
    for prefix, contacted in (("yes_", True), ("no_", False)):
        group = Q(contacted=contacted)
        groups |= {
            f"{prefix}windows": Count("pk", filter=group),
            f"{prefix}complete": Count("pk", filter=group & complete),
            f"{prefix}ordered": Count("pk", filter=group & complete & Q(ordered=True)),
        }
    counts = answers.aggregate(**groups)
    return _cohort(counts, "yes_"), _cohort(counts, "no_")


def outcomes(period: ReportPeriod, *, now: datetime | None = None) -> Outcomes:
    now = now or timezone.now()
    contacted, not_contacted = detractors(period, now)
    return Outcomes(
        after_conversation=after_conversation(period, now),
        baseline=baseline(period, now),
        detractors_contacted=contacted,
        detractors_not_contacted=not_contacted,
    )
