"""Segment membership as rows: each saved segment's members kept current by the worker.

    refresh_members(segment)      # the rows made to match the query now; Refresh(entered=3, left=1, ...)
    refresh_store_members(store)  # every segment of the store, one after another

A refresh runs the segment's query once, as the count does (segments.query
compiles it to the ORM), into a TEMP table of this connection: the ids of its
matches, kept by the database, never read into Python (`_matches`). It then
walks the store's customers in id order, CXLOOP_SEGMENT_REFRESH_CHUNK at a
time, and settles each chunk in one short transaction, in SQL built by the ORM
(`INSERT ... SELECT ... WHERE NOT EXISTS`, `DELETE ... WHERE ... NOT IN`):

    1. members of the chunk the query no longer matches: a `left` change each
       (none for an erased customer), then their rows go;
    2. matches of the chunk without a row, still there and not erased: a row
       each, then an `entered` change for each row the chunk added.

Running the query per chunk instead held SQLite's write lock up to 1.4 s a
chunk at a million customers, for a query an index answers by tag rather than
by id; settling from the matches it is tens of milliseconds (docs/segments.md).
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
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, DateTimeField, Exists, F, IntegerField, Max, OuterRef, Value
from django.utils import timezone

from cxloop.commerce.models import Customer

from ..models import RefreshMatch, Segment, SegmentChange, SegmentCount, SegmentMember
from ..query import SegmentQueryError, customers_matching
from ..query.fields import Context

logger = logging.getLogger(__name__)

PRUNE_BATCH = 5000
WRITERS_WAIT_SECONDS = 1.0  # on SQLite, how long a refresh lets queued writers go first between chunks
ENTERED, LEFT = SegmentChange.Change.ENTERED, SegmentChange.Change.LEFT
CHANGE_COLUMNS = ["store", "segment", "customer", "change", "at"]


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
    done, lower = Refresh(), 0
    with _matches(customers_matching(segment.store, query, now=now)) as matched:
        while True:
            upper = _chunk_end(segment.store_id, lower, chunk)
            settled = _settle_in_turn(segment, query, matched, lower, upper, now)
            if settled is None:
                return done
            done.left, done.entered = done.left + settled[0], done.entered + settled[1]
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


def _settle_in_turn(segment, query, matched, lower, upper, now) -> tuple[int, int] | None:
    """Settle one chunk in its own transaction, in the segment's turn: (left, entered), or None when the
    segment is gone or changed. On PostgreSQL a customer deleted (erased) while the chunk ran fails its
    foreign key at commit: the chunk is settled again, once, without them."""
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                if not _still_the_same(segment, query):
                    return None
                return _settle_chunk(segment, matched, lower, upper, now)
        except IntegrityError:
            if attempt == 2:
                raise
    return None


def _still_the_same(segment: Segment, query: str) -> bool:
    """Take the segment's turn (its row, locked to the end of the transaction); False if it is gone or
    its query changed."""
    current = Segment.objects.select_for_update().filter(pk=segment.pk).values_list("query", flat=True)
    return current.first() == query


def _settle_chunk(segment: Segment, matched, lower: int, upper: int | None, now: datetime) -> tuple:
    """Apply the difference in customers (lower, upper]: (how many left, how many entered)."""
    # Each table is given the chunk's range, the planner does not carry a range across a join: without it
    # PostgreSQL hashed the whole customer table for each chunk (110 ms a chunk at 300,000 customers).
    bounds = {"customer_id__gt": lower, **({"customer_id__lte": upper} if upper is not None else {})}
    in_chunk = matched.filter(**bounds)
    rows = SegmentMember.objects.filter(segment=segment, **bounds)
    ids = (_int(segment.store_id), _int(segment.pk), "customer_id")

    gone = rows.exclude(customer_id__in=in_chunk.values("customer_id"))
    left = _insert_select(
        SegmentChange, CHANGE_COLUMNS,
        gone.filter(customer__erased_at__isnull=True).values_list(*ids, _text(LEFT), _time(now)),
    )  # fmt: skip
    gone.delete()  # one DELETE ... WHERE ... NOT IN (the chunk's matches): nothing refers to a row

    before = SegmentMember.objects.aggregate(last=Max("pk"))["last"] or 0
    present = Customer.objects.filter(pk=OuterRef("customer_id"), erased_at__isnull=True).filter(
        **{name.replace("customer_id", "pk"): value for name, value in bounds.items()}
    )
    held = rows.filter(customer_id=OuterRef("customer_id"))
    joining = in_chunk.filter(Exists(present)).filter(~Exists(held))
    # In the customers' order, whatever plan the query took: the rows (and the changes after them) are
    # written in the same order on every database.
    entered = _insert_select(
        SegmentMember, ["store", "segment", "customer", "joined_at"],
        joining.order_by("customer_id").values_list(*ids, _time(now)),
    )  # fmt: skip
    if entered:
        # The ids grow (AUTOINCREMENT on SQLite, a sequence on PostgreSQL), and only this chunk adds rows
        # of the segment while it holds the segment's turn: the rows past `before` are the ones it added.
        added = SegmentMember.objects.filter(pk__gt=before, segment=segment).order_by("pk")
        _insert_select(SegmentChange, CHANGE_COLUMNS, added.values_list(*ids, _text(ENTERED), _time(now)))
    return left, entered


@contextmanager
def _matches(customers):
    """The ids of `customers` in this connection's TEMP table (RefreshMatch), for the block: one query,
    run in the database. On SQLite the insert takes no writer turn (core.sqlite: a TEMP table is the
    connection's own), so other writers never wait for the query."""
    table = connection.ops.quote_name(RefreshMatch._meta.db_table)
    schema = "temp" if connection.vendor == "sqlite" else "pg_temp"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {schema}.{table}")  # one left by a refresh that failed
        cursor.execute(f"CREATE TEMPORARY TABLE {table} (customer_id bigint PRIMARY KEY)")
        select, params = customers.order_by().values_list("pk").query.sql_with_params()
        cursor.execute(f"INSERT INTO {schema}.{table} (customer_id) {select}", params)
        if connection.vendor == "postgresql":  # no autovacuum for TEMP tables: without statistics a
            cursor.execute(f"ANALYZE {schema}.{table}")  # chunk read all the matches (17 s, not 2 s)
    try:
        yield RefreshMatch.objects.all()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {schema}.{table}")


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
