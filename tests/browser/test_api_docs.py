"""An integrator opens the API docs and reads the operations, with nothing fetched from elsewhere."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_list_the_operations_from_this_server_only(page: Page, live_server):
    # Given a visitor who is not signed in, watching every request and console message.
    origin = urlsplit(live_server.url).netloc
    requested, console_errors = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on(
        "console",
        lambda message: console_errors.append(message.text) if message.type == "error" else None,
    )

    # When they open the API docs.
    page.goto(f"{live_server.url}/api/docs")

    # Then Swagger UI lists the operations.
    expect(page.get_by_role("heading", name="cxloop API")).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/events").first).to_be_visible()
    # And every request went to this server, and the CSP refused nothing.
    elsewhere = [url for url in requested if urlsplit(url).netloc != origin]
    assert elsewhere == []
    assert [text for text in console_errors if "Content Security Policy" in text] == []
