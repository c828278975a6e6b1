"""Saved segments: create, change, delete, preview and count them.

    preview = preview_segment(store, "amount_spent > 100")  # count and a sample, nothing saved
    segment = create_segment(store=store, name="Big spenders", query="amount_spent > 100", actor=user)
    count_segment(segment)                                   # member_count now, and today's count kept

A segment's members are kept as rows (services.members): saving a segment
counts it at once and queues the refresh of its rows, and the worker
refreshes every segment every CXLOOP_SEGMENT_REFRESH_SECONDS, keeping
`member_count` and the day's SegmentCount (the history chart) from the rows.
Until the rows are made for the query as it is now (`members_are_current`),
whoever reads the members gets the query's matches instead (queries).
Every query is checked (segments.query) before anything is saved: a query that
cannot be run is a 422 with its position, and changes nothing.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cxloop.core.errors import InvalidInput
from cxloop.core.textchecks import find_forbidden_character

from ..models import Segment, SegmentCount
from ..query import count_matching, customers_matching
from ..query.fields import Context

MAX_SEGMENTS = 200  # per store
SAMPLE_SIZE = 10
MAX_NAME = 100
MAX_DESCRIPTION = 500


@dataclass
class Preview:
    count: int
    sample: list  # of Customer, the most valuable first


def preview_segment(store, query: str, *, now: datetime | None = None) -> Preview:
    """How many customers the query matches, and a few of them; SegmentQueryError for a wrong query."""
    customers = customers_matching(store, query, now=now)
    sample = list(customers.order_by("-amount_spent", "-pk")[:SAMPLE_SIZE])
    count = len(sample) if len(sample) < SAMPLE_SIZE else count_matching(store, query, now=now)
    return Preview(count=count, sample=sample)


def create_segment(*, store, name: str, query: str, description: str = "", actor=None) -> Segment:
    name, description = _clean_name(name), _clean_description(description)
    customers_matching(store, query)  # refused here if it cannot run
    if Segment.objects.filter(store=store).count() >= MAX_SEGMENTS:
        raise InvalidInput(_("A store can keep at most %(limit)d segments.") % {"limit": MAX_SEGMENTS})
    now = timezone.now()
    creator = actor if getattr(actor, "is_authenticated", False) else None
    segment = Segment(
        store=store, name=name, query=query.strip(), description=description, created_by=creator,
        created_at=now, updated_at=now,
    )  # fmt: skip
    _save(segment)
    count_segment(segment, now=now)
    _queue_refresh(segment)
    return segment


def update_segment(*, segment: Segment, name: str, query: str, description: str = "") -> Segment:
    segment.name, segment.description = _clean_name(name), _clean_description(description)
    customers_matching(segment.store, query)
    changed = segment.query != query.strip()
    segment.query, segment.updated_at = query.strip(), timezone.now()
    _save(segment)
    if changed:
        count_segment(segment)
        _queue_refresh(segment)
    return segment


def delete_segment(*, segment: Segment) -> None:
    segment.delete()


def count_segment(segment: Segment, *, now: datetime | None = None) -> int:
    """Count the segment's members now; keep the count on the segment and as today's in its history."""
    now = now or timezone.now()
    members = count_matching(segment.store, segment.query, now=now)
    day = Context(store=segment.store, now=now).today
    with transaction.atomic():
        Segment.objects.filter(pk=segment.pk).update(member_count=members, counted_at=now)
        SegmentCount.objects.update_or_create(
            store=segment.store, segment=segment, day=day, defaults={"members": members}
        )
    segment.member_count, segment.counted_at = members, now
    return members


def _queue_refresh(segment: Segment) -> None:
    from ..tasks import refresh_segment_members_task

    transaction.on_commit(partial(refresh_segment_members_task.enqueue, segment.pk))


def _save(segment: Segment) -> None:
    try:
        with transaction.atomic():
            segment.save()
    except IntegrityError:
        raise InvalidInput(
            _("There is already a segment named %(name)s.") % {"name": segment.name}, field="name"
        ) from None


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the segment a name."), field="name")
    if len(name) > MAX_NAME:
        raise InvalidInput(
            _("A name can be at most %(limit)d characters.") % {"limit": MAX_NAME}, field="name"
        )
    if find_forbidden_character(name):
        raise InvalidInput(_("The name holds a character that cannot be shown."), field="name")
    return name


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            _("A description can be at most %(limit)d characters.") % {"limit": MAX_DESCRIPTION},
            field="description",
        )
    if find_forbidden_character(description, allow_newlines=True):
        raise InvalidInput(_("The description holds a character that cannot be shown."), field="description")
    return description
