"""Saved segments through the API and the staff pages: checked, counted, exported safely, store-scoped."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from cxloop.commerce.models import Customer
from cxloop.segments.models import Segment, SegmentCount
from cxloop.segments.services import segments as services
from cxloop.segments.services.members import refresh_store_members

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def customer(store, name, spent, **extra):
    return Customer.objects.create(
        store=store, email=f"{name}@example.com", email_key=f"{name}@example.com", first_name=name,
        amount_spent=Decimal(spent), orders_count=1 if Decimal(spent) else 0, created_at=NOW, updated_at=NOW,
        **extra,
    )  # fmt: skip


@pytest.fixture
def buyers(store):
    return [customer(store, "ania", "250"), customer(store, "ben", "40"), customer(store, "chen", "0")]


def post_json(client, url, body, method="post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_a_preview_counts_and_samples_without_saving(api_client, buyers):
    response = post_json(api_client, "/api/v1/segments/preview", {"query": "amount_spent > 30"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["first_name"] for row in body["sample"]] == ["ania", "ben"]  # most spent first
    assert Segment.objects.count() == 0


def test_a_wrong_query_is_422_with_its_position_and_hint_and_nothing_is_saved(api_client, buyers):
    preview = post_json(api_client, "/api/v1/segments/preview", {"query": "amount_spnt > 3"})
    save = post_json(api_client, "/api/v1/segments", {"name": "X", "query": "amount_spent >"})

    assert preview.status_code == 422
    assert preview.json() | {"errors": None} == {
        "error": "invalid_segment_query", "detail": "There is no field amount_spnt.", "field": "query",
        "position": 0, "hint": "Did you mean amount_spent?", "errors": None,
    }  # fmt: skip
    assert save.status_code == 422 and save.json()["position"] == 14
    assert Segment.objects.count() == 0


def test_a_saved_segment_is_counted_listed_changed_and_deleted(api_client, store, buyers):
    with time_machine.travel(NOW, tick=False):
        created = post_json(api_client, "/api/v1/segments", {"name": "Big", "query": "amount_spent > 100"})
        segment_id = created.json()["id"]
        changed = post_json(
            api_client,
            f"/api/v1/segments/{segment_id}",
            {"name": "Spenders", "query": "amount_spent > 10"},
            "put",
        )
    members = api_client.get(f"/api/v1/segments/{segment_id}/customers")
    counts = api_client.get(f"/api/v1/segments/{segment_id}/counts")
    listed = api_client.get("/api/v1/segments")
    deleted = api_client.delete(f"/api/v1/segments/{segment_id}")

    assert created.status_code == 201 and created.json()["member_count"] == 1
    assert changed.status_code == 200 and changed.json()["member_count"] == 2
    assert [row["first_name"] for row in members.json()["items"]] == ["ania", "ben"]
    assert counts.json() == [{"day": "2026-12-03", "members": 2}]  # the day's last count
    assert [row["name"] for row in listed.json()["items"]] == ["Spenders"]
    assert deleted.status_code == 204 and not Segment.objects.exists()


def test_one_count_a_day_is_kept_and_a_later_count_that_day_replaces_it(store, buyers):
    with time_machine.travel(NOW, tick=False):
        segment = services.create_segment(store=store, name="Buyers", query="number_of_orders >= 1")
        customer(store, "dana", "10")
        services.count_segment(segment)
    with time_machine.travel(datetime(2026, 12, 4, 12, tzinfo=UTC), tick=False):
        customer(store, "emil", "10")
        refresh_store_members(store)  # the worker's refresh counts from the member rows

    assert list(SegmentCount.objects.order_by("day").values_list("day", "members")) == [
        (datetime(2026, 12, 3).date(), 3), (datetime(2026, 12, 4).date(), 4),
    ]  # fmt: skip
    segment.refresh_from_db()
    assert segment.member_count == 4


def test_names_are_required_unique_and_clean(store, buyers):
    services.create_segment(store=store, name="Buyers", query="number_of_orders >= 1")

    refusals = (
        ("", "Give the segment a name"), ("Buyers", "already a segment"), ("a\u202eb", "cannot be shown"),
        ("x" * 101, "at most 100"),
    )  # fmt: skip
    for name, words in refusals:
        with pytest.raises(services.InvalidInput) as caught:
            services.create_segment(store=store, name=name, query="number_of_orders >= 1")
        assert words in caught.value.message
    assert Segment.objects.count() == 1


def test_another_stores_segment_is_404_everywhere(api_client, staff_client, other_store):
    foreign = services.create_segment(store=other_store, name="Theirs", query="amount_spent > 1")

    for url in (f"/api/v1/segments/{foreign.pk}", f"/api/v1/segments/{foreign.pk}/customers",
                f"/api/v1/segments/{foreign.pk}/counts"):  # fmt: skip
        assert api_client.get(url).status_code == 404
    assert api_client.delete(f"/api/v1/segments/{foreign.pk}").status_code == 404
    assert staff_client.get(reverse("segments:segment-detail", args=[foreign.pk])).status_code == 404
    assert staff_client.get(reverse("segments:segment-export", args=[foreign.pk])).status_code == 404
    assert staff_client.post(reverse("segments:segment-delete", args=[foreign.pk])).status_code == 404
    assert Segment.objects.filter(pk=foreign.pk).exists()


def test_the_editor_saves_a_segment_and_shows_its_members(staff_client, store, buyers):
    page = staff_client.get(reverse("segments:segment-new") + "?query=amount_spent+%3E+30")
    saved = staff_client.post(
        reverse("segments:segment-new"), {"name": "Kupujący", "query": "amount_spent > 30"}
    )
    segment = Segment.objects.get()
    detail = staff_client.get(reverse("segments:segment-detail", args=[segment.pk]))

    assert page.status_code == 200 and 'data-count="2"' in page.content.decode()
    assert saved.status_code == 302 and saved["Location"] == reverse(
        "segments:segment-detail", args=[segment.pk]
    )
    html = detail.content.decode()
    assert "ania@example.com" in html and "ben@example.com" in html and "chen@example.com" not in html


def test_the_live_preview_marks_where_the_query_goes_wrong_and_escapes_it(staff_client, buyers):
    response = staff_client.post(reverse("segments:segment-preview"), {"query": "amount_spent > <b>x"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-position="15"' in html
    assert "amount_spent &gt; <mark>&lt;</mark>b&gt;x" in html
    assert "<b>" not in html


def test_an_agent_reads_segments_but_cannot_save_change_delete_or_export(agent_client, store, buyers):
    segment = services.create_segment(store=store, name="Buyers", query="number_of_orders >= 1")

    assert agent_client.get(reverse("segments:segment-list")).status_code == 200
    assert agent_client.get(reverse("segments:segment-detail", args=[segment.pk])).status_code == 200
    assert (
        agent_client.post(
            reverse("segments:segment-new"), {"name": "X", "query": "amount_spent > 1"}
        ).status_code
        == 403
    )
    assert (
        agent_client.post(
            reverse("segments:segment-detail", args=[segment.pk]), {"name": "Y", "query": "amount_spent > 1"}
        ).status_code
        == 403
    )
    assert agent_client.post(reverse("segments:segment-delete", args=[segment.pk])).status_code == 403
    assert agent_client.get(reverse("segments:segment-export", args=[segment.pk])).status_code == 403
    segment.refresh_from_db()
    assert (segment.name, Segment.objects.count()) == ("Buyers", 1)


def test_the_csv_export_holds_the_members_and_never_a_formula(staff_client, store, buyers):
    customer(store, '=HYPERLINK("http://evil")', "500")
    segment = services.create_segment(store=store, name="Big", query="amount_spent > 100")

    response = staff_client.get(reverse("segments:segment-export", args=[segment.pk]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")

    assert response["Content-Disposition"] == f'attachment; filename="segment-{segment.pk}.csv"'
    lines = text.strip().splitlines()
    assert len(lines) == 3  # the header, ania, the formula
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_the_list_offers_examples_when_there_is_no_segment(staff_client):
    html = staff_client.get(reverse("segments:segment-list")).content.decode()

    assert "No segments yet" in html and "amount_spent &gt; 100 AND number_of_orders &gt;= 2" in html
