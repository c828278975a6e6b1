"""Segment membership as rows: each saved segment's members kept current by the worker.

    refresh_members(segment)      # the rows made to match the query now; Refresh(entered=3, left=1, ...)
    refresh_store_members(store)  # every segment of the store, one after another

A refresh walks the store's customers in id order, CXLOOP_SEGMENT_REFRESH_CHUNK
at a time, and settles each chunk in one short transaction, in the database:
the segment's query compiled by the ORM (segments.query) is the SELECT of an
`INSERT ... SELECT` and the subquery of a `DELETE ... NOT IN`, so no list of
ids is ever read into Python and no statement covers more than one chunk:

    1. members of the chunk the query no longer matches: a `left` change each
       (none for an erased customer), then their rows go;
    2. customers of the chunk it matches without a row: a row each, then an
       `entered` change for each row the chunk added.

A chunk commits its rows with their changes, so a refresh cut off anywhere
(kill -9) leaves every chunk done or untouched and the next refresh finishes
the rest; run again, a refresh changes nothing. Refreshes of one segment take
turns on the segment's row (FOR UPDATE on PostgreSQL; SQLite has one writer),
so no change is recorded twice. Each chunk reads the query again: an edit
while a refresh runs stops it (the edit queued a refresh of its own). After
the last chunk, `member_count` and the day's SegmentCount are counted from the
rows, and `members_query` / `members_at` say what the rows answer for.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, DateTimeField, Exists, F, IntegerField, Max, OuterRef, Value
from django.utils import timezone

from cxloop.commerce.models import Customer

from ..models import Segment, SegmentChange, SegmentCount, SegmentMember
from ..query import SegmentQueryError, customers_matching
from ..query.fields import Context

logger = logging.getLogger(__name__)

PRUNE_BATCH = 5000
WRITERS_WAIT_SECONDS = 1.0  # on SQLite, how long a refresh lets queued writers go first between chunks
ENTERED, LEFT = SegmentChange.Change.ENTERED, SegmentChange.Change.LEFT


@dataclass
class Refresh:
    """What one refresh did: changes recorded, and the members it counted (None when it stopped early)."""

    entered: int = 0
    left: int = 0
    members: int | None = None


def refresh_members(segment: Segment, *, now: datetime | None = None, chunk: int | None = None) -> Refresh:
    """Make the segment's member rows match its query now, recording who entered and who left.

    Safe to run twice and after a crash (see the module). Stops early, with `members` None, when the
    segment was deleted or its query changed meanwhile. SegmentQueryError when the query no longer runs.
    """
    now = now or timezone.now()
    chunk = chunk or settings.CXLOOP_SEGMENT_REFRESH_CHUNK
    query = segment.query
    matching = customers_matching(segment.store, query, now=now).order_by()
    done, lower = Refresh(), 0
    while True:
        upper = _chunk_end(segment.store_id, lower, chunk)
        settled = _settle_in_turn(segment, query, matching, lower, upper, now)
        if settled is None:
            return done
        left, entered = settled
        done.left, done.entered = done.left + left, done.entered + entered
        if upper is None:
            break
        lower = upper
        _let_waiting_writers_in()
    with transaction.atomic():
        if not _still_the_same(segment, query):
            return done
        done.members = _record_count(segment, query, now)
    return done


def refresh_store_members(store) -> int:
    """Refresh each of the store's segments; how many were refreshed.

    A segment whose query no longer runs (a field an app stopped offering) is passed over and logged.
    """
    refreshed = 0
    for segment in Segment.objects.filter(store=store).select_related("store").order_by("pk"):
        try:
            refresh_members(segment)
        except SegmentQueryError:
            logger.warning("Segment %s no longer runs: its members were not refreshed", segment.pk)
            continue
        refreshed += 1
    return refreshed


def erase_person(*, store, customer=None, emails=()) -> None:
    """An erased customer leaves every segment at once, with no `left` change, and their changes go
    (commerce's erasure hook, in its transaction). Each segment's count loses them too."""
    if customer is None:
        return
    held = SegmentMember.objects.filter(store=store, customer=customer)
    segment_ids = list(held.values_list("segment_id", flat=True))
    held.delete()
    SegmentChange.objects.filter(store=store, customer=customer).delete()
    Segment.objects.filter(pk__in=segment_ids, member_count__gt=0).update(member_count=F("member_count") - 1)


def erase_store(*, store) -> None:
    """A shop's erasure: its member rows and changes go before its customers do."""
    SegmentChange.objects.filter(store=store).delete()
    SegmentMember.objects.filter(store=store).delete()


def export_person(store, *, customer=None, emails=()) -> dict | None:
    """The segments the customer is in, in their data export (names are the store's own words)."""
    if customer is None:
        return None
    rows = SegmentMember.objects.filter(store=store, customer=customer).order_by("segment__name")
    return {
        "segments": [
            {"segment": name, "joined_at": joined.isoformat()}
            for name, joined in rows.values_list("segment__name", "joined_at")
        ]
    }


def prune_changes(*, now: datetime | None = None) -> int:
    """Delete entered/left changes older than CXLOOP_SEGMENT_CHANGES_KEEP_DAYS; how many.

    Segment by segment on their (segment, at) index, PRUNE_BATCH rows a transaction.
    """
    before = (now or timezone.now()) - timedelta(days=settings.CXLOOP_SEGMENT_CHANGES_KEEP_DAYS)
    deleted = 0
    for segment_id in Segment.objects.order_by("pk").values_list("pk", flat=True).iterator():
        old = SegmentChange.objects.filter(segment_id=segment_id, at__lt=before)
        while ids := list(old.values_list("pk", flat=True)[:PRUNE_BATCH]):
            deleted += SegmentChange.objects.filter(pk__in=ids).delete()[0]
            _let_waiting_writers_in()
    return deleted


# -- one chunk -----------------------------------------------------------------------------------------


def _chunk_end(store_id: int, lower: int, size: int) -> int | None:
    """The id of the `size`th customer after `lower`: the chunk is (lower, end]; None for the rest."""
    ids = Customer.objects.filter(store_id=store_id, pk__gt=lower).order_by("pk").values_list("pk", flat=True)
    return ids[size - 1 : size].first()


def _settle_in_turn(segment, query, matching, lower, upper, now) -> tuple[int, int] | None:
    """Settle one chunk in its own transaction, in the segment's turn; None when the segment is gone or
    changed. On PostgreSQL a customer deleted (erased) while the chunk ran fails its foreign key at
    commit: the chunk is settled again, once, without them."""
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                if not _still_the_same(segment, query):
                    return None
                return _settle_chunk(segment, matching, lower, upper, now)
        except IntegrityError:
            if attempt == 2:
                raise
    return None


def _still_the_same(segment: Segment, query: str) -> bool:
    """Take the segment's turn (its row, locked to the end of the transaction); False if it is gone or
    its query changed."""
    current = Segment.objects.select_for_update().filter(pk=segment.pk).values_list("query", flat=True)
    return current.first() == query


def _settle_chunk(segment: Segment, matching, lower: int, upper: int | None, now: datetime) -> tuple:
    """Apply the difference in customers (lower, upper]: (how many left, how many entered)."""
    in_chunk = {"pk__gt": lower, **({"pk__lte": upper} if upper is not None else {})}
    matched = matching.filter(**in_chunk)
    rows = SegmentMember.objects.filter(segment=segment, customer_id__gt=lower)
    if upper is not None:
        rows = rows.filter(customer_id__lte=upper)

    gone = rows.exclude(customer_id__in=matched.values("pk"))
    left = _insert_select(
        SegmentChange, ["store", "segment", "customer", "change", "at"],
        gone.filter(customer__erased_at__isnull=True).values_list(
            _int(segment.store_id), _int(segment.pk), "customer_id", _text(LEFT), _time(now)
        ),
    )  # fmt: skip
    gone.delete()  # one DELETE ... WHERE ... NOT IN (the chunk's matches): nothing refers to a row

    before = SegmentMember.objects.aggregate(last=Max("pk"))["last"] or 0
    held = SegmentMember.objects.filter(segment=segment, customer_id=OuterRef("pk"))
    joining = matched.filter(~Exists(held))
    entered = _insert_select(
        SegmentMember, ["store", "segment", "customer", "joined_at"],
        joining.values_list(_int(segment.store_id), _int(segment.pk), "pk", _time(now)),
    )  # fmt: skip
    if entered:
        # The ids grow (AUTOINCREMENT on SQLite, a sequence on PostgreSQL), and only this chunk adds rows
        # of the segment while it holds the segment's turn: the rows past `before` are the ones it added.
        _insert_select(
            SegmentChange, ["store", "segment", "customer", "change", "at"],
            SegmentMember.objects.filter(pk__gt=before, segment=segment).values_list(
                _int(segment.store_id), _int(segment.pk), "customer_id", _text(ENTERED), _time(now)
            ),
        )  # fmt: skip
    return left, entered


def _insert_select(model, fields: list[str], rows) -> int:
    """INSERT INTO model (fields) <the queryset's SELECT>, in the database; how many rows went in.

    The queryset is compiled by the ORM, its values bound as parameters, its columns in `fields` order.
    """
    select, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {select}", params)
        return cursor.rowcount


def _int(value: int) -> Value:
    return Value(value, output_field=IntegerField())


def _text(value: str) -> Value:
    return Value(str(value), output_field=CharField())


def _time(value: datetime) -> Value:
    return Value(value, output_field=DateTimeField())


def _record_count(segment: Segment, query: str, now: datetime) -> int:
    """Count the rows; keep it on the segment and as the day's count, with what the rows answer for."""
    members = SegmentMember.objects.filter(segment=segment).count()
    day = Context(store=segment.store, now=now).today
    Segment.objects.filter(pk=segment.pk).update(
        member_count=members, counted_at=now, members_query=query, members_at=now
    )
    SegmentCount.objects.update_or_create(
        store_id=segment.store_id, segment=segment, day=day, defaults={"members": members}
    )
    segment.member_count, segment.counted_at = members, now
    segment.members_query, segment.members_at = query, now
    return members


def _let_waiting_writers_in() -> None:
    """On SQLite, between two chunks: the writers queued meanwhile (a login, a webhook) go first."""
    let_in = getattr(connection, "let_waiting_writers_in", None)  # the SQLite backend's
    if let_in is not None and not connection.in_atomic_block:
        let_in(max_wait=WRITERS_WAIT_SECONDS)
