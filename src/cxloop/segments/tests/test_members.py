"""Segment membership kept as rows: refreshed by difference, in chunks, with who entered and left."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from cxloop.commerce.models import Customer
from cxloop.commerce.personal_data import export_elsewhere
from cxloop.commerce.services.erasure import erase_customer
from cxloop.segments import tasks
from cxloop.segments.models import Segment, SegmentChange, SegmentCount, SegmentMember
from cxloop.segments.services import segments as services
from cxloop.segments.services.members import prune_changes, refresh_members, refresh_store_members

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def customer(store, name, spent, **extra):
    return Customer.objects.create(
        store=store, email=f"{name}@example.com", email_key=f"{name}@example.com", first_name=name,
        amount_spent=Decimal(spent), orders_count=1, created_at=NOW, updated_at=NOW, **extra,
    )  # fmt: skip


def members(segment) -> list[str]:
    rows = SegmentMember.objects.filter(segment=segment).order_by("customer_id")
    return list(rows.values_list("customer__first_name", flat=True))


def changes(segment) -> list[tuple[str, str]]:
    rows = SegmentChange.objects.filter(segment=segment).order_by("pk")
    return list(rows.values_list("customer__first_name", "change"))


@pytest.fixture
def big(store):
    """Three customers, two of whom spent over 100, and a segment of those saved (no rows yet)."""
    for name, spent in (("ania", "250"), ("ben", "40"), ("chen", "120")):
        customer(store, name, spent)
    with time_machine.travel(NOW, tick=False):
        return services.create_segment(store=store, name="Big", query="amount_spent > 100")


@pytest.mark.parametrize("chunk", [1, 2, 1000])
def test_a_refresh_adds_the_members_and_records_each_entering_once_whatever_the_chunk(big, chunk):
    with time_machine.travel(LATER, tick=False):
        done = refresh_members(big, chunk=chunk)

    assert (done.entered, done.left, done.members) == (2, 0, 2)
    assert members(big) == ["ania", "chen"]
    assert changes(big) == [("ania", "entered"), ("chen", "entered")]
    assert set(SegmentChange.objects.values_list("at", flat=True)) == {LATER}
    big.refresh_from_db()
    assert (big.member_count, big.counted_at, big.members_at, big.members_query) == (
        2, LATER, LATER, "amount_spent > 100",
    )  # fmt: skip
    assert big.members_are_current


@pytest.mark.parametrize("chunk", [1, 2, 1000])
def test_a_refresh_applies_only_the_difference_and_a_second_run_changes_nothing(store, big, chunk):
    # given the rows as one refresh made them
    refresh_members(big)
    ania = SegmentMember.objects.get(customer__first_name="ania")

    # when ben spends more, chen's amount drops and dana arrives
    Customer.objects.filter(first_name="ben").update(amount_spent=500)
    Customer.objects.filter(first_name="chen").update(amount_spent=10)
    customer(store, "dana", "101")
    first = refresh_members(big, chunk=chunk)
    second = refresh_members(big, chunk=chunk)

    # then ben and dana entered, chen left, ania's row was left alone; run again, nothing happens
    assert (first.entered, first.left, first.members) == (2, 1, 3)
    assert (second.entered, second.left, second.members) == (0, 0, 3)
    assert members(big) == ["ania", "ben", "dana"]
    assert sorted(changes(big)[2:]) == [("ben", "entered"), ("chen", "left"), ("dana", "entered")]
    assert SegmentMember.objects.get(customer__first_name="ania").pk == ania.pk


def test_an_edited_query_is_counted_at_once_and_its_rows_follow_in_the_background(store, big, task_worker):
    refresh_members(big)
    with task_worker.committing():
        services.update_segment(segment=big, name="Big", query="amount_spent > 30 AND amount_spent < 200")

    # until the worker's refresh, the rows answer for the old query: readers take the query's matches
    assert big.member_count == 2 and not big.members_are_current
    [queued] = task_worker.ready()
    assert queued.task_path == "cxloop.segments.tasks.refresh_segment_members_task"
    task_worker.run_ready()

    big.refresh_from_db()
    assert big.members_are_current and big.member_count == 2
    assert members(big) == ["ben", "chen"]
    assert sorted(changes(big)[2:]) == [("ania", "left"), ("ben", "entered")]


def test_a_refresh_started_before_an_edit_stops_and_changes_nothing(big):
    stale = Segment.objects.get(pk=big.pk)
    Segment.objects.filter(pk=big.pk).update(query="amount_spent > 1000")

    done = refresh_members(stale)

    assert done.members is None and not SegmentMember.objects.exists() and not SegmentChange.objects.exists()
    big.refresh_from_db()
    assert not big.members_are_current


def test_the_days_count_comes_from_the_rows_after_each_refresh(store, big):
    with time_machine.travel(NOW, tick=False):
        refresh_members(big)
        customer(store, "dana", "300")
        refresh_members(big)
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        customer(store, "emil", "300")
        refresh_store_members(store)

    assert list(SegmentCount.objects.order_by("day").values_list("day", "members")) == [
        (NOW.date(), 3), (NOW.date() + timedelta(days=1), 4),
    ]  # fmt: skip
    big.refresh_from_db()
    assert big.member_count == 4 == SegmentMember.objects.filter(segment=big).count()


def test_another_stores_customers_and_segments_are_never_touched(store, other_store, big):
    theirs = customer(other_store, "olga", "900")
    their_segment = services.create_segment(store=other_store, name="Big", query="amount_spent > 100")
    refresh_members(their_segment)

    refresh_members(big)
    refresh_members(big, chunk=1)

    assert members(big) == ["ania", "chen"]
    assert list(SegmentMember.objects.filter(segment=their_segment).values_list("customer", flat=True)) == [
        theirs.pk
    ]
    assert set(SegmentMember.objects.filter(segment=big).values_list("store", flat=True)) == {store.pk}


def test_an_erased_customer_leaves_every_segment_at_once_and_is_not_added_again(store, big):
    second = services.create_segment(store=store, name="Anyone", query="amount_spent >= 0")
    refresh_store_members(store)
    ania = Customer.objects.get(first_name="ania")

    erase_customer(store=store, customer=ania)
    refresh_store_members(store)

    assert members(big) == ["chen"] and members(second) == ["ben", "chen"]
    assert not SegmentChange.objects.filter(customer_id=ania.pk).exists()
    assert not SegmentChange.objects.filter(change="left").exists()  # erasure is no "left the segment"
    big.refresh_from_db()
    second.refresh_from_db()
    assert (big.member_count, second.member_count) == (1, 2)


def test_a_customer_marked_erased_is_dropped_without_a_left_change(store, big):
    refresh_members(big)
    Customer.objects.filter(first_name="chen").update(erased_at=NOW)

    done = refresh_members(big)

    assert (done.left, members(big)) == (0, ["ania"])
    assert not SegmentChange.objects.filter(change="left").exists()


def test_old_changes_are_pruned_after_the_days_kept(store, big, task_worker):
    with time_machine.travel(NOW - timedelta(days=200), tick=False):
        refresh_members(big)
    with time_machine.travel(NOW - timedelta(days=10), tick=False):
        Customer.objects.filter(first_name="chen").update(amount_spent=1)
        refresh_members(big)

    with time_machine.travel(NOW, tick=False), override_settings(CXLOOP_SEGMENT_CHANGES_KEEP_DAYS=180):
        tasks.prune_segment_changes_task.enqueue()
        [pruned] = task_worker.run_ready()

    assert pruned == 2
    assert changes(big) == [("chen", "left")]
    assert members(big) == ["ania"]  # the rows stay: only the history of changes is pruned
    assert prune_changes(now=NOW) == 0


def test_the_periodic_refresh_queues_each_store_once_and_refreshes_it(store, other_store, big, task_worker):
    services.create_segment(store=other_store, name="Theirs", query="amount_spent > 1")

    tasks.refresh_all_segment_members_task.enqueue()
    task_worker.run(task_worker.ready()[0])
    again = tasks.refresh_all_segment_members_task.call()  # both stores' refreshes still wait
    task_worker.run_ready()

    assert again == 0
    assert Segment.objects.filter(members_at__isnull=False).count() == 2
    assert members(big) == ["ania", "chen"]


def test_a_predictions_refresh_queues_the_stores_member_refresh(store, big, task_worker):
    from cxloop.segments.services.predictions import refresh_predictions

    with task_worker.committing():
        refresh_predictions(store)

    assert [(t.task_path, t.args_kwargs["args"]) for t in task_worker.ready()] == [
        ("cxloop.segments.tasks.refresh_store_segment_members_task", [store.pk])
    ]
    task_worker.run_ready()
    assert members(big) == ["ania", "chen"]


def test_deleting_a_segment_takes_its_rows_and_changes(store, big):
    refresh_members(big)

    services.delete_segment(segment=big)

    assert not SegmentMember.objects.exists() and not SegmentChange.objects.exists()


# Pages -----------------------------------------------------------------------------------------------


def test_the_segment_page_lists_the_rows_with_when_they_were_updated_and_the_weeks_changes(
    staff_client, store, big
):
    with time_machine.travel(NOW - timedelta(days=9), tick=False):
        refresh_members(big)
    with time_machine.travel(NOW - timedelta(days=2), tick=False):
        Customer.objects.filter(first_name="chen").update(amount_spent=1)
        customer(store, "dana", "700")
        customer(store, "emil", "700")
        refresh_members(big)
    # ben now matches, but no refresh has seen it: the page shows the rows, not the query's matches
    Customer.objects.filter(first_name="ben").update(amount_spent=999)

    with time_machine.travel(NOW, tick=False):
        page = staff_client.get(reverse("segments:segment-detail", args=[big.pk]))

    html = page.content.decode()
    assert "3 customers, updated Dec 1, 2026" in html
    assert "ania@example.com" in html and "dana@example.com" in html
    assert "ben@example.com" not in html and "chen@example.com" not in html
    changes_html = html[html.index('class="stats segment-changes"') :]
    assert "Entered in the last 7 days</dt><dd>2</dd>" in changes_html
    assert "Left in the last 7 days</dt><dd>1</dd>" in changes_html


def test_the_segment_page_says_the_rows_are_being_updated_and_lists_the_querys_matches_meanwhile(
    staff_client, big
):
    html = staff_client.get(reverse("segments:segment-detail", args=[big.pk])).content.decode()

    assert "The members are being updated for this query" in html
    assert "ania@example.com" in html and "chen@example.com" in html and "ben@example.com" not in html


def test_the_member_list_pages_through_the_rows(staff_client, store):
    for n in range(55):
        customer(store, f"c{n:02}", "200")
    segment = services.create_segment(store=store, name="All", query="amount_spent > 100")
    refresh_members(segment)

    first = staff_client.get(reverse("segments:segment-detail", args=[segment.pk])).content.decode()
    second = staff_client.get(reverse("segments:segment-detail", args=[segment.pk]), {"page": 2})

    assert "c00@example.com" in first and "c49@example.com" in first and "c50@example.com" not in first
    assert "?page=2" in first
    html = second.content.decode()
    assert "c50@example.com" in html and "c54@example.com" in html and "c49@example.com" not in html


def test_the_csv_export_and_the_api_read_the_rows(staff_client, api_client, store, big):
    refresh_members(big)
    Customer.objects.filter(first_name="ben").update(amount_spent=999)  # not refreshed yet

    csv = b"".join(staff_client.get(reverse("segments:segment-export", args=[big.pk])).streaming_content)
    api = api_client.get(f"/api/v1/segments/{big.pk}/customers").json()

    assert b"ania@example.com" in csv and b"chen@example.com" in csv and b"ben@example.com" not in csv
    assert [row["first_name"] for row in api["items"]] == ["ania", "chen"]


def test_the_customer_page_shows_the_segments_the_customer_is_in(staff_client, store, other_store, big):
    quiet = services.create_segment(store=store, name="Zakupy <b>", query="amount_spent > 0")
    refresh_store_members(store)
    ania = Customer.objects.get(first_name="ania")
    ben = Customer.objects.get(first_name="ben")

    html = staff_client.get(reverse("commerce:customer-detail", args=[ania.pk])).content.decode()
    ben_html = staff_client.get(reverse("commerce:customer-detail", args=[ben.pk])).content.decode()

    segments = html[html.index('id="customer-segments-title"') :]
    assert reverse("segments:segment-detail", args=[big.pk]) in segments
    assert "Zakupy &lt;b&gt;" in segments and "<b>" not in segments  # the store's words, escaped
    assert reverse("segments:segment-detail", args=[big.pk]) not in ben_html
    assert reverse("segments:segment-detail", args=[quiet.pk]) in ben_html


def test_another_stores_segment_and_customer_pages_are_404(staff_client, other_store):
    theirs = customer(other_store, "olga", "900")
    their_segment = services.create_segment(store=other_store, name="Big", query="amount_spent > 100")
    refresh_members(their_segment)

    assert staff_client.get(reverse("segments:segment-detail", args=[their_segment.pk])).status_code == 404
    assert staff_client.get(reverse("commerce:customer-detail", args=[theirs.pk])).status_code == 404


def test_a_customers_export_names_the_segments_they_are_in(store, big):
    with time_machine.travel(LATER, tick=False):
        refresh_members(big)
    ania = Customer.objects.get(first_name="ania")

    exported = export_elsewhere(store=store, customer=ania)

    assert exported["segment_members"] == {"segments": [{"segment": "Big", "joined_at": LATER.isoformat()}]}
    json.dumps(exported)
