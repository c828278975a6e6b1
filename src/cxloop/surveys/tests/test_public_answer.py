"""The answer page behind an invitation link: scanners, tampering, expiry, bad input, one answer per link."""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cxloop.surveys import services
from cxloop.surveys.models import Invitation, Response
from cxloop.surveys.tokens import invitation_token, web_customer_token

from .factories import make_customer, make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    # Rate-limit counters live in the cache table, which transactional tests do not empty.
    cache.clear()
    yield
    cache.clear()


def invite(store, *, kind="nps", email="ania@example.pl", language="pl", **settings):
    survey = make_survey(store, kind=kind, **settings)
    customer = make_customer(store, email=email, language=language)
    return services.invite_customer(survey=survey, customer=customer)


def link(invitation, suffix=""):
    return reverse("surveys:answer", args=[invitation_token(invitation)]) + suffix


def test_a_scanner_fetching_a_score_link_records_nothing_but_marks_the_link_opened(store):
    invitation = invite(store)

    page = Client().get(link(invitation, "?score=9"))

    invitation.refresh_from_db()
    assert page.status_code == 200
    assert Response.objects.count() == 0
    assert invitation.opened_at is not None
    assert invitation.answered_at is None
    html = page.content.decode()
    assert 'value="9" data-band="high" required checked' in html
    assert "Dziękujemy! Co Ci się najbardziej podobało?" in html  # the follow-up of the clicked score's band


def test_submitting_the_page_records_the_answer_and_thanks_the_customer(store):
    invitation = invite(store)
    client = Client()

    sent = client.post(link(invitation, "?score=9"), {"score": "9", "comment": "Szybka dostawa"})
    thanks = client.get(sent["Location"])

    response = Response.objects.get()
    assert sent.status_code == 302
    assert sent["Location"] == reverse("surveys:answer-thanks", args=[invitation_token(invitation)])
    assert (response.invitation, response.score, response.band) == (invitation, 9, "high")
    assert (response.comment, response.channel, response.language) == ("Szybka dostawa", "email", "pl")
    assert response.customer == invitation.customer
    assert thanks.status_code == 200
    assert "Szybka dostawa" in thanks.content.decode()
    assert f'href="{link(invitation)}"' in thanks.content.decode()  # change the answer


def test_a_score_without_a_comment_is_kept(store):
    invitation = invite(store, kind="csat")

    Client().post(link(invitation), {"score": "2"})

    assert Response.objects.values_list("score", "band", "comment").get() == (2, "low", "")


def test_submitting_twice_keeps_one_answer_the_latest(store):
    invitation = invite(store)
    client = Client()

    client.post(link(invitation), {"score": "3", "comment": "first"})
    client.post(link(invitation), {"score": "8", "comment": "changed my mind"})

    assert list(Response.objects.values_list("score", "comment")) == [(8, "changed my mind")]


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_submits_of_one_link_store_one_answer(store):
    invitation = invite(store)
    url = link(invitation)
    start = threading.Barrier(10)
    statuses = []

    def submit(n):
        try:
            start.wait()
            answer = Client(REMOTE_ADDR=f"10.0.0.{n}").post(url, {"score": str(n), "comment": f"try {n}"})
            statuses.append(answer.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302] * 10
    assert Response.objects.filter(invitation=invitation).count() == 1
    assert Response.objects.count() == 1


def flipped(token: str, position: int) -> str:
    replacement = "A" if token[position] != "A" else "B"
    return token[:position] + replacement + token[position + 1 :]


def test_every_altered_token_is_an_unknown_link_and_stores_nothing(store):
    invitation = invite(store)
    token = invitation_token(invitation)
    client = Client()

    for position in range(len(token)):
        tampered = reverse("surveys:answer", args=[flipped(token, position)])
        assert client.get(tampered).status_code == 404, position
        assert client.post(tampered, {"score": "9"}).status_code == 404, position

    assert Response.objects.count() == 0
    invitation.refresh_from_db()
    assert invitation.opened_at is None


