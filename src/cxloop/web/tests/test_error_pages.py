"""A missing page and a server error answer with the product's own pages (JSON for the API)."""

import pytest
from django.test import Client, RequestFactory

from cxloop.web import errors

DEBUG_OFF_AND_ON = pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])

URL_PATTERN_LIST = "Django tried these URL patterns"


def assert_is_the_products_404(response):
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Page not found</h1>" in page
    assert 'href="/"' in page
    assert URL_PATTERN_LIST not in page
    assert "cxloop.urls" not in page
    assert response["Content-Security-Policy"].startswith("default-src 'self'")


@DEBUG_OFF_AND_ON
def test_an_address_nothing_answers_shows_the_products_404(db, settings, debug):
    # Given the server with DEBUG off (production) or on (the demo).
    settings.DEBUG = debug

    # When a visitor opens an address no page has.
    response = Client().get("/no-such-page/")

    # Then they see the product's 404 page with a link home, not the list of URL patterns.
    assert_is_the_products_404(response)


@DEBUG_OFF_AND_ON
def test_a_page_that_finds_nothing_shows_the_products_404(staff_client, settings, debug):
    # Given a signed-in staff member, with DEBUG off or on.
    settings.DEBUG = debug

    # When they open a customer that does not exist.
    response = staff_client.get("/customers/999999/")

    # Then they see the product's 404 page.
    assert_is_the_products_404(response)


@DEBUG_OFF_AND_ON
def test_an_address_missing_its_slash_still_redirects_to_the_page(staff_client, settings, debug):
    settings.DEBUG = debug

    response = staff_client.get("/customers")

    assert response.status_code == 301
    assert response["Location"] == "/customers/"


@DEBUG_OFF_AND_ON
def test_the_404_page_speaks_the_visitors_language(db, settings, debug):
    settings.DEBUG = debug

    response = Client(headers={"Accept-Language": "fa"}).get("/no-such-page/")

    assert response.status_code == 404
    assert '<html lang="fa" dir="rtl">' in response.content.decode()


@DEBUG_OFF_AND_ON
def test_an_api_address_nothing_answers_gets_the_apis_json_error(db, settings, debug):
    settings.DEBUG = debug

    response = Client().get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "Nothing at this address.", "field": None}


@DEBUG_OFF_AND_ON
def test_an_api_lookup_that_finds_nothing_gets_the_apis_json_error(api_client, settings, debug):
    settings.DEBUG = debug

    response = api_client.get("/api/v1/customers/999999")

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "No such customer.", "field": None}


def test_the_500_page_renders_with_no_database_and_no_request_context():
    # Given no database access at all (this test has no `db`) and a bare request.
    request = RequestFactory().get("/overview/")

    # When the server-error handler answers.
    response = errors.server_error(request)

    # Then it is the product's 500 page with a link home.
    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>Something went wrong</h1>" in page
    assert 'href="/"' in page
    assert 'href="/static/cxloop/web/app.css"' in page


@pytest.mark.urls("cxloop.web.tests.failing_urls")
def test_a_failing_page_shows_the_products_500_and_no_details(db, settings):
    # Given the server in production (DEBUG off) and a page whose view fails.
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    # When a visitor opens it.
    response = client.get("/failing-page/")

    # Then they see the product's 500 page, and nothing about the fault.
    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>Something went wrong</h1>" in page
    assert "a fault in a view" not in page
    assert "Traceback" not in page


@pytest.mark.urls("cxloop.web.tests.failing_urls")
def test_a_failing_api_address_answers_a_generic_json_error(db, settings):
    settings.DEBUG = False

    response = Client(raise_request_exception=False).get("/api/failing")

    assert response.status_code == 500
    assert response.json() == {
        "error": "server_error",
        "detail": "The server could not finish this request.",
        "field": None,
    }
