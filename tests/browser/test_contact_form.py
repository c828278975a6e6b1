"""A Persian customer writes to a store from the contact form in the storefront's panel, on a phone.

Fields are found by their names, not by cxloop's interface strings, so the
journey holds once those are translated too.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from cxloop.core import services as core_services
from cxloop.helpdesk.contact import form
from cxloop.helpdesk.models import Conversation, Message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
MESSAGE = "سلام، سفارش من هنوز نرسیده است. لطفاً بررسی کنید."


@pytest.fixture
def shop_server():
    """The store's own site on another origin, serving the page put in `pages`."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = pages.get(self.path, "").encode()
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


def test_a_persian_customer_sends_the_contact_form_from_the_storefront_panel_on_a_phone(
    page: Page, live_server, shop_server, monkeypatch
):
    # given a store whose storefront may frame cxloop, with the snippet and a contact link on its page
    cache.clear()  # rate-limit counters: the cache table outlives transactional tests
    monkeypatch.setattr(form, "MIN_FILL_SECONDS", 0)  # Playwright types faster than any person
    pages, shop_url = shop_server
    store, _ = core_services.create_store(name="فروشگاه آنیا", currency="IRR", slug="anya")
    store.storefront_origins = shop_url
    store.save(update_fields=["storefront_origins"])
    _, key = core_services.create_api_key(store=store, name="storefront", kind="publishable")
    pages["/"] = (
        "<!doctype html><html lang='fa' dir='rtl'><head><title>فروشگاه</title>"
        f"<script src='{live_server.url}/static/cxloop/cxloop.js' data-key='{key}'"
        f" data-endpoint='{live_server.url}/api/v1/events' async></script></head>"
        f"<body><a href='{live_server.url}/contact/anya/' data-cxloop-contact>تماس با ما</a></body></html>"
    )
    page.set_viewport_size(PHONE)
    page.goto(f"{shop_url}/")
    page.wait_for_function("window.cxloop && window.cxloop.__loaded")

    # when she opens the contact link and fills in the form in the panel
    page.get_by_role("link", name="تماس با ما").click()
    frame = page.frame_locator("[data-cxloop-contact] iframe")
    expect(frame.locator("html")).to_have_attribute("dir", "rtl")
    expect(frame.locator("html")).to_have_attribute("lang", "fa")
    frame.locator("[name=name]").fill("مریم")
    frame.locator("[name=email]").fill("maryam@example.ir")
    frame.locator("[name=message]").fill(MESSAGE)
    frame.locator("button[type=submit]").click()

    # then the panel shows the thanks page, right to left, and the help desk has her message once
    expect(frame.locator(".thanks")).to_be_visible()
    expect(frame.locator("html")).to_have_attribute("dir", "rtl")
    conversation = Conversation.objects.get(store=store)
    assert (conversation.channel, conversation.contact_email) == ("form", "maryam@example.ir")
    assert conversation.messages.get(kind=Message.Kind.INCOMING).text == MESSAGE
    # the page fits the phone: nothing scrolls sideways inside the panel
    overflow = frame.locator("body").evaluate("b => b.scrollWidth - b.clientWidth")
    assert overflow <= 0
