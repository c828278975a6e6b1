"""Unsubscribing from a store's unasked email: the confirm page, the button, RFC 8058 one click."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cxloop.commerce.models import ConsentRecord, Customer
from cxloop.core.signedlinks import make_token
from cxloop.flows import services
from cxloop.flows.models import ContactKind, Suppression
from cxloop.surveys import services as survey_services
from cxloop.surveys.tests.factories import make_survey


def make_customer(store, *, email="ania@example.pl", language="pl", first_name="Ania") -> Customer:
    now = timezone.now()
    return Customer.objects.create(
        store=store, email=email, email_key=email.lower(), first_name=first_name, language=language,
        email_consent=Customer.Consent.SUBSCRIBED, created_at=now, updated_at=now,
    )  # fmt: skip


def unsubscribe_path(store, customer) -> str:
    contact = services.reserve_contact(
        store=store, customer=customer, kind=ContactKind.SURVEY, reference="survey-invitation:test"
    )
    return reverse("flows:unsubscribe", args=[services.unsubscribe_token(contact, customer.email)])


def one_click(path: str, **extra):
    """What a mailbox provider sends: no cookies, no CSRF token, the RFC 8058 body."""
    client = Client(enforce_csrf_checks=True)
    return client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded", **extra
    )


class Page(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def first(self, tag: str) -> dict:
        return next(attrs for name, attrs in self.tags if name == tag)


@pytest.fixture
def customer(store):
    return make_customer(store)


@pytest.fixture
def path(store, customer):
    return unsubscribe_path(store, customer)


def test_opening_the_link_asks_to_confirm_and_changes_nothing(path, customer):
    response = Client().get(path)

    assert response.status_code == 200
    page = Page(response.content.decode())
    assert page.first("form") == {"method": "post", "class": "confirm"}
    assert page.first("button")["type"] == "submit"
    assert "Sklep Ania" in response.content.decode()
    assert "a***@example.pl" in response.content.decode()
    assert "style=" not in response.content.decode() and "<script" not in response.content.decode()
    assert response["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.cookies == {}
    assert Suppression.objects.count() == 0 and ConsentRecord.objects.count() == 0
    customer.refresh_from_db()
    assert customer.email_consent == Customer.Consent.SUBSCRIBED


@pytest.mark.parametrize(
    ("customer_language", "store_language", "expected"),
    [
        ("fa", "en", '<html lang="fa" dir="rtl">'),
        ("pl_PL", "en", '<html lang="pl" dir="ltr">'),
        ("zh-CN", "en", '<html lang="zh-hans" dir="ltr">'),
        ("zh-TW", "en", '<html lang="zh-hant" dir="ltr">'),
        ("zh_HK", "en", '<html lang="zh-hant" dir="ltr">'),
        ("zh-hant", "en", '<html lang="zh-hant" dir="ltr">'),
        ("de", "lv", '<html lang="lv" dir="ltr">'),
        ("", "xx", '<html lang="en" dir="ltr">'),
    ],
)
def test_the_page_speaks_the_customers_language_else_the_stores(
    store, customer_language, store_language, expected
):
    store.default_language = store_language
    store.save(update_fields=["default_language"])
    customer = make_customer(store, language=customer_language)

    response = Client().get(unsubscribe_path(store, customer))

    assert expected in response.content.decode()


def test_the_button_unsubscribes_and_shows_the_done_page(path, customer, store):
    response = Client().post(path)

    assert response.status_code == 200
    assert "Wypisano Cię" in response.content.decode()  # Polish customer
    assert Suppression.objects.filter(store=store, reason="unsubscribed").count() == 1
    [record] = ConsentRecord.objects.filter(customer=customer)
    assert (record.state, record.source) == ("unsubscribed", "list-unsubscribe")
    customer.refresh_from_db()
    assert customer.email_consent == Customer.Consent.UNSUBSCRIBED


def test_one_click_post_answers_200_without_redirect_or_cookies(path, store):
    response = one_click(path)

    assert response.status_code == 200
    assert response.content == b"Unsubscribed.\n"
    assert "Location" not in response and response.cookies == {}
    assert Suppression.objects.filter(store=store).count() == 1


def test_one_click_post_may_be_multipart(path, store):
    response = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert response.content == b"Unsubscribed.\n"
    assert Suppression.objects.filter(store=store).count() == 1


def test_unsubscribing_twice_keeps_one_suppression_and_one_consent_record(path, customer, store):
    first = Client().post(path)
    second = one_click(path)
    third = Client().post(path)

    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 200)
    assert Suppression.objects.filter(store=store).count() == 1
    assert ConsentRecord.objects.filter(customer=customer).count() == 1


def test_opening_the_link_again_says_already_unsubscribed(path):
    one_click(path)

    response = Client().get(path)

    assert response.status_code == 200
    assert "Już jesteś wypisany" in response.content.decode()
    assert "<form" not in response.content.decode()


def test_after_unsubscribing_no_survey_is_sent(path, customer, store):
    one_click(path)

    invitation = survey_services.invite_customer(survey=make_survey(store, kind="csat"), customer=customer)

    assert (invitation.status, invitation.skip_reason) == ("skipped", "suppressed")


@pytest.mark.parametrize(
    "alter",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # a flipped signature byte
        lambda token: f"{int(token.split('.')[0]) + 1}.{token.split('.', 1)[1]}",  # another contact's id
        lambda token: token + "%20",  # trailing whitespace
        lambda token: token.upper(),
        lambda token: make_token("surveys.invitation", token.split(".")[0]),  # signed for another purpose
        lambda token: make_token("flows.unsubscribe", "999999"),  # signed, but no such contact
        lambda token: make_token("flows.unsubscribe", "abc"),
    ],
)
def test_an_altered_or_unknown_token_is_404_and_changes_nothing(path, alter):
    token = path.split("/")[2]
    bad = f"/u/{alter(token)}/"

    assert Client().get(bad).status_code == 404
    assert one_click(bad).status_code == 404
    assert Suppression.objects.count() == 0


def test_an_empty_token_is_404():
    assert Client().get("/u//").status_code == 404
    assert one_click("/u/%20/").status_code == 404


def test_other_methods_are_refused(path):
    assert Client().put(path).status_code == 405
    assert Client().delete(path).status_code == 405
    assert Suppression.objects.count() == 0


def test_the_one_click_link_of_a_sent_invitation_unsubscribes(store, smtp_server, task_worker, settings):
    # given an invitation email received through a real SMTP server
    settings.CXLOOP_PUBLIC_URL = "https://cx.example.com"
    customer = make_customer(store)
    with task_worker.committing():
        survey_services.invite_customer(survey=make_survey(store), customer=customer)
    task_worker.run_ready()
    [message] = smtp_server.messages
    url = message["List-Unsubscribe"].strip().removeprefix("<").removesuffix(">")

    # when the mailbox provider POSTs the RFC 8058 body to the header's URL
    response = one_click(urlsplit(url).path)

    # then the address is unsubscribed and the next survey skips it
    assert response.status_code == 200
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    later = survey_services.invite_customer(survey=make_survey(store, kind="csat"), customer=customer)
    assert later.skip_reason == "suppressed"


def change_address(customer, email):
    customer.email, customer.email_key = email, email.lower()
    customer.save(update_fields=["email", "email_key"])


def test_a_link_in_mail_sent_to_an_old_address_stops_that_address_only(store, customer):
    # given a message sent to u1, then the customer's address changes to u2
    old_path = unsubscribe_path(store, customer)
    change_address(customer, "ania.nowa@example.pl")

    # when the link in the message to u1 is clicked
    response = one_click(old_path)

    # then u1 is suppressed; u2 and the customer's consent are left as they are
    assert response.status_code == 200
    assert services.queries.is_suppressed(store, "ania@example.pl")
    assert not services.queries.is_suppressed(store, "ania.nowa@example.pl")
    assert ConsentRecord.objects.filter(customer=customer).count() == 0
    customer.refresh_from_db()
    assert customer.email_consent == Customer.Consent.SUBSCRIBED
    services.check_can_contact(store=store, customer=customer, kind=ContactKind.NEWSLETTER)  # no refusal


def test_the_page_of_a_link_to_an_old_address_does_not_show_the_new_one(store, customer):
    old_path = unsubscribe_path(store, customer)
    change_address(customer, "ania.nowa@example.pl")

    before = Client().get(old_path)
    Client().post(old_path)
    after = Client().get(old_path)

    assert "a***@example.pl" not in before.text and "nowa" not in before.text
    assert "<form" in before.text
    assert "Już jesteś wypisany" in after.text


def legacy_path(contact) -> str:
    """A link made before tokens named the address: it carries the contact only."""
    return reverse("flows:unsubscribe", args=[make_token(services.UNSUBSCRIBE, str(contact.pk))])


def test_an_old_style_link_in_a_sent_invitation_stops_the_address_the_invitation_went_to(store, customer):
    # given an invitation sent to u1 with an old-style link, then the address changes to u2
    invitation = survey_services.invite_customer(survey=make_survey(store), customer=customer)
    contact = services.Contact.objects.get(store=store, reference=f"survey-invitation:{invitation.nonce}")
    change_address(customer, "ania.nowa@example.pl")

    # when
    response = one_click(legacy_path(contact))

    # then
    assert response.status_code == 200
    assert services.queries.is_suppressed(store, "ania@example.pl")
    assert not services.queries.is_suppressed(store, "ania.nowa@example.pl")
    customer.refresh_from_db()
    assert customer.email_consent == Customer.Consent.SUBSCRIBED


def test_an_old_style_link_whose_message_is_unknown_stops_the_customers_address(store, customer):
    contact = services.reserve_contact(
        store=store, customer=customer, kind=ContactKind.SURVEY, reference="survey-invitation:gone"
    )

    response = one_click(legacy_path(contact))

    assert response.status_code == 200
    assert services.queries.is_suppressed(store, "ania@example.pl")
    [record] = ConsentRecord.objects.filter(customer=customer)
    assert record.state == "unsubscribed"
