"""Guessing passwords is slow: a block per client address, growing delays per account."""

import re
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cxloop.core import services as core_services
from cxloop.core.models import Membership
from cxloop.testing.fixtures import PASSWORD
from cxloop.web import throttling

pytestmark = pytest.mark.django_db

LOGIN = reverse("web:login")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # These tests check many passwords; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(username, password, address="203.0.113.5", language=None):
    headers = {"Accept-Language": language} if language else {}
    return Client(REMOTE_ADDR=address, headers=headers).post(
        LOGIN, {"username": username, "password": password}
    )


def test_fifty_wrong_passwords_then_the_right_one_is_refused_with_retry_after(owner):
    # given
    for _ in range(50):
        sign_in(owner.username, "wrong password")

    # when
    response = sign_in(owner.username, PASSWORD)

    # then
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many attempts. Try again in" in response.text
    assert "_auth_user_id" not in response.wsgi_request.session


def test_wrong_passwords_cost_nothing_at_first_then_the_account_waits_longer_each_time(owner):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(throttling.FREE_FAILURES):
            assert sign_in(owner.username, "wrong").status_code == 200

        sixth = sign_in(owner.username, "wrong")  # checked, wrong: the account now waits 30 s
        refused = sign_in(owner.username, PASSWORD, address="198.51.100.7")
        clock.shift(timedelta(seconds=31))
        seventh = sign_in(owner.username, "wrong")  # waits 60 s now
        refused_again = sign_in(owner.username, PASSWORD, address="198.51.100.7")
        clock.shift(timedelta(seconds=61))
        signed_in = sign_in(owner.username, PASSWORD, address="198.51.100.7")

    assert sixth.status_code == 200
    assert (refused.status_code, refused["Retry-After"]) == (429, "30")
    assert seventh.status_code == 200
    assert (refused_again.status_code, refused_again["Retry-After"]) == (429, "60")
    assert signed_in.status_code == 302


def test_a_stranger_cannot_keep_the_owner_waiting_longer_than_the_longest_delay(owner):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        # given: a stranger keeps guessing, from many addresses, as often as the delays allow
        for guess in range(12):
            sign_in(owner.username, "wrong", address=f"192.0.2.{guess}")
            clock.shift(timedelta(seconds=throttling.MAX_DELAY + 1))
        sign_in(owner.username, "wrong", address="192.0.2.200")

        # when the owner comes right after a guess, and again when told
        refused = sign_in(owner.username, PASSWORD, address="198.51.100.7")
        clock.shift(timedelta(seconds=int(refused["Retry-After"])))
        response = sign_in(owner.username, PASSWORD, address="198.51.100.7")

    # then
    assert (refused.status_code, refused["Retry-After"]) == (429, str(throttling.MAX_DELAY))
    assert response.status_code == 302


def test_an_address_is_blocked_whatever_account_it_tries(owner):
    with time_machine.travel(timezone.now(), tick=False):
        for number in range(throttling.ADDRESS_ATTEMPTS):
            sign_in(f"someone{number}@example.com", "wrong")

        blocked = sign_in(owner.username, PASSWORD)
        elsewhere = sign_in(owner.username, PASSWORD, address="198.51.100.7")

    assert blocked.status_code == 429
    assert 0 < int(blocked["Retry-After"]) <= throttling.ADDRESS_PERIOD
    assert elsewhere.status_code == 302


def test_unknown_accounts_are_slowed_down_like_known_ones(owner):
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(throttling.FREE_FAILURES + 1):
            sign_in("nobody@example.com", "wrong")
        unknown = sign_in("nobody@example.com", "wrong", address="198.51.100.7")
        for _ in range(throttling.FREE_FAILURES + 1):
            sign_in(owner.username, "wrong")
        known = sign_in(owner.username, "wrong", address="198.51.100.7")

    assert (unknown.status_code, unknown["Retry-After"]) == (429, "30")
    assert (known.status_code, known["Retry-After"]) == (429, "30")


def test_the_wait_is_said_in_the_readers_language(owner):
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(throttling.FREE_FAILURES + 1):
            sign_in(owner.username, "wrong")
        response = sign_in(owner.username, PASSWORD, language="pl")

    assert response.status_code == 429
    assert '<html lang="pl"' in response.text
    assert re.search(r'<div class="alert alert--error" role="alert"><p>[^<]*30[^<]*</p></div>', response.text)


def test_a_password_reset_clears_the_accounts_wrong_guesses(owner):
    # given: the account must wait after many wrong guesses
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(throttling.FREE_FAILURES + 3):
            sign_in(owner.username, "wrong")
        assert sign_in(owner.username, PASSWORD).status_code == 429

        # when the owner resets the password by email
        Client().post(reverse("web:password-reset"), {"email": owner.email})
        link = urlsplit(re.search(r"https?://\S+/password-reset/\S+/", mail.outbox[0].body).group(0)).path
        reset = Client()
        form_page = reset.get(link, follow=True)
        reset.post(form_page.redirect_chain[-1][0], {
            "new_password1": "a brand new passphrase 7", "new_password2": "a brand new passphrase 7",
        })  # fmt: skip

        # then
        response = sign_in(owner.username, "a brand new passphrase 7")

    assert response.status_code == 302


def test_a_correct_sign_in_forgets_earlier_wrong_guesses(owner):
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(throttling.FREE_FAILURES):
            sign_in(owner.username, "wrong")
        assert sign_in(owner.username, PASSWORD).status_code == 302

        for _ in range(throttling.FREE_FAILURES):
            assert sign_in(owner.username, "wrong").status_code == 200


def test_delays_grow_and_stop_at_the_longest():
    delays = [throttling.delay_after(failures) for failures in range(1, 14)]

    assert delays == [0, 0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900]


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_parallel_guesses_gets_no_more_checks_than_one_guess_after_another(settings):
    # given an account, and 20 guesses sent at once from 20 addresses (each thread has its own
    # database connection and cache object, as separate workers would)
    cache.clear()  # counters live in the cache table, which transactional tests do not empty
    # The production hasher: checking a password takes long enough for guesses to overlap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    store, _ = core_services.create_store(name="Sklep", currency="PLN", slug="sklep")
    core_services.add_staff(
        store=store, email="owner@sklep.test", role=Membership.Role.OWNER, password=PASSWORD
    )
    start = threading.Barrier(20)
    statuses = []

    def guess(number):
        try:
            start.wait()
            response = sign_in("owner@sklep.test", f"guess {number}", address=f"192.0.2.{number}")
            statuses.append(response.status_code)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=guess, args=(number,)) for number in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then at most the free guesses and the one that starts the first delay were checked
    assert len(statuses) == 20
    assert statuses.count(200) <= throttling.FREE_FAILURES + 1
    assert statuses.count(429) == 20 - statuses.count(200)
    cache.clear()
