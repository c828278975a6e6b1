from datetime import timedelta

import pytest
from django.utils import timezone

from cxloop.commerce.models import Customer, Event
from cxloop.flows import services as flows_services
from cxloop.surveys import services
from cxloop.surveys.errors import InvalidAnswer, LinkExpired, SurveyClosed
from cxloop.surveys.models import Invitation, Response

from .factories import make_customer, make_survey


def test_a_customer_gets_one_survey_per_window_across_all_surveys(store):
    # given
    customer = make_customer(store)
    nps, csat = make_survey(store, kind="nps"), make_survey(store, kind="csat")
    services.invite_customer(survey=nps, customer=customer)
    # when
    second = services.invite_customer(survey=csat, customer=customer)
    later = services.invite_customer(survey=csat, customer=customer, now=timezone.now() + timedelta(days=91))
    # then
    assert (second.status, second.skip_reason) == ("skipped", "throttled")
    assert later.status == "queued"


@pytest.mark.parametrize(
    ("consent", "audience", "expected"),
    [
        (Customer.Consent.SUBSCRIBED, "opted_in", ""),
        (Customer.Consent.NOT_SUBSCRIBED, "opted_in", "no_consent"),
        (Customer.Consent.NOT_SUBSCRIBED, "not_opted_out", ""),
        (Customer.Consent.UNSUBSCRIBED, "not_opted_out", "no_consent"),
        (Customer.Consent.PENDING, "not_opted_out", "no_consent"),
    ],
)
def test_consent_and_policy_decide_who_is_emailed(store, consent, audience, expected):
    flows_services.set_contact_policy(store=store, survey_window_days=90, survey_audience=audience)
    invitation = services.invite_customer(
        survey=make_survey(store), customer=make_customer(store, consent=consent)
    )
    assert invitation.skip_reason == expected


def test_suppressed_address_is_not_invited(store):
    customer = make_customer(store)
    flows_services.unsubscribe(store=store, email="ANIA@example.pl", source="test")
    invitation = services.invite_customer(survey=make_survey(store), customer=customer)
    assert invitation.skip_reason == "suppressed"
    customer.refresh_from_db()
    assert customer.email_consent == Customer.Consent.UNSUBSCRIBED


def test_sampling_is_stable_and_close_to_the_rate(store):
    survey = make_survey(store, sampling_percent=30)
    picked = [services.invitations.is_sampled(survey, customer_id) for customer_id in range(1, 2001)]
    assert 500 <= sum(picked) <= 700
    assert picked == [services.invitations.is_sampled(survey, customer_id) for customer_id in range(1, 2001)]


def test_inactive_survey_invites_nobody(store):
    survey = make_survey(store, active=False)
    with pytest.raises(SurveyClosed):
        services.invite_customer(survey=survey, customer=make_customer(store))
    assert Invitation.objects.count() == 0


def test_answer_is_stored_once_and_can_be_changed(store):
    # given
    invitation = services.invite_customer(survey=make_survey(store), customer=make_customer(store))
    answer = services.clean_answer(invitation.survey, score="9", comment="  Szybka dostawa  ")
    # when
    first = services.record_invitation_answer(invitation=invitation, answer=answer)
    again = services.record_invitation_answer(invitation=invitation, answer=answer)
    changed = services.record_invitation_answer(
        invitation=invitation, answer=services.clean_answer(invitation.survey, score="۶", comment="")
    )
    # then
    assert first.pk == again.pk == changed.pk
    assert Response.objects.count() == 1
    assert (changed.score, changed.band, changed.comment) == (6, "low", "")


@pytest.mark.parametrize("score", ["11", "-1", "7.5", "NaN", "1e309", "10abc", "", None, True, 3.0])
def test_out_of_range_scores_are_refused(store, score):
    survey = make_survey(store)
    with pytest.raises(InvalidAnswer) as error:
        services.clean_answer(survey, score=score)
    assert error.value.field == "score"


def test_comment_with_bidi_override_is_refused(store):
    with pytest.raises(InvalidAnswer):
        services.clean_answer(make_survey(store), score=5, comment="abc\u202etxt.exe")


def test_expired_link_takes_no_answer(store):
    invitation = services.invite_customer(survey=make_survey(store), customer=make_customer(store))
    answer = services.clean_answer(invitation.survey, score=10)
    with pytest.raises(LinkExpired):
        services.record_invitation_answer(
            invitation=invitation, answer=answer, now=timezone.now() + timedelta(days=15)
        )
    assert Response.objects.count() == 0


def test_low_score_tags_customer_and_emits_event_once(store):
    # given
    customer = make_customer(store)
    invitation = services.invite_customer(survey=make_survey(store), customer=customer)
    response = services.record_invitation_answer(
        invitation=invitation, answer=services.clean_answer(invitation.survey, score=2)
    )
    # when
    ran = [services.follow_up_low_score(response=response) for _ in range(2)]
    # then
    assert ran == [True, False]
    customer.refresh_from_db()
    assert customer.tags == ["low-score"]
    event = Event.objects.get(store=store, type="survey_low_score")
    assert event.customer_id == customer.pk
    assert event.properties["score"] == 2


def test_order_sweep_invites_each_fulfilled_order_once_after_the_delay(store):
    from cxloop.commerce.models import Order

    # given
    customer = make_customer(store)
    make_survey(store, trigger="order_fulfilled", delay_days=3)
    now = timezone.now()

    def order(number, fulfilled_days_ago):
        return Order.objects.create(
            store=store, customer=customer, platform="shopify", external_id=number, number=number,
            currency="PLN", total=10, created_at=now - timedelta(days=10),
            fulfilled_at=now - timedelta(days=fulfilled_days_ago) if fulfilled_days_ago is not None else None,
        )  # fmt: skip

    due, not_yet, unfulfilled = order("1", 2.9), order("2", 1), order("3", None)
    # when
    counts = [services.schedule_order_invitations(store=store, now=now + timedelta(days=1)) for _ in range(2)]
    # then
    assert counts == [1, 0]
    assert list(Invitation.objects.values_list("order_id", flat=True)) == [due.pk]
    assert not_yet.pk and unfulfilled.pk
