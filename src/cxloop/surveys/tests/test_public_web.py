"""A survey's web link: anonymous and identified answers, languages, the widget page, rate limits."""

import re
import threading

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cxloop.core import services as core_services
from cxloop.flows import services as flows_services
from cxloop.surveys import ratelimit, services
from cxloop.surveys.models import Response
from cxloop.surveys.tokens import web_customer_token

from .factories import make_customer, make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    # Rate-limit counters live in the cache table, which transactional tests do not empty.
    cache.clear()
    yield
    cache.clear()


def web_link(survey, query=""):
    return reverse("surveys:web-answer", args=[survey.public_id]) + query


def submission_key(html: str) -> str:
    return re.search(r'name="submission_key" value="([^"]+)"', html).group(1)


def test_an_anonymous_web_answer_is_recorded_once_however_often_the_page_is_sent(store):
    survey = make_survey(store)
    client = Client()
    key = submission_key(client.get(web_link(survey)).content.decode())

    first = client.post(web_link(survey), {"score": "9", "comment": "Great", "submission_key": key})
    again = client.post(web_link(survey), {"score": "9", "comment": "Great", "submission_key": key})
    thanks = client.get(first["Location"])

    response = Response.objects.get()
    assert (first.status_code, again.status_code, thanks.status_code) == (302, 302, 200)
    assert (response.score, response.comment, response.channel, response.customer) == (
        9,
        "Great",
        "web",
        None,
    )
    assert response.submission_key == key
    assert "Great" in thanks.content.decode()


def test_each_page_load_gets_its_own_submission_key(store):
    survey = make_survey(store)

    keys = {submission_key(Client().get(web_link(survey)).content.decode()) for _ in range(3)}

    assert len(keys) == 3


def test_a_made_up_submission_key_in_the_address_is_replaced(store):
    survey = make_survey(store)

    html = Client().get(web_link(survey, "?k=chosen-by-someone-else-123")).content.decode()

    assert submission_key(html) != "chosen-by-someone-else-123"


def test_the_thanks_page_links_back_to_change_the_same_answer(store):
    survey = make_survey(store)
    client = Client()
    key = submission_key(client.get(web_link(survey)).content.decode())
    thanks = client.get(client.post(web_link(survey), {"score": "3", "submission_key": key})["Location"])

    change = (
        re.search(r'<a class="link" href="([^"]+)"', thanks.content.decode()).group(1).replace("&amp;", "&")
    )
    page = client.get(change).content.decode()
    client.post(change, {"score": "6", "submission_key": submission_key(page)})

    assert submission_key(page) == key
    assert 'value="3" data-band="low" required checked' in page
    assert list(Response.objects.values_list("score", flat=True)) == [6]


def test_a_form_without_its_submission_key_is_refused(store):
    survey = make_survey(store)

    page = Client().post(web_link(survey), {"score": "9", "submission_key": "x"})

    assert page.status_code == 422
    assert "Reload the page" in page.content.decode()
    assert Response.objects.count() == 0


def test_an_identified_web_link_attaches_the_customer_and_speaks_their_language(store):
    survey = make_survey(store)
    customer = make_customer(store, language="fa")
    url = web_link(survey, f"?c={web_customer_token(survey, customer.pk)}")
    client = Client()

    page = client.get(url).content.decode()
    client.post(url, {"score": "10", "submission_key": submission_key(page)})

    assert '<html lang="fa" dir="rtl">' in page
    assert Response.objects.values_list("customer", "language").get() == (customer.pk, "fa")


def test_an_altered_or_foreign_customer_token_is_an_unknown_link(store, other_store):
    survey = make_survey(store)
    other_survey = make_survey(other_store)
    customer = make_customer(store)
    token = web_customer_token(survey, customer.pk)

    for bad in [
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        web_customer_token(other_survey, customer.pk),
        "",
    ]:
        page = Client().post(web_link(survey, f"?c={bad}"), {"score": "9", "submission_key": "k" * 22})
        assert page.status_code == 404, bad

    assert Response.objects.count() == 0


def test_an_unknown_web_link_gets_a_friendly_404(db):
    page = Client().get("/s/w/no-such-survey/")

    assert page.status_code == 404
    assert "This survey link does not work" in page.content.decode()


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        ("?lang=zh-hans", "fa", "zh-hans"),
        ("?lang=zh_CN", "", "zh-hans"),
        ("?lang=xx", "fa-IR,fa;q=0.9,en;q=0.8", "fa"),
        ("", "de-DE,de;q=0.9,lv;q=0.5", "lv"),
        ("", "de, *;q=0.5", "pl"),
        ('?lang="><script>', "", "pl"),
    ],
)
def test_the_web_link_language_comes_from_the_address_the_browser_or_the_store(
    store, query, accept, expected
):
    store.default_language = "pl"
    store.save(update_fields=["default_language"])
    survey = make_survey(store)

    page = Client().get(web_link(survey, query), HTTP_ACCEPT_LANGUAGE=accept)

    assert f'<html lang="{expected}"' in page.content.decode()
    assert "<script>" not in page.content.decode()