def test_tokens_of_other_invitations_surveys_and_purposes_do_not_answer_this_one(store):
    mine = invite(store)
    other = invite(store, kind="csat", email="bob@example.pl")
    pk, nonce, signature = invitation_token(mine).split(".")
    _, other_nonce, other_signature = invitation_token(other).split(".")
    variants = [
        f"{other.pk}.{nonce}.{signature}",  # another invitation's id
        f"{pk}.{other_nonce}.{signature}",  # another invitation's nonce
        f"{pk}.{nonce}.{other_signature}",  # another invitation's signature
        web_customer_token(mine.survey, mine.customer_id),  # signed for another purpose
    ]

    for token in variants:
        url = reverse("surveys:answer", args=[token])
        assert Client().post(url, {"score": "9"}).status_code == 404, token

    assert Response.objects.count() == 0


@pytest.mark.parametrize("path", ["/s/{token}%20/", "/s/%20{token}/", "/s/{token}/%20", "/s//", "/s/%20/"])
def test_padded_or_empty_tokens_are_not_found(store, path):
    invitation = invite(store)

    answer = Client().post(path.format(token=invitation_token(invitation)), {"score": "9"})

    assert answer.status_code == 404
    assert Response.objects.count() == 0


def test_an_unknown_link_gets_a_friendly_page(store):
    page = Client().get("/s/42.nonce.signature/")

    assert page.status_code == 404
    assert "This survey link does not work" in page.content.decode()
    assert "Traceback" not in page.content.decode()


def test_an_expired_link_answers_410_and_stores_nothing(store):
    invitation = invite(store)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    shown = Client().get(link(invitation, "?score=9"))
    sent = Client().post(link(invitation), {"score": "9"})

    assert (shown.status_code, sent.status_code) == (410, 410)
    assert "Ten link do ankiety wygasł" in sent.content.decode()
    assert Response.objects.count() == 0


@pytest.mark.parametrize("score", ["11", "-1", "7.5", "NaN", "1e309", "10abc", "", "٫5", "9 9"])
def test_a_score_off_the_scale_is_refused_next_to_the_field_and_the_comment_kept(store, score):
    invitation = invite(store)

    page = Client().post(link(invitation), {"score": score, "comment": "Zostaw mój komentarz"})

    html = page.content.decode()
    assert page.status_code == 422
    assert 'id="score-error"' in html
    assert "Choose a score" in html
    assert ">Zostaw mój komentarz</textarea>" in html
    assert Response.objects.count() == 0


def test_a_missing_score_is_refused(store):
    invitation = invite(store)

    page = Client().post(link(invitation), {"comment": "no score"})

    assert page.status_code == 422
    assert "Choose a score." in page.content.decode()
    assert Response.objects.count() == 0


def test_persian_digits_are_read_as_the_score(store):
    invitation = invite(store, language="fa")

    answer = Client().post(link(invitation), {"score": "۱۰"})

    assert answer.status_code == 302
    assert Response.objects.values_list("score", "band").get() == (10, "high")


def test_a_comment_over_5000_characters_is_refused_and_kept(store):
    invitation = invite(store)
    comment = "ż" * 5001

    page = Client().post(link(invitation), {"score": "9", "comment": comment})

    html = page.content.decode()
    assert page.status_code == 422
    assert 'id="comment-error"' in html
    assert "5001" in html
    assert comment in html
    assert 'value="9" data-band="high" required checked' in html  # the chosen score is kept too
    assert Response.objects.count() == 0


def test_a_comment_of_exactly_5000_characters_is_recorded(store):
    invitation = invite(store)

    answer = Client().post(link(invitation), {"score": "9", "comment": "a" * 5000})

    assert answer.status_code == 302
    assert len(Response.objects.get().comment) == 5000


def test_html_in_a_comment_is_stored_as_text_and_shown_escaped(store):
    invitation = invite(store)
    comment = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client = Client()

    sent = client.post(link(invitation), {"score": "4", "comment": comment})
    thanks = client.get(sent["Location"]).content.decode()
    again = client.get(link(invitation)).content.decode()

    assert Response.objects.get().comment == comment
    for html in (thanks, again):
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
        assert "<script>alert" not in html
        assert "<img src=x" not in html


def test_query_string_payloads_are_not_reflected(store):
    invitation = invite(store)

    page = Client().get(link(invitation, '?score=<script>alert(1)</script>&lang="><svg onload=alert(1)>'))

    html = page.content.decode()
    assert page.status_code == 200
    assert "<script>alert" not in html
    assert "<svg" not in html
    assert " checked" not in html  # an unreadable score chooses nothing


