from cxloop.commerce import services as commerce_services
from cxloop.flows import services as flows_services
from cxloop.flows.models import Contact, Suppression
from cxloop.surveys import services
from cxloop.surveys.models import Invitation, Response

from .factories import make_customer, make_survey


def test_erasing_a_customer_removes_their_invitations_answers_and_contacts(store):
    # given
    customer = make_customer(store, email="erase.me@example.lv", language="lv")
    invitation = services.invite_customer(survey=make_survey(store), customer=customer)
    services.record_invitation_answer(
        invitation=invitation,
        answer=services.clean_answer(invitation.survey, score=3, comment="Lēna piegāde"),
    )
    flows_services.unsubscribe(store=store, email="erase.me@example.lv", source="test")
    # when
    commerce_services.erase_customer(store=store, customer=customer)
    # then
    assert (Invitation.objects.count(), Response.objects.count(), Contact.objects.count()) == (0, 0, 0)
    suppression = Suppression.objects.get(store=store)
    assert "erase.me" not in str(suppression.__dict__)


def test_the_suppression_outlives_erasure_and_still_blocks_a_returning_address(store):
    customer = make_customer(store, email="back@example.pl")
    flows_services.unsubscribe(store=store, email="back@example.pl", source="test")
    commerce_services.erase_customer(store=store, customer=customer)
    returning = make_customer(store, email="Back@Example.pl")
    invitation = services.invite_customer(survey=make_survey(store), customer=returning)
    assert invitation.skip_reason == "suppressed"
