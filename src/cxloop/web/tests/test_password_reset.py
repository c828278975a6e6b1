"""Forgot password: a link by email, the same answer for any address, a new password, sign in."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from cxloop.testing.fixtures import PASSWORD
from cxloop.web import throttling

pytestmark = pytest.mark.django_db

RESET = reverse("web:password-reset")
NEW_PASSWORD = "a brand new passphrase 7"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def reset_link(message) -> str:
    return re.search(r"https?://\S+/password-reset/\S+/", message.body).group(0)


def choose_password(link: str, password: str = NEW_PASSWORD, client: Client | None = None):
    client = client or Client()
    form = client.get(urlsplit(link).path, follow=True)
    return form, client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else urlsplit(link).path,
        {"new_password1": password, "new_password2": password},
    )


def test_the_login_page_offers_a_forgotten_password_link():
    page = Client().get(reverse("web:login"))

    assert f'<a href="{RESET}">Forgot password?</a>' in page.text


def test_a_known_address_gets_one_link_on_the_public_address(owner, settings):
    settings.CXLOOP_PUBLIC_URL = "https://cx.example.com"

    response = Client().post(RESET, {"email": owner.email.upper()}, headers={"Host": "localhost"})

    assert response.status_code == 302
    assert response.url == reverse("web:password-reset-sent")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [owner.email]
    assert mail.outbox[0].subject == "Reset your cxloop password"
    assert reset_link(mail.outbox[0]).startswith("https://cx.example.com/password-reset/")


def test_known_and_unknown_addresses_get_the_same_answer(owner):
    known = Client().post(RESET, {"email": owner.email}, follow=True)
    unknown = Client().post(RESET, {"email": "nobody@example.com"}, follow=True)

    assert known.redirect_chain == unknown.redirect_chain == [(reverse("web:password-reset-sent"), 302)]
    assert known.text == unknown.text
    assert "Check your email" in known.text
    assert [message.to for message in mail.outbox] == [[owner.email]]


def test_the_link_sets_a_new_password_that_signs_in_and_works_once(owner):
    # given
    Client().post(RESET, {"email": owner.email})
    link = reset_link(mail.outbox[0])

    # when
    form, done = choose_password(link)

    # then
    assert form.status_code == 200 and "Choose a new password" in form.text
    assert done.status_code == 302 and done.url == reverse("web:password-reset-complete")
    new = Client().post(reverse("web:login"), {"username": owner.username, "password": NEW_PASSWORD})
    old = Client().post(reverse("web:login"), {"username": owner.username, "password": PASSWORD})
    assert new.status_code == 302
    assert old.status_code == 200
    again, _ = choose_password(link, "yet another passphrase 8")
    assert "This link no longer works" in again.text
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    "tamper",
    [lambda link: link[:-3] + "xx/", lambda link: link.replace("/password-reset/", "/password-reset/A")],
)  # noqa: E501
def test_an_altered_link_changes_nothing(owner, tamper):
    Client().post(RESET, {"email": owner.email})

    form, attempt = choose_password(tamper(reset_link(mail.outbox[0])))

    assert "This link no longer works" in form.text
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_a_weak_new_password_is_refused_with_a_reason(owner):
    Client().post(RESET, {"email": owner.email})

    _, response = choose_password(reset_link(mail.outbox[0]), "12345678")

    assert response.status_code == 200
    assert "This password is too common." in response.text
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_an_inbox_gets_at_most_a_few_reset_mails_an_hour(owner):
    for number in range(throttling.RESET_REQUESTS_PER_ACCOUNT + 2):
        response = Client(REMOTE_ADDR=f"192.0.2.{number}").post(RESET, {"email": owner.email})
        assert response.status_code == 302

    assert len(mail.outbox) == throttling.RESET_REQUESTS_PER_ACCOUNT


def test_one_address_asking_for_many_resets_is_told_when_to_retry(owner):
    for number in range(throttling.RESET_REQUESTS_PER_ADDRESS):
        Client().post(RESET, {"email": f"someone{number}@example.com"})

    response = Client().post(RESET, {"email": owner.email})

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= throttling.RESET_PERIOD
    assert "Too many attempts. Try again in" in response.text
    assert mail.outbox == []
