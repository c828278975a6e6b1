"""The shopper's device class: from the User-Agent of the storefront's requests, on their events only."""

import json

import pytest
from django.test import Client

from cxloop.commerce import devices
from cxloop.commerce.devices import device_class
from cxloop.commerce.models import Event
from cxloop.commerce.services.events import parse_events, record_events

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1"
)
WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (IPHONE, "mobile"),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Mobile Safari/537.36",
            "mobile",
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/16.6 Mobile/15E148 Safari/604.1",
            "tablet",
        ),
        (  # an Android tablet's browser leaves out "Mobile"
            "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Safari/537.36",
            "tablet",
        ),
        (WINDOWS, "desktop"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.4 Safari/605.1.15",
            "desktop",
        ),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", "desktop"),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "bot"),
        (  # a crawler that poses as a phone is a crawler
            "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36 "
            "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "bot",
        ),
        ("curl/8.5.0", ""),
        ("", ""),
        (None, ""),
        ("Mozilla/5.0 " + "x" * 2000, ""),  # too long for a browser's
    ],
)
def test_the_device_class_of_a_user_agent(user_agent, expected):
    assert device_class(user_agent) == expected


def test_a_user_agent_is_parsed_once():
    devices._classify.cache_clear()

    for _ in range(3):
        assert device_class(IPHONE) == "mobile"

    info = devices._classify.cache_info()
    assert (info.misses, info.hits) == (1, 2)
    assert info.maxsize is not None  # bounded: user agents are the client's to make up


def event(n, **fields):
    return {"event_id": f"ev-{n}", "type": "page_view", "session_id": "s-1", "anonymous_id": "a-1", **fields}


def post(client, events, **headers):
    body = json.dumps({"events": events})
    return client.post("/api/v1/events", data=body, content_type="application/json", headers=headers)


@pytest.fixture
def storefront(store):
    from cxloop.core import services as core_services

    _, raw = core_services.create_api_key(store=store, name="storefront", kind="publishable")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def stored() -> dict[str, str]:
    return dict(Event.objects.values_list("event_id", "device"))


# transaction: on PostgreSQL a new batch outside a transaction is one COPY; a retry takes the INSERT path
@pytest.mark.django_db(transaction=True)
def test_the_storefronts_events_keep_the_device_of_the_browser_that_sent_them(storefront):
    response = post(storefront, [event(1), event(2)], user_agent=IPHONE)

    assert response.json() == {"accepted": 2, "duplicates": 0}
    assert stored() == {"ev-1": "mobile", "ev-2": "mobile"}

    # the same events again from another browser, with a new one: only the new one is its
    response = post(storefront, [event(1), event(2), event(3)], user_agent=WINDOWS)

    assert response.json() == {"accepted": 1, "duplicates": 2}
    assert stored() == {"ev-1": "mobile", "ev-2": "mobile", "ev-3": "desktop"}


@pytest.mark.django_db(transaction=True)
def test_without_a_user_agent_the_device_is_not_known(storefront):
    post(storefront, [event(1)])

    assert stored() == {"ev-1": ""}


@pytest.mark.django_db(transaction=True)
def test_the_stores_own_server_has_no_shoppers_device(api_client):
    # a secret key is the store's server: its User-Agent is the server's, whatever it says
    identify = event(2, type="identify", properties={"email": "ann@example.com"})
    post(api_client, [event(1), identify], user_agent=IPHONE)

    assert stored() == {"ev-1": "", "ev-2": ""}


@pytest.mark.django_db
def test_events_recorded_by_the_server_itself_have_no_device(store):
    record_events(store=store, events=parse_events([event(1, type="order_placed")]), trusted=True)

    assert stored() == {"ev-1": ""}
