"""The help desk in the store's numbers: which buyers wrote in, and who ordered again after an answer.

    support = build_support(store, days=30)   # the reports page's help desk card
    support.contact.current                   # % of the period's buyers who opened a conversation
    support.after.share, support.baseline.share

Two definitions, each an Ibis expression over the warehouse's logical tables
(analytics.metrics.Tables), so DuckDB, PostgreSQL and Spark give one answer:

Contact rate
    Of the customers with an order (not cancelled) in the period, the share
    who opened a help desk conversation in it. A conversation later merged
    into another still says the customer wrote.

Orders after a resolved conversation
    The help desk's own "what happened after" (helpdesk.reports.outcomes),
    counted the same way so both reports agree: customers with a conversation
    resolved in the period (resolved now, not merged; the window starts at
    their first such resolution) who placed an order, not cancelled, within
    WINDOW_DAYS after it; beside the baseline, the store's other customers
    known before the period began, without a conversation opened or resolved
    in it, ordering within WINDOW_DAYS of its first day. Only windows that
    have ended count. The card shows the conversations resolved in the year
    that ended WINDOW_DAYS + 1 days ago, so every window there has ended.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import ibis
from django.utils import timezone
from ibis import _
from ibis.expr import types as ir

from cxloop.web.queries import Comparison

from .metrics import Tables, _placed, _within
from .reports import Period, _one, _rate, _zone, engine, period_bounds, wilson

WINDOW_DAYS = 90  # helpdesk.reports.outcomes.WINDOW
LOOKBACK_DAYS = 365  # the card's year of resolved conversations


def buyers_contacting(t: Tables, store_id: int, since: datetime, until: datetime) -> ir.Table:
    """One row: customers with an order (not cancelled) in the period (`buyers`), and how many of them
    opened a help desk conversation in it (`contacted`)."""
    orders = _placed(t, store_id)
    buyers = orders.filter(_within(orders.created_at, since, until), orders.customer_id.notnull())
    buyers = buyers.select("customer_id").distinct()
    conversations = t.conversations
    openers = conversations.filter(
        conversations.store_id == store_id, conversations.customer_id.notnull(),
        _within(conversations.created_at, since, until),
    ).select(opener=conversations.customer_id).distinct()  # fmt: skip
    joined = buyers.left_join(openers, buyers.customer_id == openers.opener)
    return joined.aggregate(buyers=_.count(), contacted=_.opener.count())


def orders_after_resolution(
    t: Tables, store_id: int, since: datetime, until: datetime, now: datetime, days: int = WINDOW_DAYS
) -> ir.Table:
    """One row: customers with a conversation resolved in the period (`windows`: resolved now, not
    merged), those whose window of `days` after their first such resolution has ended by `now`
    (`complete`), and of those, who placed an order (not cancelled) in it (`ordered`)."""
    conversations = t.conversations
    resolved = conversations.filter(
        conversations.store_id == store_id, conversations.status == "resolved",
        conversations.merged_into_id.isnull(), conversations.customer_id.notnull(),
        _within(conversations.resolved_at, since, until),
    )  # fmt: skip
    anchors = resolved.group_by("customer_id").aggregate(anchor=_.resolved_at.min())
    orders = _placed(t, store_id)
    orders = orders.filter(orders.customer_id.notnull())
    orders = orders.select(buyer=orders.customer_id, at=orders.created_at)
    joined = anchors.left_join(
        orders,
        [
            anchors.customer_id == orders.buyer,
            orders.at > anchors.anchor,
            orders.at <= anchors.anchor + ibis.interval(days=days),
        ],
    )
    per = joined.group_by(["customer_id", "anchor"]).aggregate(orders_after=_.at.count())
    per = per.mutate(ended=per.anchor <= ibis.literal(now - timedelta(days=days)))
    return per.aggregate(
        windows=_.count(),
        complete=_.count(where=_.ended),
        ordered=_.count(where=_.ended & (_.orders_after > 0)),
    )


def orders_without_conversation(
    t: Tables, store_id: int, since: datetime, until: datetime, days: int = WINDOW_DAYS
) -> ir.Table:
    """One row: the baseline of orders_after_resolution. Customers known before the period began without
    a conversation opened or resolved in it (`customers`, merged ones too: the customer wrote), and of
    them who placed an order (not cancelled) within `days` from its start (`ordered`)."""
    conversations = t.conversations
    talked = conversations.filter(
        conversations.store_id == store_id, conversations.customer_id.notnull(),
        _within(conversations.created_at, since, until) | _within(conversations.resolved_at, since, until),
    ).select("customer_id")  # fmt: skip
    orders = _placed(t, store_id)
    ordered = orders.filter(
        orders.customer_id.notnull(), _within(orders.created_at, since, since + timedelta(days=days))
    ).select("customer_id")
    customers = t.customers
    customers = customers.filter(
        customers.store_id == store_id, customers.created_at < ibis.literal(since),
        ~customers.id.isin(talked.customer_id),
    )  # fmt: skip
    customers = customers.mutate(ordered=customers.id.isin(ordered.customer_id))
    return customers.aggregate(customers=_.count(), ordered=_.count(where=_.ordered))


@dataclass
class Cohort:
    windows: int  # customers in the group
    complete: int  # whose window has ended: the ones counted
    ordered: int  # of them, who ordered within the window

    @property
    def share(self) -> Decimal | None:
        return _rate(self.ordered, self.complete)

    @property
    def interval(self) -> tuple[Decimal, Decimal] | None:
        """The 95 % Wilson interval of the share, in per cent (None without a complete window)."""
        if not self.complete:
            return None
        low, high = wilson(self.ordered, self.complete)
        return (Decimal(low * 100).quantize(Decimal("0.1")), Decimal(high * 100).quantize(Decimal("0.1")))


@dataclass
class Support:
    contact: Comparison  # % of the period's buyers who opened a conversation, against the period before
    buyers: int
    contacted: int
    resolved_since: date  # the conversations resolved from this day...
    resolved_until: date  # ...to this one (included), store-local
    after: Cohort
    baseline: Cohort
    window_days: int = WINDOW_DAYS


def count_outcomes(
    t: Tables, backend, store_id: int, since: datetime, until: datetime, now: datetime
) -> tuple[Cohort, Cohort]:
    """(after a resolved conversation, baseline) for conversations resolved in [since, until), counting
    the windows ended by `now`: the numbers of the help desk's outcomes report, from `t`."""
    after = _one(backend, orders_after_resolution(t, store_id, since, until, now))
    base = _one(backend, orders_without_conversation(t, store_id, since, until))
    ended = since + timedelta(days=WINDOW_DAYS) <= now
    customers = base.get("customers") or 0
    return (
        Cohort(after.get("windows") or 0, after.get("complete") or 0, after.get("ordered") or 0),
        Cohort(customers, customers if ended else 0, (base.get("ordered") or 0) if ended else 0),
    )