def test_a_used_link_shows_the_recorded_answer_and_lets_the_customer_change_it(store):
    invitation = invite(store)
    client = Client()
    client.post(link(invitation), {"score": "5", "comment": "Średnio"})

    page = client.get(link(invitation))
    changed = client.post(link(invitation), {"score": "9", "comment": "Jednak super"})

    html = page.content.decode()
    assert page.status_code == 200
    assert "Odpowiedziałeś" in html
    assert 'value="5" data-band="low" required checked' in html
    assert ">Średnio</textarea>" in html
    assert changed.status_code == 302
    assert list(Response.objects.values_list("score", "comment")) == [(9, "Jednak super")]


def test_a_closed_survey_shows_the_recorded_answer_read_only(store):
    invitation = invite(store)
    Client().post(link(invitation), {"score": "7", "comment": "Dobrze"})
    services.close_survey(survey=invitation.survey)

    page = Client().get(link(invitation))
    refused = Client().post(link(invitation), {"score": "0", "comment": "zmiana"})

    html = page.content.decode()
    assert page.status_code == 200
    assert "Ta ankieta jest zamknięta" in html
    assert "Dobrze" in html
    assert "<form" not in html
    assert refused.status_code == 409
    assert list(Response.objects.values_list("score", "comment")) == [(7, "Dobrze")]


def test_the_page_speaks_the_invitation_language_right_to_left_for_persian(store):
    invitation = invite(store, language="fa")
    survey = invitation.survey
    services.update_survey(survey=survey, texts={"fa": {"thank_you": "از بازخورد شما سپاسگزاریم!"}})
    client = Client()

    page = client.get(link(invitation))
    thanks = client.get(client.post(link(invitation), {"score": "۹", "comment": "عالی بود"})["Location"])

    assert '<html lang="fa" dir="rtl">' in page.content.decode()
    assert '<html lang="fa" dir="rtl">' in thanks.content.decode()
    assert "از بازخورد شما سپاسگزاریم!" in thanks.content.decode()
    assert "۹" in thanks.content.decode()


def test_public_pages_carry_a_strict_policy_and_refuse_framing(store):
    invitation = invite(store, brand_color="#0f766e")

    page = Client().get(link(invitation))

    policy = page["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "style-src 'self' 'sha256-" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert page["X-Frame-Options"] == "DENY"
    assert page["Cache-Control"] == "no-store"
    assert (
        "<style>:root{--brand:#0f766e;--brand-ink:#ffffff;--brand-text:#0f766e}</style>"
        in page.content.decode()
    )
    assert "Set-Cookie" not in page.headers


def test_a_custom_survey_records_its_questions_answers(store):
    survey = make_survey(store, kind="custom", active=False)
    rating, single, multiple, text = services.set_questions(
        survey=survey,
        questions=[
            {
                "kind": "rating",
                "required": True,
                "scale_max": 5,
                "texts": {"en": "Delivery?", "pl": "Dostawa?"},
            },
            {
                "kind": "single",
                "texts": {"en": "Found us via"},
                "choices": [{"labels": {"en": "Friend"}}, {"labels": {"en": "Ad"}}],
            },  # noqa: E501
            {
                "kind": "multiple",
                "texts": {"en": "Bought"},
                "choices": [{"labels": {"en": "Shirts"}}, {"labels": {"en": "Shoes"}}],
            },  # noqa: E501
            {"kind": "text", "texts": {"en": "Improve?"}},
        ],
    )
    services.activate_survey(survey=survey)
    invitation = services.invite_customer(survey=survey, customer=make_customer(store))
    client = Client()

    page = client.get(link(invitation)).content.decode()
    missing = client.post(link(invitation), {f"q{single.pk}": "1"})
    sent = client.post(
        link(invitation),
        {
            f"q{rating.pk}": "4",
            f"q{single.pk}": "2",
            f"q{multiple.pk}": ["1", "2"],
            f"q{text.pk}": "Więcej rozmiarów",
        },
    )

    assert "Dostawa?" in page  # the customer's language (pl), falling back to English elsewhere
    assert "Found us via" in page
    assert missing.status_code == 422
    assert f'id="q{rating.pk}-error"' in missing.content.decode()
    assert sent.status_code == 302
    assert Response.objects.get().answers == {
        str(rating.pk): 4,
        str(single.pk): "2",
        str(multiple.pk): ["1", "2"],
        str(text.pk): "Więcej rozmiarów",
    }
