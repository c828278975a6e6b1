"""A survey sent to a segment reaches its members only; a segment deleted meanwhile reaches nobody."""

import pytest
from django.urls import reverse

from cxloop.core.errors import InvalidInput
from cxloop.segments.services.segments import create_segment, delete_segment
from cxloop.surveys.models import Invitation
from cxloop.surveys.services.sends import list_filter_customers, start_manual_send
from cxloop.surveys.tests.factories import make_customer, make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def tagged(store):
    vip = [make_customer(store, email=f"vip{n}@example.pl", tags=["vip"]) for n in range(3)]
    make_customer(store, email="plain@example.pl")
    return vip


def test_a_send_to_a_segment_invites_its_members_only(store, tagged):
    survey = make_survey(store)
    segment = create_segment(store=store, name="VIP", query="customer_tags CONTAINS 'vip'")

    send = start_manual_send(survey=survey, filters={"segment": str(segment.pk)})

    assert send.total == 3
    assert sorted(Invitation.objects.values_list("customer__email", flat=True)) == [c.email for c in tagged]


def test_a_deleted_or_foreign_segment_narrows_a_send_to_nobody(store, other_store, tagged):
    survey = make_survey(store)
    segment = create_segment(store=store, name="VIP", query="customer_tags CONTAINS 'vip'")
    foreign = create_segment(store=other_store, name="Theirs", query="amount_spent >= 0")
    delete_segment(segment=segment)

    for value in (str(segment.pk), str(foreign.pk), "x; DROP"):
        assert list_filter_customers(survey, {"segment": value}).count() == 0
        with pytest.raises(InvalidInput):
            start_manual_send(survey=survey, filters={"segment": value})
    assert Invitation.objects.count() == 0


def test_the_send_page_offers_the_stores_segments_and_counts_one(staff_client, store, other_store, tagged):
    survey = make_survey(store)
    segment = create_segment(store=store, name="Klienci VIP", query="customer_tags CONTAINS 'vip'")
    create_segment(store=other_store, name="Not ours", query="amount_spent >= 0")

    page = staff_client.get(reverse("surveys:survey-send", args=[survey.pk]), {"segment": segment.pk})

    html = page.content.decode()
    assert "Klienci VIP" in html and "Not ours" not in html
    assert "3 customers" in html


def test_a_send_reads_the_segments_rows_once_made_and_the_querys_matches_after_an_edit(store, tagged):
    from cxloop.segments.services.members import refresh_members
    from cxloop.segments.services.segments import update_segment

    survey = make_survey(store)
    segment = create_segment(store=store, name="VIP", query="customer_tags CONTAINS 'vip'")
    refresh_members(segment)
    late = make_customer(store, email="late@example.pl", tags=["vip"])  # no refresh has seen them yet

    by_rows = list_filter_customers(survey, {"segment": str(segment.pk)})
    update_segment(segment=segment, name="VIP", query="customer_tags CONTAINS 'VIP' AND amount_spent >= 0")
    after_edit = list_filter_customers(survey, {"segment": str(segment.pk)})

    assert sorted(by_rows.values_list("email", flat=True)) == [c.email for c in tagged]
    assert late.email in set(after_edit.values_list("email", flat=True)) and after_edit.count() == 4