def resolution_period(store, now: datetime) -> tuple[date, date, datetime, datetime]:
    """The card's resolved conversations: the LOOKBACK_DAYS store-local days that ended WINDOW_DAYS + 1
    days ago, so that each window of WINDOW_DAYS after a resolution has ended by today: (first day,
    last day, [since, until))."""
    zone = _zone(store)
    last = now.astimezone(zone).date() - timedelta(days=WINDOW_DAYS + 1)
    first = last - timedelta(days=LOOKBACK_DAYS - 1)
    since = datetime.combine(first, time.min, tzinfo=zone)
    return first, last, since, datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)


def build_support(
    store, *, days: int = 30, now: datetime | None = None, backend=None, tables=None,
    period: Period | None = None,
) -> Support:  # fmt: skip
    """The help desk card: the contact rate of the last `days` days against the days before, and the
    orders after the conversations resolved in the year up to WINDOW_DAYS + 1 days ago."""
    now = now or timezone.now()
    since, until = (period.since, period.until) if period else period_bounds(store, days, now=now)[2:]
    first, last, resolved_since, resolved_until = resolution_period(store, now)
    with engine(backend, tables) as (backend, tables):
        current = _one(backend, buyers_contacting(tables, store.pk, since, until))
        before = period.previous_since if period else since - (until - since)
        previous = _one(backend, buyers_contacting(tables, store.pk, before, since))
        after, baseline = count_outcomes(tables, backend, store.pk, resolved_since, resolved_until, now)
    buyers, contacted = current.get("buyers") or 0, current.get("contacted") or 0
    return Support(
        contact=Comparison(
            _rate(contacted, buyers),
            _rate(previous.get("contacted") or 0, previous.get("buyers") or 0),
            is_rate=True,
        ),
        buyers=buyers,
        contacted=contacted,
        resolved_since=first,
        resolved_until=last,
        after=after,
        baseline=baseline,
    )
