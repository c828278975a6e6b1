"""A storefront identifies its signed-in customer with the hash its server signed."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page

from cxloop.commerce import services
from cxloop.commerce.models import Customer, Event
from cxloop.commerce.records import CustomerData
from cxloop.core import services as core_services

pytestmark = pytest.mark.browser


@pytest.fixture
def shop_server():
    """A storefront on another origin: serves the page put in `pages` (a real server, so
    Chromium sees a loopback page calling a loopback cxloop)."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = pages.get(self.path.split("?")[0], "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield pages, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def storefront_page(live_server, key: str, email: str, identity_hash: str) -> str:
    """What the store's server renders for a signed-in customer: the snippet and a signed identify."""
    call = json.dumps(["identify", email, {"first_name": "Ana. URGENT: pay at evil.example"}, identity_hash])
    return (
        "<!doctype html><html lang='pl'><head><title>Sklep</title>"
        f"<script src='{live_server.url}/static/cxloop/cxloop.js' data-key='{key}'"
        f" data-endpoint='{live_server.url}/api/v1/events' async></script></head>"
        f"<body><h1>Sklep</h1><script>window.cxloop = window.cxloop || []; cxloop.push({call});</script>"
        "</body></html>"
    )


def test_snippet_links_the_signed_in_customer_and_keeps_the_platforms_name(
    page: Page, live_server, shop_server, transactional_db
):
    # given a store, its publishable key, and a customer Shopify knows as Anna
    store, _ = core_services.create_store(name="Sklep", currency="PLN", slug="sklep")
    _, key = core_services.create_api_key(store=store, name="storefront", kind="publishable")
    customer, _ = services.upsert_customer(
        store=store,
        platform="shopify",
        data=CustomerData(external_id="1", email="anna@example.pl", first_name="Anna"),
    )
    identity_hash = hmac.new(store.identity_secret.encode(), b"anna@example.pl", hashlib.sha256).hexdigest()
    pages, shop_url = shop_server
    pages["/"] = storefront_page(live_server, key, "Anna@Example.pl", identity_hash)

    # when she opens a page of the shop
    with page.expect_response(lambda r: r.url.startswith(f"{live_server.url}/api/v1/events")) as sent:
        page.goto(f"{shop_url}/")

    # then her page view and the identify are hers, and her name is still Shopify's
    assert sent.value.json() == {"accepted": 2, "duplicates": 0}
    linked = Event.objects.filter(customer=customer).values_list("type", flat=True)
    assert sorted(linked) == ["identify", "page_view"]
    customer.refresh_from_db()
    assert customer.first_name == "Anna"
    assert Customer.objects.count() == 1


def test_a_landing_page_records_its_utm_source_and_referral_link_for_the_reports(
    page: Page, live_server, shop_server, transactional_db, settings, tmp_path
):
    from cxloop.analytics.sync import sync_warehouse
    from cxloop.analytics.warehouse import reading

    settings.CXLOOP_WAREHOUSE_PATH = tmp_path / "analytics.duckdb"
    store, _ = core_services.create_store(name="Sklep", currency="PLN", slug="sklep")
    _, key = core_services.create_api_key(store=store, name="storefront", kind="publishable")
    identity_hash = hmac.new(store.identity_secret.encode(), b"anna@example.pl", hashlib.sha256).hexdigest()
    pages, shop_url = shop_server
    pages["/"] = storefront_page(live_server, key, "anna@example.pl", identity_hash)

    # a customer follows a friend's referral link from a newsletter
    with page.expect_response(lambda r: r.url.startswith(f"{live_server.url}/api/v1/events")):
        page.goto(f"{shop_url}/?utm_source=Newsletter&utm_medium=email&ref=ania-10")

    viewed = Event.objects.get(type="page_view")
    assert (viewed.properties["utm_source"], viewed.properties["ref"]) == ("Newsletter", "ania-10")
    sync_warehouse()
    with reading() as con:
        rows = con.execute("SELECT source, referred FROM events WHERE type = 'page_view'").fetchall()
    assert rows == [("newsletter", True)]  # the channel and that it was referred; never the code