def test_a_closed_survey_link_takes_no_answers(store):
    survey = make_survey(store)
    services.close_survey(survey=survey)

    page = Client().get(web_link(survey))
    refused = Client().post(web_link(survey), {"score": "9", "submission_key": "k" * 22})

    assert page.status_code == 200
    assert "This survey is closed" in page.content.decode()
    assert refused.status_code == 409
    assert Response.objects.count() == 0


def test_only_the_widget_page_may_be_framed_and_its_answers_count_as_widget(store):
    survey = make_survey(store)
    flows_services.set_contact_policy(store=store, survey_window_days=30, survey_audience="opted_in")
    client = Client()

    plain = client.get(web_link(survey))
    widget = client.get(web_link(survey, "?embed=1"))
    client.post(
        web_link(survey, "?embed=1"),
        {"score": "8", "submission_key": submission_key(widget.content.decode())},
    )

    assert plain["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in plain["Content-Security-Policy"]
    assert "X-Frame-Options" not in widget
    assert "frame-ancestors *" in widget["Content-Security-Policy"]
    assert 'data-window-days="30"' in widget.content.decode()
    assert Response.objects.get().channel == "widget"


def test_the_widget_may_be_framed_only_by_the_stores_own_storefront_once_listed(store, settings):
    settings.CXLOOP_WIDGET_FRAME_ANCESTORS = "https://default.example"
    survey = make_survey(store)
    before = Client().get(web_link(survey, "?embed=1"))
    core_services.set_storefront_origins(
        store=store, origins="https://shop.example.com https://*.shop.example"
    )

    widget = Client().get(web_link(survey, "?embed=1"))

    assert "frame-ancestors https://default.example;" in before["Content-Security-Policy"] + ";"
    assert "frame-ancestors https://shop.example.com https://*.shop.example;" in (
        widget["Content-Security-Policy"] + ";"
    )
    plain = Client().get(web_link(survey))
    assert "frame-ancestors 'none'" in plain["Content-Security-Policy"]


def test_the_widget_thanks_page_stays_framable(store):
    survey = make_survey(store)
    client = Client()
    key = submission_key(client.get(web_link(survey, "?embed=1")).content.decode())

    sent = client.post(web_link(survey, "?embed=1"), {"score": "9", "submission_key": key})
    thanks = client.get(sent["Location"])

    assert "embed=1" in sent["Location"]
    assert "X-Frame-Options" not in thanks
    assert 'data-state="answered"' in thanks.content.decode()


def test_the_eleventh_submit_in_a_minute_from_one_address_is_refused_with_retry_after(store):
    survey = make_survey(store)
    client = Client(REMOTE_ADDR="203.0.113.7")
    key = submission_key(client.get(web_link(survey)).content.decode())

    # Pinned inside one minute-long window: eleven submits that cross a minute would be two windows.
    with time_machine.travel(timezone.now().replace(second=5), tick=False):
        answers = [client.post(web_link(survey), {"score": "9", "submission_key": key}) for _ in range(10)]
        refused = client.post(web_link(survey), {"score": "4", "comment": "keep me", "submission_key": key})
        elsewhere = Client(REMOTE_ADDR="198.51.100.1").post(
            web_link(survey), {"score": "1", "submission_key": "z" * 22}
        )

    assert [answer.status_code for answer in answers] == [302] * 10
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "Too many answers" in refused.content.decode()
    assert ">keep me</textarea>" in refused.content.decode()
    assert elsewhere.status_code == 302
    assert sorted(Response.objects.values_list("score", flat=True)) == [1, 9]


def test_behind_a_proxy_the_limit_counts_the_forwarded_client_address(settings):
    settings.CXLOOP_BEHIND_PROXY = True
    request = type(
        "Request", (), {"META": {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 5.6.7.8"}}
    )

    assert ratelimit.client_address(request) == "5.6.7.8"


@pytest.mark.django_db(transaction=True)
def test_rate_limit_slots_are_shared_by_every_connection_and_never_over_granted():
    # Each thread has its own database connection and cache object, as separate workers would.
    start = threading.Barrier(25)
    allowed = []

    def claim():
        try:
            start.wait()
            allowed.append(ratelimit.hit("test", "198.51.100.9", limit=10, period=3600).allowed)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert allowed.count(True) == 10
    assert allowed.count(False) == 15
    assert ratelimit.hit("test", "198.51.100.10", limit=10, period=3600).allowed


def test_a_window_ends_and_the_limit_starts_over():
    for _ in range(2):
        ratelimit.hit("test", "a", limit=2, period=60, now=1_000_000.0)

    refused = ratelimit.hit("test", "a", limit=2, period=60, now=1_000_010.0)
    later = ratelimit.hit("test", "a", limit=2, period=60, now=1_000_021.0)

    # 1,000,000 s is 40 s into a one-minute window, which ends at 1,000,020 s.
    assert (refused.allowed, refused.retry_after) == (False, 10)
    assert later.allowed
